//! The logit quantal response equilibrium (QRE) of a binary game, on the
//! principal branch, by predictor–corrector path following.
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

struct Path {
    n: usize,
    gains: Vec<Multilinear>,
    buf: Vec<f64>,
}

impl Path {
    fn q(z: &[f64]) -> Vec<f64> {
        z.iter().map(|&v| logistic(v)).collect()
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

    /// The unit tangent: J·t = 0, oriented along `previous`.
    fn tangent(&mut self, y: &[f64], previous: &[f64]) -> Option<Vec<f64>> {
        let mut a = self.jacobian(y);
        a.push(previous.to_vec());
        let mut b = vec![0.0; self.n + 1];
        b[self.n] = 1.0;
        let t = solve_linear(a, b)?;
        let norm = t.iter().map(|v| v * v).sum::<f64>().sqrt();
        Some(t.iter().map(|v| v / norm).collect())
    }

    /// Newton on [H(y) = 0, t·(y − anchor) = 0] from `y`.
    fn correct(&mut self, mut y: Vec<f64>, t: &[f64], anchor: &[f64]) -> Option<Vec<f64>> {
        for _ in 0..8 {
            let mut f = self.residual(&y);
            f.push(
                t.iter()
                    .zip(y.iter().zip(anchor))
                    .map(|(a, (b, c))| a * (b - c))
                    .sum(),
            );
            if f.iter().all(|v| v.abs() < 1e-12) {
                return Some(y);
            }
            let mut a = self.jacobian(&y);
            a.push(t.to_vec());
            let step = solve_linear(a, f)?;
            for (v, s) in y.iter_mut().zip(&step) {
                *v -= s;
            }
        }
        let f = self.residual(&y);
        f.iter().all(|v| v.abs() < 1e-9).then_some(y)
    }

    /// Newton in z at fixed λ.
    fn polish(&mut self, mut y: Vec<f64>) -> Option<Vec<f64>> {
        for _ in 0..50 {
            let f = self.residual(&y);
            if f.iter().all(|v| v.abs() < 1e-14 * (1.0 + y[self.n].abs())) {
                return Some(y);
            }
            let a: Vec<Vec<f64>> = self
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
    let target = 1.0;
    let n = m;
    let mut path = Path {
        n,
        gains,
        buf: Vec::new(),
    };
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
        match path.correct(predicted.clone(), &t, &predicted) {
            Some(next) if next[n] >= target => {
                // Interpolate in λ to the target, then solve there.
                let w = (target - y[n]) / (next[n] - y[n]);
                let mut start: Vec<f64> =
                    y.iter().zip(&next).map(|(a, b)| a + w * (b - a)).collect();
                start[n] = target;
                return match path.polish(start) {
                    Some(end) => Ok(full(&Path::q(&end[..n]))),
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
