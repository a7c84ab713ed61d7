//! The AI race (MODEL.md part B): n labs choose whether (discrete) or how
//! much (continuous) to open-source in a winner-takes-all R&D race.
//!
//! This module holds the game and its exact best responses; the solvers
//! that list pure Nash equilibria are [`enumerate`] (all 2^n profiles) and
//! [`mip`] (mixed-integer programs), behind the [`RaceSolver`] trait.

pub mod enumerate;
pub mod mip;

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Utility {
    /// u_i = P_i − max_{k≠i} P_k: the margin over the strongest rival.
    Lead,
    /// u_i = P_i − max_k P_k: the distance to the leader (≤ 0).
    Gap,
    /// u_i = V·P_i/(ρ + Σ_k P_k): a Tullock contest's win probability.
    Share,
}

impl Utility {
    pub fn name(&self) -> &'static str {
        match self {
            Utility::Lead => "lead",
            Utility::Gap => "gap",
            Utility::Share => "share",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Actions {
    Discrete,
    Continuous,
}

/// Which equilibria count as non-trivial (the paper's decision question).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Nontrivial {
    /// At least one lab opens (Σ x_i > 0).
    SomeOpen,
    /// The labs do not all choose the same action.
    NotAllEqual,
    /// Every equilibrium counts.
    Any,
}

impl Nontrivial {
    pub fn name(&self) -> &'static str {
        match self {
            Nontrivial::SomeOpen => "some_open",
            Nontrivial::NotAllEqual => "not_all_equal",
            Nontrivial::Any => "any",
        }
    }
}

/// Leakage presets that build the matrix B (MODEL.md B.2).
#[derive(Clone, Debug, PartialEq)]
pub enum Leakage {
    /// b_ji = β
    Uniform(f64),
    /// b_ji = β_j: what opener j leaks to every rival.
    Opener(Vec<f64>),
    /// b_ji = β·s_j: better models leak more.
    Proportional(f64),
    /// b_ji = β·(s_j − s_i)⁺: one learns only from stronger labs.
    CatchUp(f64),
    /// b_ji given; row = opener j, column = receiver i.
    Matrix(Vec<Vec<f64>>),
}

impl Leakage {
    /// The row-major n×n matrix, `b[j*n + i]` = b_ji, with a zero diagonal.
    pub fn build(&self, head_start: &[f64]) -> Vec<f64> {
        let n = head_start.len();
        let mut b = vec![0.0; n * n];
        for j in 0..n {
            for i in 0..n {
                if i != j {
                    b[j * n + i] = match self {
                        Leakage::Uniform(beta) => *beta,
                        Leakage::Opener(betas) => betas[j],
                        Leakage::Proportional(beta) => beta * head_start[j],
                        Leakage::CatchUp(beta) => beta * (head_start[j] - head_start[i]).max(0.0),
                        Leakage::Matrix(m) => m[j][i],
                    };
                }
            }
        }
        b
    }
}

/// One race game. All vectors have length n; `leak` is n×n row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct RaceGame {
    pub head_start: Vec<f64>,
    pub boost: Vec<f64>,
    pub cost: Vec<f64>,
    /// `leak[j*n + i]` = b_ji, what lab i gains per unit of lab j's openness.
    /// The diagonal is zero (a lab does not leak to itself); the hot loops
    /// rely on it.
    pub leak: Vec<f64>,
    pub utility: Utility,
    pub prize: f64,
    pub rho: f64,
    pub actions: Actions,
    pub nontrivial: Nontrivial,
}

/// Absolute tolerance on utility gains: a deviation must gain more than
/// this to be profitable (MODEL.md B.3 "tol").
pub const NE_TOL: f64 = 1e-9;
/// A continuous equilibrium from the MIP is reported only if no lab can
/// gain more than this by an exact best response.
pub const VERIFY_TOL: f64 = 1e-7;

impl RaceGame {
    /// A random discrete instance, the one the benchmarks and examples use:
    /// head starts U[1, 10), community boosts U[0, 3), leakage b_ji
    /// U[0, 8/n) (so a lab's total leak stays comparable as n grows), no
    /// cost, V = 1, ρ = 1.
    pub fn random(n: usize, utility: Utility, seed: u64) -> RaceGame {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let head_start: Vec<f64> = (0..n).map(|_| rng.random_range(1.0..10.0)).collect();
        let matrix: Vec<Vec<f64>> = (0..n)
            .map(|j| {
                (0..n)
                    .map(|i| {
                        if i == j {
                            0.0
                        } else {
                            rng.random_range(0.0..2.0) / n as f64 * 4.0
                        }
                    })
                    .collect()
            })
            .collect();
        RaceGame {
            leak: Leakage::Matrix(matrix).build(&head_start),
            boost: (0..n).map(|_| rng.random_range(0.0..3.0)).collect(),
            cost: vec![0.0; n],
            head_start,
            utility,
            prize: 1.0,
            rho: 1.0,
            actions: Actions::Discrete,
            nontrivial: Nontrivial::SomeOpen,
        }
    }

    pub fn n(&self) -> usize {
        self.head_start.len()
    }

    /// b_ji: what lab i gains per unit of lab j's openness.
    #[inline]
    pub fn b(&self, j: usize, i: usize) -> f64 {
        self.leak[j * self.n() + i]
    }

    /// P_i(x) = s_i + a_i·x_i + Σ_{j≠i} b_ji·x_j, written into `p`.
    pub fn progress_into(&self, x: &[f64], p: &mut [f64]) {
        let n = self.n();
        p[..n].copy_from_slice(&self.head_start);
        for j in 0..n {
            if x[j] != 0.0 {
                p[j] += self.boost[j] * x[j];
                let row = &self.leak[j * n..(j + 1) * n];
                for (pk, b) in p.iter_mut().zip(row) {
                    *pk += b * x[j];
                }
            }
        }
    }

    pub fn progress(&self, x: &[f64]) -> Vec<f64> {
        let mut p = vec![0.0; self.n()];
        self.progress_into(x, &mut p);
        p
    }

    /// u_i if lab i plays `y` instead of `xi`, the others fixed; `p` is the
    /// progress at the current profile. Allocation-free: the hot path of
    /// enumeration and dynamics.
    #[inline]
    pub fn deviation_utility(&self, i: usize, y: f64, xi: f64, p: &[f64]) -> f64 {
        let n = self.n();
        let d = y - xi;
        let own = p[i] + d * self.boost[i];
        let row = &self.leak[i * n..(i + 1) * n];
        let cost = self.cost[i] * y;
        match self.utility {
            Utility::Lead | Utility::Gap => {
                let mut rival = f64::NEG_INFINITY;
                for k in 0..n {
                    if k != i {
                        rival = rival.max(p[k] + d * row[k]);
                    }
                }
                let lead = own - rival;
                let base = if self.utility == Utility::Lead {
                    lead
                } else {
                    lead.min(0.0)
                };
                base - cost
            }
            Utility::Share => {
                let mut total = self.rho;
                for k in 0..n {
                    total += if k == i { own } else { p[k] + d * row[k] };
                }
                self.prize * own / total - cost
            }
        }
    }

    /// u_i at the current profile.
    #[inline]
    pub fn utility_at(&self, i: usize, x: &[f64], p: &[f64]) -> f64 {
        self.deviation_utility(i, x[i], x[i], p)
    }

    pub fn utilities(&self, x: &[f64]) -> Vec<f64> {
        let p = self.progress(x);
        (0..self.n()).map(|i| self.utility_at(i, x, &p)).collect()
    }

    /// Lab i's exact best response to the others (smallest maximiser on
    /// ties) and its utility.
    pub fn best_response(&self, i: usize, x: &[f64], p: &[f64]) -> (f64, f64) {
        let u = |y: f64| self.deviation_utility(i, y, x[i], p);
        match self.actions {
            Actions::Discrete => {
                let (u0, u1) = (u(0.0), u(1.0));
                if u1 > u0 { (1.0, u1) } else { (0.0, u0) }
            }
            Actions::Continuous => match self.utility {
                Utility::Share => self.share_best_response(i, x, p),
                Utility::Lead | Utility::Gap => self.piecewise_linear_best_response(i, x, p),
            },
        }
    }

    /// Lead and gap are concave and piecewise linear in one's own action:
    /// the maximum is at 0, at 1, or at a kink, where two rivals' progress
    /// lines cross (or, for gap, one's own line crosses a rival's).
    fn piecewise_linear_best_response(&self, i: usize, x: &[f64], p: &[f64]) -> (f64, f64) {
        let n = self.n();
        let xi = x[i];
        let mut best = (0.0, self.deviation_utility(i, 0.0, xi, p));
        let mut consider = |y: f64| {
            if y > 0.0 && y <= 1.0 {
                let v = self.deviation_utility(i, y, xi, p);
                if v > best.1 + 1e-12 * (1.0 + best.1.abs())
                    || (v >= best.1 - 1e-12 * (1.0 + best.1.abs()) && y < best.0)
                {
                    best = (y, v);
                }
            }
        };
        consider(1.0);
        // line_k(y) = p_k + (y − x_i)·slope_k
        let line = |k: usize| {
            if k == i {
                (p[i], self.boost[i])
            } else {
                (p[k], self.b(i, k))
            }
        };
        let own_counts = self.utility == Utility::Gap;
        for k in 0..n {
            if k == i && !own_counts {
                continue;
            }
            for l in (k + 1)..n {
                if l == i && !own_counts {
                    continue;
                }
                let ((pk, sk), (pl, sl)) = (line(k), line(l));
                if sk != sl {
                    consider(xi + (pl - pk) / (sk - sl));
                }
            }
        }
        best
    }

    /// Share is bang-bang in the sign of g_i = a_i·T⁰ − P_i⁰·Δ_i without a
    /// cost; with a cost c_i the optimum solves (T⁰ + Δ_i·y)² = V·g_i/c_i.
    fn share_best_response(&self, i: usize, x: &[f64], p: &[f64]) -> (f64, f64) {
        let (g, t0, delta) = self.share_gain_sign(i, x[i], p);
        let c = self.cost[i];
        let y = if g <= 0.0 || delta == 0.0 {
            0.0
        } else if c == 0.0 {
            1.0
        } else {
            (((self.prize * g / c).sqrt() - t0) / delta).clamp(0.0, 1.0)
        };
        (y, self.deviation_utility(i, y, x[i], p))
    }

    /// (g_i, T⁰, Δ_i) of the share utility: g_i's sign is the sign of the
    /// gain from opening (with no cost); T⁰ and P_i⁰ are at x_i = 0.
    pub fn share_gain_sign(&self, i: usize, xi: f64, p: &[f64]) -> (f64, f64, f64) {
        let mut delta = self.boost[i];
        let mut t0 = self.rho;
        for (k, pk) in p.iter().enumerate() {
            let slope = if k == i { self.boost[i] } else { self.b(i, k) };
            if k != i {
                delta += slope;
            }
            t0 += pk - xi * slope;
        }
        let pi0 = p[i] - xi * self.boost[i];
        (self.boost[i] * t0 - pi0 * delta, t0, delta)
    }

    /// Lab i's largest gain from a unilateral deviation (≥ 0 up to rounding).
    pub fn max_gain(&self, i: usize, x: &[f64], p: &[f64]) -> f64 {
        let (_, best) = self.best_response(i, x, p);
        (best - self.utility_at(i, x, p)).max(0.0)
    }

    /// NashConv: the sum over labs of the largest unilateral gain.
    pub fn nash_conv(&self, x: &[f64]) -> f64 {
        let p = self.progress(x);
        (0..self.n()).map(|i| self.max_gain(i, x, &p)).sum()
    }

    /// Largest single-lab gain: the ε of an ε-Nash equilibrium.
    pub fn epsilon_nash(&self, x: &[f64]) -> f64 {
        let p = self.progress(x);
        (0..self.n())
            .map(|i| self.max_gain(i, x, &p))
            .fold(0.0, f64::max)
    }

    pub fn is_nontrivial(&self, x: &[f64]) -> bool {
        let tol = 1e-9;
        match self.nontrivial {
            Nontrivial::Any => true,
            Nontrivial::SomeOpen => x.iter().any(|&v| v > tol),
            Nontrivial::NotAllEqual => {
                let (lo, hi) = x
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                        (l.min(v), h.max(v))
                    });
                hi - lo > tol
            }
        }
    }

    /// Build the reported equilibrium record for a verified profile.
    pub fn equilibrium(&self, x: Vec<f64>, free: Vec<FreeCoordinate>) -> RaceEquilibrium {
        let p = self.progress(&x);
        let n = self.n();
        let utilities: Vec<f64> = (0..n).map(|i| self.utility_at(i, &x, &p)).collect();
        let gains: Vec<f64> = (0..n).map(|i| self.max_gain(i, &x, &p)).collect();
        let strict = match self.actions {
            // Strict: every deviation loses more than the tolerance.
            Actions::Discrete => (0..n).all(|i| {
                let flip = 1.0 - x[i];
                self.deviation_utility(i, flip, x[i], &p) < utilities[i] - NE_TOL
            }),
            // Strict = each best response is unique. Payoffs are concave
            // (quasi-concave for share), so a strict drop a small step away
            // in every feasible direction proves uniqueness.
            Actions::Continuous => {
                free.is_empty()
                    && (0..n).all(|i| {
                        let h = 1e-6;
                        [x[i] - h, x[i] + h]
                            .iter()
                            .filter(|y| (0.0..=1.0).contains(*y))
                            .all(|&y| {
                                self.deviation_utility(i, y, x[i], &p)
                                    < utilities[i] - 1e-14 * (1.0 + utilities[i].abs())
                            })
                    })
            }
        };
        RaceEquilibrium {
            nontrivial: self.is_nontrivial(&x),
            max_gain: gains.iter().copied().fold(0.0, f64::max),
            actions: x,
            strict,
            utilities,
            progress: p,
            free,
        }
    }
}

/// A coordinate along which equilibria form a continuum: every profile with
/// this lab's action in [min, max] (others as reported, within the same
/// regime pattern) is an equilibrium.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FreeCoordinate {
    pub lab: usize,
    pub min: f64,
    pub max: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RaceEquilibrium {
    pub actions: Vec<f64>,
    pub strict: bool,
    pub nontrivial: bool,
    pub utilities: Vec<f64>,
    pub progress: Vec<f64>,
    /// The largest unilateral gain, from the exact best-response check.
    pub max_gain: f64,
    /// Non-empty when this equilibrium lies in a continuum.
    pub free: Vec<FreeCoordinate>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RaceSolution {
    pub solver: &'static str,
    /// Every pure NE found, sorted; for the discrete game, all of them.
    pub equilibria: Vec<RaceEquilibrium>,
    /// Does a non-trivial pure NE exist (by the configured definition)?
    pub nontrivial_exists: bool,
    /// Candidates the MIP returned that failed the exact check (dropped).
    pub rejected: usize,
    /// False if the listing stopped at the solver's cap on equilibria.
    pub complete: bool,
}

impl RaceSolution {
    pub fn new(
        solver: &'static str,
        mut equilibria: Vec<RaceEquilibrium>,
        rejected: usize,
        complete: bool,
    ) -> Self {
        equilibria.sort_by(|a, b| {
            a.actions
                .iter()
                .zip(&b.actions)
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let nontrivial_exists = equilibria.iter().any(|e| e.nontrivial);
        RaceSolution {
            solver,
            equilibria,
            nontrivial_exists,
            rejected,
            complete,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SolveError {
    #[error(
        "n = {n} labs is too many to enumerate (2^{n} profiles; the limit is n = {max}): use --solver mip"
    )]
    TooLarge { n: usize, max: usize },
    #[error("{0}")]
    Unsupported(String),
    #[error("MIP solver failed: {0}")]
    Mip(String),
}

/// A method that lists the pure Nash equilibria of a race.
pub trait RaceSolver {
    fn name(&self) -> &'static str;
    fn solve(&self, game: &RaceGame) -> Result<RaceSolution, SolveError>;
}
