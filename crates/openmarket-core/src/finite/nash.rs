//! Every Nash equilibrium of a game with two actions per player, mixed
//! ones included, by enumeration of support patterns.
//!
//! A pattern assigns each player a pure action or "mixed". With the mixed
//! set M, an equilibrium with that pattern solves the indifference
//! conditions Δ_i(q) = 0 for i ∈ M, with q_M ∈ (0, 1)^M, while each pure
//! player's action stays a best response. Those conditions are multilinear,
//! and a multilinear function's range over a box is spanned by its corner
//! values, so a box where some condition cannot hold is excluded exactly.
//! The rest is bisected until Newton's method, started at a small box's
//! centre, converges; every solution is then verified by its exact regret.
//! This lists every isolated equilibrium (all of them in a generic game).
//! Where equilibria form a continuum (a degenerate game), boxes along it
//! are never excluded: the search stops at a budget, keeps what it has
//! verified, and reports `complete = false`.

use rayon::prelude::*;

use super::binary::{BinaryGame, Multilinear};

/// An equilibrium is reported only if no player gains more than this by
/// deviating, by the exact expected payoffs.
pub const VERIFY_REGRET: f64 = 1e-9;
/// Most players whose support patterns (3^n of them) are enumerated.
pub const MAX_PLAYERS: usize = 10;
/// Boxes one support pattern may examine before it gives up (generic
/// 8-player games need a few million for their totally mixed pattern).
const BOX_BUDGET: u64 = 20_000_000;
/// Boxes narrower than this that the Krawczyk test cannot decide are left
/// unresolved (they mark a degenerate game).
const MIN_WIDTH: f64 = 1e-7;
/// After this many unresolved boxes a pattern holds a continuum (a generic
/// game has none): the rest of it is left unresolved at [`COARSE_WIDTH`].
/// Tiling a continuum at [`MIN_WIDTH`] took the whole [`BOX_BUDGET`], about
/// 8 s for a degenerate 2×2 game; isolated roots are still proved unique
/// in boxes far wider than either width.
const CONTINUUM_BOXES: u32 = 64;
/// The width at which a continuum's boxes are left unresolved.
const COARSE_WIDTH: f64 = 1e-4;

/// What the Krawczyk test says of a box.
enum Krawczyk {
    /// No solution in the box.
    NoRoot,
    /// Exactly one solution, which Newton's method converges to.
    Unique,
    /// Neither; every root lies in this smaller box (K ∩ X).
    Unknown(Vec<f64>, Vec<f64>),
}

/// One mixed Nash equilibrium.
#[derive(Clone, Debug, PartialEq)]
pub struct MixedEquilibrium {
    /// Each player's probability of action 1.
    pub q: Vec<f64>,
    /// The largest player's regret there (≤ [`VERIFY_REGRET`]).
    pub regret: f64,
}

/// The Nash equilibria of a binary game.
#[derive(Clone, Debug, PartialEq)]
pub struct MixedSolution {
    /// Every equilibrium found, sorted, pure ones included.
    pub equilibria: Vec<MixedEquilibrium>,
    /// False when some pattern was degenerate (a continuum or an unresolved
    /// box): the listing may then miss equilibria in that continuum.
    pub complete: bool,
    /// Boxes examined over all patterns.
    pub boxes: u64,
}

/// Every Nash equilibrium of `game` (at most [`MAX_PLAYERS`] players).
pub fn equilibria(game: &BinaryGame) -> MixedSolution {
    equilibria_held(game, &vec![None; game.players()])
}

/// Every Nash equilibrium of the game in which each player j with
/// `held[j] = Some(a)` plays action a (1 = true) and cannot deviate: the
/// equilibria of the others, with those players held.
pub fn equilibria_held(game: &BinaryGame, held: &[Option<bool>]) -> MixedSolution {
    let n = game.players();
    assert_eq!(held.len(), n);
    assert!(n <= MAX_PLAYERS, "at most {MAX_PLAYERS} players");
    let patterns = 3u64.pow(n as u32);
    // Patterns are independent: rayon spreads them; the result is sorted,
    // so it does not depend on the thread count.
    let results: Vec<(Vec<Vec<f64>>, bool, u64)> = (0..patterns)
        .into_par_iter()
        .map(|code| {
            let mut c = code;
            let state: Vec<u8> = (0..n)
                .map(|_| {
                    let s = (c % 3) as u8;
                    c /= 3;
                    s
                })
                .collect();
            // A held player has one pattern: its action.
            let fits = state
                .iter()
                .zip(held)
                .all(|(&s, h)| h.is_none_or(|a| s == u8::from(a)));
            if !fits {
                return (Vec::new(), true, 0);
            }
            Pattern::new(game, &state, held).solve()
        })
        .collect();
    let complete = results.iter().all(|r| r.1);
    let boxes = results.iter().map(|r| r.2).sum();
    let found: Vec<Vec<f64>> = results.into_iter().flat_map(|r| r.0).collect();
    let mut equilibria: Vec<MixedEquilibrium> = found
        .into_iter()
        .filter_map(|q| {
            let regret = (0..n)
                .filter(|&i| held[i].is_none())
                .map(|i| game.regret(i, &q))
                .fold(0.0, f64::max);
            (regret <= VERIFY_REGRET).then_some(MixedEquilibrium { q, regret })
        })
        .collect();
    equilibria.sort_by(|a, b| {
        a.q.iter()
            .zip(&b.q)
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    equilibria.dedup_by(|a, b| a.q.iter().zip(&b.q).all(|(x, y)| (x - y).abs() < 1e-7));
    MixedSolution {
        equilibria,
        complete,
        boxes,
    }
}

/// Buffers one pattern's search reuses from box to box.
struct Work {
    /// Each Δ_i's values at the current box's corners.
    corners: Vec<Vec<f64>>,
    scratch: Vec<f64>,
    /// Each Δ_i's Jacobian row ranges over the current box.
    ranges: Vec<Vec<(f64, f64)>>,
}

/// One support pattern of a binary game: pure players with their actions,
/// mixed players.
struct Pattern {
    n: usize,
    /// The pure players' actions as bits (mixed players' bits 0).
    base: u64,
    mixed: Vec<usize>,
    system: System,
}

impl Pattern {
    /// `state[j]`: 0 or 1 = player j plays that action; 2 = j mixes. Held
    /// players have no best-response condition.
    fn new(game: &BinaryGame, state: &[u8], held: &[Option<bool>]) -> Pattern {
        let n = state.len();
        let mixed: Vec<usize> = (0..n).filter(|&j| state[j] == 2).collect();
        let base: u64 = (0..n).filter(|&j| state[j] == 1).map(|j| 1u64 << j).sum();
        let m = mixed.len();
        let gain_over_mixed = |i: usize, sign: f64| Multilinear {
            m,
            corners: (0..1u64 << m)
                .map(|c| {
                    let x = mixed
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| c & (1 << k) != 0)
                        .fold(base, |x, (_, &j)| x | (1 << j));
                    sign * game.pure_gain(i, x)
                })
                .collect(),
        };
        Pattern {
            n,
            base,
            system: System {
                indifference: mixed.iter().map(|&i| gain_over_mixed(i, 1.0)).collect(),
                // A pure player at 1 needs Δ_j ≥ 0, i.e. −Δ_j ≤ 0.
                conditions: (0..n)
                    .filter(|&j| state[j] != 2 && held[j].is_none())
                    .map(|j| gain_over_mixed(j, if state[j] == 1 { -1.0 } else { 1.0 }))
                    .collect(),
                blocks: (0..m).map(|k| (k, 1)).collect(),
                precondition: false,
            },
            mixed,
        }
    }

    /// The full profile with the mixed players at `q`.
    fn profile(&self, q: &[f64]) -> Vec<f64> {
        let mut p: Vec<f64> = (0..self.n).map(|j| ((self.base >> j) & 1) as f64).collect();
        for (&j, &v) in self.mixed.iter().zip(q) {
            p[j] = v;
        }
        p
    }

    /// (solutions, complete, boxes used).
    fn solve(&self) -> (Vec<Vec<f64>>, bool, u64) {
        let (solutions, complete, boxes) = self.system.solve();
        let profiles = solutions.iter().map(|q| self.profile(q)).collect();
        (profiles, complete, boxes)
    }
}

/// The equilibrium conditions of one support pattern, over m variables in
/// [0, 1]: each mixed player's probabilities of its support's actions but
/// the first. Every function is multilinear in them, since payoffs are
/// linear in each player's mixed strategy and that is affine in its
/// variables.
pub(crate) struct System {
    /// The indifferences (= 0): each mixed player's gain from each of its
    /// support's actions over the first.
    pub(crate) indifference: Vec<Multilinear>,
    /// Best-response conditions (≤ 0): the gain from each action outside
    /// a player's support over its support's first.
    pub(crate) conditions: Vec<Multilinear>,
    /// (first variable, count) of each mixed player: its variables sum to
    /// less than 1 (its support's first action has positive probability).
    pub(crate) blocks: Vec<(usize, usize)>,
    /// Also exclude boxes by the signs of F preconditioned by its inverse
    /// Jacobian at the centre (the k-action enumeration; the two-action
    /// one keeps the search its results were published with).
    pub(crate) precondition: bool,
}

impl System {
    /// Every interior solution: (solutions, complete, boxes used).
    pub(crate) fn solve(&self) -> (Vec<Vec<f64>>, bool, u64) {
        let m = self.blocks.iter().map(|b| b.1).sum::<usize>();
        if m == 0 {
            return (vec![Vec::new()], true, 0);
        }
        if self.blocks.len() == 1 {
            // One mixed player: its indifferences do not depend on its own
            // probabilities, so they are constants here, and an interior
            // point solves them only if every constant is exactly 0, which
            // makes a continuum of equilibria (its ends are profiles of
            // smaller supports, listed by their own patterns).
            let d = self
                .indifference
                .iter()
                .map(|f| f.corners[0].abs())
                .fold(0.0, f64::max);
            let scale = 1e-12 * (1.0 + d);
            let others_ok = self
                .conditions
                .iter()
                .all(|f| f.corners.iter().any(|&v| v <= scale));
            return (Vec::new(), !(d <= scale && others_ok), 1);
        }
        let mut stack = vec![(vec![0.0; m], vec![1.0; m])];
        let mut solutions: Vec<Vec<f64>> = Vec::new();
        let mut complete = true;
        let mut boxes = 0;
        let mut floor = MIN_WIDTH;
        let mut unresolved = 0u32;
        let mut give_up = |floor: &mut f64| {
            unresolved += 1;
            if unresolved >= CONTINUUM_BOXES {
                *floor = COARSE_WIDTH;
            }
        };
        let mut work = Work {
            corners: vec![Vec::new(); m],
            scratch: Vec::new(),
            ranges: vec![vec![(0.0, 0.0); m]; m],
        };
        while let Some((lo, hi)) = stack.pop() {
            boxes += 1;
            if boxes > BOX_BUDGET {
                complete = false;
                break;
            }
            if self.excluded(&lo, &hi, &mut work) {
                continue;
            }
            let width = lo.iter().zip(&hi).map(|(a, b)| b - a).fold(0.0, f64::max);
            match self.krawczyk(&lo, &hi, &mut work) {
                Krawczyk::NoRoot => continue,
                Krawczyk::Unique => {
                    let centre: Vec<f64> = lo.iter().zip(&hi).map(|(a, b)| 0.5 * (a + b)).collect();
                    match self.newton(centre) {
                        Some(q) => {
                            let interior = self.interior(&q);
                            if interior
                                && !solutions
                                    .iter()
                                    .any(|s| s.iter().zip(&q).all(|(x, y)| (x - y).abs() < 1e-9))
                            {
                                solutions.push(q);
                            }
                            continue;
                        }
                        // Rounding made the test too optimistic: bisect on.
                        None if width > floor => {}
                        None => {
                            complete = false;
                            give_up(&mut floor);
                            continue;
                        }
                    }
                }
                Krawczyk::Unknown(..) if width <= floor => {
                    complete = false;
                    give_up(&mut floor);
                    continue;
                }
                Krawczyk::Unknown(k_lo, k_hi) => {
                    // Keep the contraction when it cuts the box markedly;
                    // otherwise bisect.
                    let new_width = k_lo
                        .iter()
                        .zip(&k_hi)
                        .map(|(a, b)| b - a)
                        .fold(0.0, f64::max);
                    if new_width < 0.7 * width {
                        stack.push((k_lo, k_hi));
                        continue;
                    }
                }
            }
            // Bisect the widest coordinate.
            let k = (0..m)
                .max_by(|&a, &b| (hi[a] - lo[a]).total_cmp(&(hi[b] - lo[b])))
                .expect("m ≥ 2");
            let mid = 0.5 * (lo[k] + hi[k]);
            let (mut hi_left, mut lo_right) = (hi.clone(), lo.clone());
            hi_left[k] = mid;
            lo_right[k] = mid;
            stack.push((lo_right, hi));
            stack.push((lo, hi_left));
        }
        (solutions, complete, boxes)
    }

    /// Every probability strictly positive, the supports' first actions'
    /// included.
    fn interior(&self, q: &[f64]) -> bool {
        q.iter().all(|&v| v > 1e-12)
            && self.blocks.iter().all(|&(start, len)| {
                if len == 1 {
                    q[start] < 1.0 - 1e-12
                } else {
                    1.0 - q[start..start + len].iter().sum::<f64>() > 1e-12
                }
            })
    }

    /// Whether some condition fails everywhere on the box: a support's
    /// first action at probability ≤ 0, an indifference whose corner values
    /// all have one strict sign, or an action outside a support strictly
    /// better at every corner. Leaves each indifference's
    /// corner values in `work` for the Krawczyk test.
    fn excluded(&self, lo: &[f64], hi: &[f64], work: &mut Work) -> bool {
        // A support's first action needs positive probability.
        if self
            .blocks
            .iter()
            .any(|&(start, len)| len > 1 && lo[start..start + len].iter().sum::<f64>() >= 1.0)
        {
            return true;
        }
        let strict = |c: &[f64]| 1e-13 * (1.0 + c.iter().fold(0.0_f64, |a, v| a.max(v.abs())));
        for (f, corners) in self.indifference.iter().zip(work.corners.iter_mut()) {
            f.box_corners(lo, hi, corners);
            let eps = strict(corners);
            if corners.iter().all(|&v| v > eps) || corners.iter().all(|&v| v < -eps) {
                return true;
            }
        }
        for f in &self.conditions {
            let corners = &mut work.scratch;
            f.box_corners(lo, hi, corners);
            let eps = strict(corners);
            if corners.iter().all(|&v| v > eps) {
                return true;
            }
        }
        false
    }

    /// The Krawczyk test on the box X = [lo, hi] for F = Δ_M: with c the
    /// centre, Y ≈ F′(c)⁻¹ and F′(X) the exact range of the Jacobian over X,
    /// K = c − Y·F(c) + (I − Y·F′(X))·(X − c) contains every root in X; if
    /// K misses X there is none, and if K lies inside X there is exactly
    /// one (the interval Newton theorem). Uses the corner values `excluded`
    /// left in `work`.
    fn krawczyk(&self, lo: &[f64], hi: &[f64], work: &mut Work) -> Krawczyk {
        let m = lo.len();
        let c: Vec<f64> = lo.iter().zip(hi).map(|(a, b)| 0.5 * (a + b)).collect();
        let r: Vec<f64> = lo.iter().zip(hi).map(|(a, b)| 0.5 * (b - a)).collect();
        // A multilinear function's value at the box's centre is the mean of
        // its corner values, and so is each partial derivative's (from the
        // corner differences): both come from the corners already computed.
        let corners_n = work.corners[0].len() as f64;
        let f: Vec<f64> = work
            .corners
            .iter()
            .map(|cs| cs.iter().sum::<f64>() / corners_n)
            .collect();
        let point: Vec<Vec<f64>> = work
            .corners
            .iter()
            .map(|cs| {
                (0..m)
                    .map(|k| {
                        let stride = 1 << k;
                        let sum: f64 = (0..cs.len())
                            .filter(|b| b & stride == 0)
                            .map(|b| cs[b | stride] - cs[b])
                            .sum();
                        sum / (0.5 * corners_n) / (hi[k] - lo[k])
                    })
                    .collect()
            })
            .collect();
        let Some(y) = invert(point) else {
            return Krawczyk::Unknown(lo.to_vec(), hi.to_vec());
        };
        if self.precondition {
            // Y·F is multilinear too, so its corner values bound it exactly;
            // near a root it is close to x − root, whose sign is fixed on a
            // box beside the root: far fewer boxes than F's own signs need.
            let corners = &work.corners;
            for row in &y {
                let combo = &mut work.scratch;
                combo.clear();
                combo.resize(corners[0].len(), 0.0);
                let mut size = 0.0;
                for (w, cs) in row.iter().zip(corners) {
                    size += w.abs() * cs.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
                    for (c, v) in combo.iter_mut().zip(cs) {
                        *c += w * v;
                    }
                }
                let eps = 1e-12 * (1.0 + size);
                if combo.iter().all(|&v| v > eps) || combo.iter().all(|&v| v < -eps) {
                    return Krawczyk::NoRoot;
                }
            }
        }
        for (corners, ranges) in work.corners.iter().zip(work.ranges.iter_mut()) {
            Multilinear::partial_ranges(corners, lo, hi, ranges);
        }
        let ranges = &work.ranges;
        let mut inside = true;
        let (mut new_lo, mut new_hi) = (lo.to_vec(), hi.to_vec());
        for i in 0..m {
            // (c − Y·F(c))_i ± Σ_k |(I − Y·F′(X))_ik|·r_k
            let newton: f64 = c[i] - (0..m).map(|l| y[i][l] * f[l]).sum::<f64>();
            let mut spread = 0.0;
            for k in 0..m {
                let (mut a, mut b) = if i == k { (1.0, 1.0) } else { (0.0, 0.0) };
                for (l, row) in ranges.iter().enumerate() {
                    let (jl, ju) = row[k];
                    let (p, q) = (y[i][l] * jl, y[i][l] * ju);
                    a -= p.max(q);
                    b -= p.min(q);
                }
                spread += a.abs().max(b.abs()) * r[k];
            }
            // A little slack for rounding.
            let slack = 1e-12 * (1.0 + newton.abs());
            let (k_lo, k_hi) = (newton - spread - slack, newton + spread + slack);
            if k_hi < lo[i] || k_lo > hi[i] {
                return Krawczyk::NoRoot;
            }
            inside &= k_lo > lo[i] && k_hi < hi[i];
            new_lo[i] = new_lo[i].max(k_lo);
            new_hi[i] = new_hi[i].min(k_hi);
        }
        if inside {
            Krawczyk::Unique
        } else {
            Krawczyk::Unknown(new_lo, new_hi)
        }
    }

    /// Newton's method on Δ_M(q) = 0 from `q`; `None` if it does not
    /// converge to a residual of 1e-14 (relative) in 40 steps.
    fn newton(&self, mut q: Vec<f64>) -> Option<Vec<f64>> {
        let m = q.len();
        let mut buf = Vec::new();
        let scale = 1.0
            + self
                .indifference
                .iter()
                .flat_map(|f| f.corners.iter())
                .fold(0.0_f64, |a, v| a.max(v.abs()));
        for _ in 0..40 {
            let f: Vec<f64> = self
                .indifference
                .iter()
                .map(|g| g.eval(&q, &mut buf))
                .collect();
            if f.iter().all(|v| v.abs() <= 1e-14 * scale) {
                return Some(q);
            }
            let mut jac = vec![vec![0.0; m]; m];
            for (r, g) in self.indifference.iter().enumerate() {
                for (c, entry) in jac[r].iter_mut().enumerate() {
                    *entry = g.partial(c, &q, &mut buf);
                }
            }
            let step = solve_linear(jac, f)?;
            for (v, s) in q.iter_mut().zip(&step) {
                *v -= s;
            }
            if q.iter().any(|v| !v.is_finite() || *v < -1.0 || *v > 2.0) {
                return None;
            }
        }
        None
    }
}

/// The inverse of a square matrix, column by column; `None` if singular.
fn invert(a: Vec<Vec<f64>>) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut columns = Vec::with_capacity(n);
    for k in 0..n {
        let mut e = vec![0.0; n];
        e[k] = 1.0;
        columns.push(solve_linear(a.clone(), e)?);
    }
    Some(
        (0..n)
            .map(|i| (0..n).map(|k| columns[k][i]).collect())
            .collect(),
    )
}

/// Solve A·x = b by Gaussian elimination with partial pivoting; `None` if A
/// is singular to working precision.
pub(crate) fn solve_linear(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    let norm = a
        .iter()
        .flatten()
        .fold(0.0_f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    for col in 0..n {
        let pivot = (col..n).max_by(|&r, &s| a[r][col].abs().total_cmp(&a[s][col].abs()))?;
        if a[pivot][col].abs() <= 1e-13 * norm {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (top, rest) = a.split_at_mut(col + 1);
        let pivot_row = &top[col];
        for (k, row) in rest.iter_mut().enumerate() {
            let factor = row[col] / pivot_row[col];
            if factor != 0.0 {
                for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= factor * p;
                }
                b[col + 1 + k] -= factor * b[col];
            }
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|c| a[r][c] * x[c]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    Some(x)
}
