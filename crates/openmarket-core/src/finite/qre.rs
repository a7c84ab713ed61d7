//! The logit quantal response equilibrium (QRE) on the principal branch,
//! by predictor–corrector path following: of a binary game
//! ([`logit_qre`]), and of a game with any number of actions per player
//! ([`logit_qre_table`], in log-odds against each player's first action).
//!
//! Convention of the `logit` rule: at temperature τ each player plays
//! action a with probability ∝ exp(u(a)/τ), i.e. Gambit's precision
//! λ = 1/τ. In log-odds z_i = ln(q_i/(1 − q_i)) a QRE solves
//! H(z, λ) = z − λ·Δ(q(z)) = 0. At λ = 0 the solution is the centroid
//! (z = 0); the branch from there is followed in (z, λ) by pseudo-arclength
//! continuation (tangent predictor, Newton corrector on the arclength
//! constraint), so it may turn back in λ, until it first reaches the
//! target λ, where a Newton solve at fixed λ polishes the point. This is
//! the branch Gambit's `logit_solve_lambda` traces.

use super::binary::{BinaryGame, Multilinear};
use super::nash::solve_linear;
use super::nfg::Nfg;
use super::{FiniteGame, Mixed};

/// Most players the tracer takes (its Jacobian costs n²·2^n per step).
pub const MAX_PLAYERS: usize = 12;
/// Steps before the tracer gives up.
const MAX_STEPS: usize = 200_000;

/// Why no QRE was returned.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum QreError {
    /// τ must be positive and finite.
    #[error("temperature {0} is out of range (0, inf)")]
    Temperature(f64),
    /// The path could not be followed (a singular point, or the step budget).
    #[error("the logit path stopped {:.1}% of the way to the target temperature", 100.0 * lambda / target)]
    Stalled {
        /// Where it stopped, on the path's parameter t ∈ [0, 1].
        lambda: f64,
        /// Where it was going (1).
        target: f64,
    },
}

fn logistic(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// The equations H(z, t) = 0 of a logit path, over n log-odds and the
/// path parameter t (last coordinate).
pub(crate) trait Equations {
    /// The number of log-odds n.
    fn dim(&self) -> usize;
    /// H(y), n values.
    fn residual(&mut self, y: &[f64]) -> Vec<f64>;
    /// [∂H/∂z | ∂H/∂t], n × (n + 1).
    fn jacobian(&mut self, y: &[f64]) -> Vec<Vec<f64>>;
}

struct Path {
    n: usize,
    gains: Vec<Multilinear>,
    buf: Vec<f64>,
}

impl Path {
    fn q(z: &[f64]) -> Vec<f64> {
        z.iter().map(|&v| logistic(v)).collect()
    }
}

impl Equations for Path {
    fn dim(&self) -> usize {
        self.n
    }

    /// H(z, λ).
    fn residual(&mut self, y: &[f64]) -> Vec<f64> {
        let (z, lambda) = (&y[..self.n], y[self.n]);
        let q = Self::q(z);
        (0..self.n)
            .map(|i| z[i] - lambda * self.gains[i].eval(&q, &mut self.buf))
            .collect()
    }

    /// [∂H/∂z | ∂H/∂λ], n × (n + 1).
    fn jacobian(&mut self, y: &[f64]) -> Vec<Vec<f64>> {
        let (z, lambda) = (&y[..self.n], y[self.n]);
        let q = Self::q(z);
        (0..self.n)
            .map(|i| {
                let mut row = vec![0.0; self.n + 1];
                for (j, entry) in row.iter_mut().take(self.n).enumerate() {
                    let d = if j == i {
                        0.0
                    } else {
                        self.gains[i].partial(j, &q, &mut self.buf)
                    };
                    *entry = f64::from(u8::from(i == j)) - lambda * d * q[j] * (1.0 - q[j]);
                }
                row[self.n] = -self.gains[i].eval(&q, &mut self.buf);
                row
            })
            .collect()
    }
}

/// Predictor–corrector steps along any [`Equations`].
struct Tracer<E>(E);

impl<E: Equations> Tracer<E> {
    /// The unit tangent: J·t = 0, oriented along `previous`.
    fn tangent(&mut self, y: &[f64], previous: &[f64]) -> Option<Vec<f64>> {
        let n = self.0.dim();
        let mut a = self.0.jacobian(y);
        a.push(previous.to_vec());
        let mut b = vec![0.0; n + 1];
        b[n] = 1.0;
        let t = solve_linear(a, b)?;
        let norm = t.iter().map(|v| v * v).sum::<f64>().sqrt();
        Some(t.iter().map(|v| v / norm).collect())
    }

    /// Newton on [H(y) = 0, t·(y − anchor) = 0] from `y`.
    fn correct(&mut self, mut y: Vec<f64>, t: &[f64], anchor: &[f64]) -> Option<Vec<f64>> {
        for _ in 0..8 {
            let mut f = self.0.residual(&y);
            f.push(
                t.iter()
                    .zip(y.iter().zip(anchor))
                    .map(|(a, (b, c))| a * (b - c))
                    .sum(),
            );
            if f.iter().all(|v| v.abs() < 1e-12) {
                return Some(y);
            }
            let mut a = self.0.jacobian(&y);
            a.push(t.to_vec());
            let step = solve_linear(a, f)?;
            for (v, s) in y.iter_mut().zip(&step) {
                *v -= s;
            }
        }
        let f = self.0.residual(&y);
        f.iter().all(|v| v.abs() < 1e-9).then_some(y)
    }

    /// Newton in z at fixed λ.
    fn polish(&mut self, mut y: Vec<f64>) -> Option<Vec<f64>> {
        for _ in 0..50 {
            let f = self.0.residual(&y);
            if f.iter()
                .all(|v| v.abs() < 1e-14 * (1.0 + y[self.0.dim()].abs()))
            {
                return Some(y);
            }
            let a: Vec<Vec<f64>> = self
                .0
                .jacobian(&y)
                .into_iter()
                .map(|mut row| {
                    row.pop();
                    row
                })
                .collect();
            let step = solve_linear(a, f)?;
            for (v, s) in y.iter_mut().zip(&step) {
                *v -= s;
            }
        }
        None
    }
}

/// The logit QRE at temperature `tau` on the principal branch: each
/// player's probability of action 1.
pub fn logit_qre(game: &BinaryGame, tau: f64) -> Result<Vec<f64>, QreError> {
    let n = game.players();
    logit_qre_held(game, &vec![tau; n], &vec![None; n])
}

/// The logit QRE when player i responds at its own temperature `tau[i]`
/// and each player j with `held[j] = Some(a)` plays action a: the branch
/// of H_i(z, t) = z_i − t·Δ_i(q)/τ_i from t = 0 (the centroid) to t = 1.
/// With one temperature this is the λ = t/τ path of [`logit_qre`].
pub fn logit_qre_held(
    game: &BinaryGame,
    tau: &[f64],
    held: &[Option<bool>],
) -> Result<Vec<f64>, QreError> {
    let n = game.players();
    assert!(n <= MAX_PLAYERS, "at most {MAX_PLAYERS} players");
    let free: Vec<usize> = (0..n).filter(|&i| held[i].is_none()).collect();
    if let Some(&t) = free
        .iter()
        .map(|&i| &tau[i])
        .find(|t| !(**t > 0.0 && t.is_finite()))
    {
        return Err(QreError::Temperature(t));
    }
    let base: u64 = (0..n)
        .filter(|&j| held[j] == Some(true))
        .map(|j| 1u64 << j)
        .sum();
    let m = free.len();
    let full = |q: &[f64]| -> Vec<f64> {
        let mut out: Vec<f64> = (0..n).map(|j| ((base >> j) & 1) as f64).collect();
        for (&j, &v) in free.iter().zip(q) {
            out[j] = v;
        }
        out
    };
    if m == 0 {
        return Ok(full(&[]));
    }
    // Each free player's gain over the free players' q, scaled by 1/τ_i.
    let gains = free
        .iter()
        .map(|&i| Multilinear {
            m,
            corners: (0..1u64 << m)
                .map(|c| {
                    let x = free
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| c & (1 << k) != 0)
                        .fold(base, |x, (_, &j)| x | (1 << j));
                    game.pure_gain(i, x) / tau[i]
                })
                .collect(),
        })
        .collect();
    let path = Path {
        n: m,
        gains,
        buf: Vec::new(),
    };
    let end = trace(path, false)?;
    Ok(full(&Path::q(&end)))
}

/// Follow the branch of `equations` from (z = 0, t = 0) to t = 1; the
/// log-odds there.
pub(crate) fn trace<E: Equations>(equations: E, careful: bool) -> Result<Vec<f64>, QreError> {
    let n = equations.dim();
    let mut path = Tracer(equations);
    let target = 1.0;
    let mut y = vec![0.0; n + 1];
    let mut t = vec![0.0; n + 1];
    t[n] = 1.0;
    let mut h = 0.1_f64;
    let stalled = |lambda: f64| QreError::Stalled { lambda, target };
    for _ in 0..MAX_STEPS {
        let Some(tangent) = path.tangent(&y, &t) else {
            return Err(stalled(y[n]));
        };
        t = tangent;
        let predicted: Vec<f64> = y.iter().zip(&t).map(|(a, b)| a + h * b).collect();
        let corrected = path.correct(predicted.clone(), &t, &predicted);
        // Where the path turns sharply near another branch, a long step can
        // land on that branch with a small correction: a careful trace
        // accepts a step only if the corrector moved less than a tenth of
        // the step and at most 0.05 in log-odds, and the tangent turned by
        // less than about 8° (Allgower and Georg's step-length tests; a
        // random 4x4 game jumped branches at 0.25 and 18°).
        let strayed = careful
            && corrected.as_ref().is_some_and(|next| {
                let moved = next
                    .iter()
                    .zip(&predicted)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    .sqrt();
                moved > (0.1 * h).min(0.05)
                    || path
                        .tangent(next, &t)
                        .is_none_or(|u| u.iter().zip(&t).map(|(a, b)| a * b).sum::<f64>() < 0.99)
            });
        if strayed {
            h *= 0.5;
            if h < 1e-12 {
                return Err(stalled(y[n]));
            }
            continue;
        }
        match corrected {
            Some(next) if next[n] >= target => {
                // Interpolate in λ to the target, then solve there.
                let w = (target - y[n]) / (next[n] - y[n]);
                let mut start: Vec<f64> =
                    y.iter().zip(&next).map(|(a, b)| a + w * (b - a)).collect();
                start[n] = target;
                return match path.polish(start) {
                    Some(mut end) => {
                        end.truncate(n);
                        Ok(end)
                    }
                    None if h > 1e-10 => {
                        h *= 0.25;
                        continue;
                    }
                    None => Err(stalled(y[n])),
                };
            }
            Some(next) => {
                y = next;
                h = (h * 1.5).min(1.0 + 0.1 * y[n].abs());
            }
            None => {
                h *= 0.5;
                if h < 1e-12 {
                    return Err(stalled(y[n]));
                }
            }
        }
    }
    Err(stalled(y[n]))
}

/// The logit response residual at q: max_i |q_i − σ(Δ_i(q)/τ)|, 0 exactly
/// at a QRE.
pub fn residual(game: &BinaryGame, tau: f64, q: &[f64]) -> f64 {
    (0..game.players())
        .map(|i| (q[i] - logistic(game.gain(i, q) / tau)).abs())
        .fold(0.0, f64::max)
}

/// Player i's probabilities from its log-odds against its first action.
fn softmax(z: &[f64], out: &mut [f64]) {
    let top = z.iter().copied().fold(0.0, f64::max);
    out[0] = (-top).exp();
    for (o, &v) in out[1..].iter_mut().zip(z) {
        *o = (v - top).exp();
    }
    let total: f64 = out.iter().sum();
    for o in out.iter_mut() {
        *o /= total;
    }
}

/// A table game's logit path: z_{i,a} = ln(σ_i(a)/σ_i(0)) for a ≥ 1, and
/// H_{i,a}(z, t) = z_{i,a} − t·(u_i(a, σ₋ᵢ) − u_i(0, σ₋ᵢ))/τ_i.
struct TablePath<'a> {
    game: &'a Nfg,
    sizes: Vec<usize>,
    /// Player i's log-odds start at `first[i]`.
    first: Vec<usize>,
    tau: Vec<f64>,
}

impl TablePath<'_> {
    fn sigma(&self, z: &[f64]) -> Mixed {
        let mut sigma = Mixed::uniform(&self.sizes);
        for (i, &f) in self.first.iter().enumerate() {
            softmax(&z[f..f + self.sizes[i] - 1], sigma.agent_mut(i));
        }
        sigma
    }
}

impl Equations for TablePath<'_> {
    fn dim(&self) -> usize {
        self.sizes.iter().map(|k| k - 1).sum()
    }

    fn residual(&mut self, y: &[f64]) -> Vec<f64> {
        let n = self.dim();
        let (z, t) = (&y[..n], y[n]);
        let sigma = self.sigma(z);
        let mut out = Vec::with_capacity(n);
        for (i, &k) in self.sizes.iter().enumerate() {
            let mut u = vec![0.0; k];
            self.game.expected_payoffs(i, &sigma, &mut u);
            for a in 1..k {
                out.push(z[self.first[i] + a - 1] - t * (u[a] - u[0]) / self.tau[i]);
            }
        }
        out
    }

    fn jacobian(&mut self, y: &[f64]) -> Vec<Vec<f64>> {
        let n = self.dim();
        let (z, t) = (&y[..n], y[n]);
        let sigma = self.sigma(z);
        let players = self.sizes.len();
        let mut rows = vec![vec![0.0; n + 1]; n];
        for i in 0..players {
            let k = self.sizes[i];
            let mut u = vec![0.0; k];
            self.game.expected_payoffs(i, &sigma, &mut u);
            for a in 1..k {
                let r = self.first[i] + a - 1;
                rows[r][r] = 1.0;
                rows[r][n] = -(u[a] - u[0]) / self.tau[i];
            }
            for j in (0..players).filter(|&j| j != i) {
                // pair[a][c] = E[u_i | i plays a, j plays c, the rest σ].
                let l = self.sizes[j];
                let mut pair = vec![vec![0.0; l]; k];
                for p in 0..self.game.profiles() {
                    let (mut rest, mut w, mut a, mut c) = (p, 1.0, 0, 0);
                    for (h, &size) in self.sizes.iter().enumerate() {
                        let s = rest % size;
                        rest /= size;
                        if h == i {
                            a = s;
                        } else if h == j {
                            c = s;
                        } else {
                            w *= sigma.agent(h)[s];
                        }
                    }
                    if w != 0.0 {
                        pair[a][c] += w * self.game.payoff(p, i);
                    }
                }
                let sj = sigma.agent(j);
                // ∂σ_j(c)/∂z_{j,b} = σ_j(b)(1[c = b] − σ_j(c)), so
                // ∂u_i(a)/∂z_{j,b} = σ_j(b)(pair[a][b] − Σ_c σ_j(c) pair[a][c]).
                let mean: Vec<f64> = pair
                    .iter()
                    .map(|row| row.iter().zip(sj).map(|(v, p)| v * p).sum())
                    .collect();
                for a in 1..k {
                    let r = self.first[i] + a - 1;
                    for b in 1..l {
                        let d = |x: usize| sj[b] * (pair[x][b] - mean[x]);
                        rows[r][self.first[j] + b - 1] = -t * (d(a) - d(0)) / self.tau[i];
                    }
                }
            }
        }
        rows
    }
}

/// The logit QRE of a table game when player i responds at temperature
/// `tau[i]` (probabilities ∝ exp(u/τ_i); Gambit's λ = 1/τ): the branch of
/// the table's logit path from the centroid (t = 0) to t = 1. Each
/// player's probabilities, in its strategies' order.
pub fn logit_qre_table(game: &Nfg, tau: &[f64]) -> Result<Vec<Vec<f64>>, QreError> {
    if let Some(&t) = tau.iter().find(|t| !(**t > 0.0 && t.is_finite())) {
        return Err(QreError::Temperature(t));
    }
    let sizes: Vec<usize> = game.strategies.iter().map(Vec::len).collect();
    let mut first = Vec::with_capacity(sizes.len());
    let mut at = 0;
    for k in &sizes {
        first.push(at);
        at += k - 1;
    }
    let path = TablePath {
        game,
        sizes,
        first,
        tau: tau.to_vec(),
    };
    let sizes = path.sizes.clone();
    let first = path.first.clone();
    let z = trace(path, true)?;
    Ok(sizes
        .iter()
        .zip(&first)
        .map(|(&k, &f)| {
            let mut p = vec![0.0; k];
            softmax(&z[f..f + k - 1], &mut p);
            p
        })
        .collect())
}

/// The logit response residual of a table game at `sigma`:
/// max over players and actions of |σ_i(a) − softmax(u_i/τ_i)(a)|.
pub fn table_residual(game: &Nfg, tau: &[f64], sigma: &Mixed) -> f64 {
    let mut worst: f64 = 0.0;
    for (i, &t) in tau.iter().enumerate() {
        let k = game.strategies[i].len();
        let mut u = vec![0.0; k];
        game.expected_payoffs(i, sigma, &mut u);
        let z: Vec<f64> = u[1..].iter().map(|v| (v - u[0]) / t).collect();
        let mut p = vec![0.0; k];
        softmax(&z, &mut p);
        for (a, b) in p.iter().zip(sigma.agent(i)) {
            worst = worst.max((a - b).abs());
        }
    }
    worst
}
