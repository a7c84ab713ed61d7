//! The AI race (docs/model.md §B): n labs choose whether (discrete) or how
//! much (continuous) to open-source in a winner-takes-all R&D race.
//!
//! This module holds the game and its exact best responses; the solvers
//! that list pure Nash equilibria are [`enumerate`] (all 2^n profiles) and
//! [`mip`] (mixed-integer programs), behind the [`RaceSolver`] trait;
//! [`solve`] holds the one policy that picks between them.

pub(crate) mod config;
pub mod enumerate;
mod family;
pub mod instances;
pub mod judge;
pub mod learning;
pub mod mip;
pub mod mixed;
pub mod solve;

use serde::{Deserialize, Serialize};

use crate::domain::Domain;
use crate::limits::MAX_LABS;
pub use crate::method::SolveError;

/// How a lab's payoff depends on the labs' progress.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::AsRefStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Utility {
    /// u_i = P_i − max_{k≠i} P_k: the margin over the strongest rival.
    #[default]
    Lead,
    /// u_i = P_i − max_k P_k: the distance to the leader (≤ 0).
    Gap,
    /// u_i = V·P_i/(ρ + Σ_k P_k): a Tullock contest's win probability.
    Share,
}

/// The labs' action set.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::AsRefStr,
    strum::EnumString,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Actions {
    /// Open (1) or not (0).
    #[default]
    Discrete,
    /// How much to open, x_i ∈ [0, 1].
    Continuous,
}

impl Actions {
    /// Parse a user's spelling (`discrete`, `continuous`).
    pub fn parse(s: &str) -> Result<Actions, String> {
        crate::names::parse_named("action set", s)
    }
}

/// Which equilibria count as non-trivial (the paper's decision question).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::AsRefStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Nontrivial {
    /// At least one lab opens (Σ x_i > 0).
    #[default]
    SomeOpen,
    /// The labs do not all choose the same action.
    NotAllEqual,
    /// Every equilibrium counts.
    Any,
}

/// Leakage presets that build the matrix B (docs/model.md §B.2).
#[derive(Clone, Debug, PartialEq, strum::EnumDiscriminants)]
#[strum_discriminants(
    name(LeakagePreset),
    doc = "The name of a leakage preset, as a config's `preset` spells it.",
    derive(Deserialize, strum::IntoStaticStr),
    serde(rename_all = "snake_case"),
    strum(serialize_all = "snake_case")
)]
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

/// The parameters of one race, as a config gives them. [`RaceGame::new`]
/// checks them; the game is then read-only.
#[derive(Clone, Debug, PartialEq)]
pub struct RaceParams {
    /// s_i > 0.
    pub head_start: Vec<f64>,
    /// a_i ≥ 0: the community boost of opening.
    pub boost: Vec<f64>,
    /// c_i ≥ 0: the cost of openness, −c_i·x_i in the utility.
    pub cost: Vec<f64>,
    /// How openness leaks to rivals.
    pub leakage: Leakage,
    /// The utility function.
    pub utility: Utility,
    /// V > 0: the prize of the share utility.
    pub prize: f64,
    /// ρ ≥ 0: the share utility's outside mass.
    pub rho: f64,
    /// Discrete or continuous actions.
    pub actions: Actions,
    /// Which equilibria count as non-trivial.
    pub nontrivial: Nontrivial,
}

/// Why [`RaceGame::new`] refused a set of parameters.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{field} {reason}")]
pub struct InvalidRace {
    /// The parameter, as a config names it (`cost[2]`, `leakage.matrix[0][0]`).
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

/// One validated race game: its parameters (read through `Deref`) and the
/// leakage matrix they build.
#[derive(Clone, Debug, PartialEq)]
pub struct RaceGame {
    params: RaceParams,
    /// `leak[j*n + i]` = b_ji, what lab i gains per unit of lab j's openness.
    /// The diagonal is zero (a lab does not leak to itself); the hot loops
    /// rely on it, which is why only [`RaceGame::new`] builds a game.
    leak: Vec<f64>,
    /// What a solved-only plan asks of this race (`[solve] question`):
    /// every pure NE by default.
    question: solve::Question,
}

impl std::ops::Deref for RaceGame {
    type Target = RaceParams;
    fn deref(&self) -> &RaceParams {
        &self.params
    }
}

/// Absolute tolerance on utility gains: a deviation must gain more than
/// this to be profitable (docs/model.md §B.3 "tol").
pub const NE_TOL: f64 = 1e-9;
/// A continuous equilibrium from the MIP is reported only if no lab can
/// gain more than this by an exact best response.
pub const VERIFY_TOL: f64 = 1e-7;

impl RaceGame {
    /// Check the parameters (n ≥ 2 labs, one entry per lab, every value in
    /// its domain, no self-leakage) and build the game.
    pub fn new(params: RaceParams) -> Result<RaceGame, InvalidRace> {
        fn bad<T>(field: String, reason: String) -> Result<T, InvalidRace> {
            Err(InvalidRace { field, reason })
        }
        let scalar = |field: &str, v: f64, domain: Domain| -> Result<(), InvalidRace> {
            domain.check(v).map(|_| ()).map_err(|reason| InvalidRace {
                field: field.into(),
                reason,
            })
        };
        let n = params.head_start.len();
        if n < 2 {
            return bad(
                "head_start".into(),
                format!("has {n} entries; a race needs at least 2 labs"),
            );
        }
        if n > MAX_LABS {
            return bad(
                "head_start".into(),
                format!("has {n} entries; at most {MAX_LABS} labs"),
            );
        }
        let check = |field: &str, values: &[f64], domain: Domain| -> Result<(), InvalidRace> {
            if values.len() != n {
                return bad(
                    field.into(),
                    format!("has {} entries for {n} labs: one per lab", values.len()),
                );
            }
            for (i, v) in values.iter().enumerate() {
                domain.check(*v).map_err(|reason| InvalidRace {
                    field: format!("{field}[{i}]"),
                    reason,
                })?;
            }
            Ok(())
        };
        check("head_start", &params.head_start, Domain::Positive)?;
        check("boost", &params.boost, Domain::NonNegative)?;
        check("cost", &params.cost, Domain::NonNegative)?;
        match &params.leakage {
            Leakage::Uniform(b) | Leakage::Proportional(b) | Leakage::CatchUp(b) => {
                scalar("leakage.beta", *b, Domain::NonNegative)?
            }
            Leakage::Opener(betas) => check("leakage.beta", betas, Domain::NonNegative)?,
            Leakage::Matrix(m) => {
                if m.len() != n {
                    return bad(
                        "leakage.matrix".into(),
                        format!("has {} rows for {n} labs: one row per lab", m.len()),
                    );
                }
                for (j, row) in m.iter().enumerate() {
                    check(&format!("leakage.matrix[{j}]"), row, Domain::NonNegative)?;
                    if row[j] != 0.0 {
                        return bad(
                            format!("leakage.matrix[{j}][{j}]"),
                            format!("= {} must be 0: a lab does not leak to itself", row[j]),
                        );
                    }
                }
            }
        }
        scalar("prize", params.prize, Domain::Positive)?;
        scalar("rho", params.rho, Domain::NonNegative)?;
        let leak = params.leakage.build(&params.head_start);
        Ok(RaceGame {
            params,
            leak,
            question: solve::Question::All,
        })
    }

    /// The parameters the game was built from.
    pub fn params(&self) -> &RaceParams {
        &self.params
    }

    /// The same game with another action set.
    pub fn with_actions(&self, actions: Actions) -> RaceGame {
        RaceGame {
            params: RaceParams {
                actions,
                ..self.params.clone()
            },
            leak: self.leak.clone(),
            question: self.question,
        }
    }

    /// The same game, asked `question` when a plan solves it.
    pub fn with_question(mut self, question: solve::Question) -> RaceGame {
        self.question = question;
        self
    }

    /// What a plan asks of this race's pure equilibria.
    pub fn question(&self) -> solve::Question {
        self.question
    }

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
        RaceGame::new(RaceParams {
            leakage: Leakage::Matrix(matrix),
            boost: (0..n).map(|_| rng.random_range(0.0..3.0)).collect(),
            cost: vec![0.0; n],
            head_start,
            utility,
            prize: 1.0,
            rho: 1.0,
            actions: Actions::Discrete,
            nontrivial: Nontrivial::SomeOpen,
        })
        .expect("random parameters are in range")
    }

    /// The number of labs.
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

    /// `p` after lab j's action moves by `d`: O(n).
    #[inline]
    pub fn shift_progress(&self, j: usize, d: f64, p: &mut [f64]) {
        let n = self.n();
        p[j] += self.boost[j] * d;
        let row = &self.leak[j * n..(j + 1) * n];
        for (pk, b) in p[..n].iter_mut().zip(row) {
            *pk += b * d;
        }
    }

    /// P(x), allocated.
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

    /// (u_i staying at x_i, u_i switching to 1 − x_i) at a pure profile,
    /// in one pass: the same arithmetic as two [`Self::deviation_utility`]
    /// calls, fused for the dynamics' hot loop.
    #[inline]
    pub fn stay_switch(&self, i: usize, xi: f64, p: &[f64]) -> (f64, f64) {
        let n = self.n();
        let d = 1.0 - 2.0 * xi;
        let y = 1.0 - xi;
        let own_new = p[i] + d * self.boost[i];
        let row = &self.leak[i * n..(i + 1) * n];
        let p = &p[..n];
        match self.utility {
            Utility::Lead | Utility::Gap => {
                let (mut now, mut new) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
                for (k, (&pk, &b)) in p.iter().zip(row).enumerate() {
                    if k != i {
                        let moved = pk + d * b;
                        if pk > now {
                            now = pk;
                        }
                        if moved > new {
                            new = moved;
                        }
                    }
                }
                let (lead_now, lead_new) = (p[i] - now, own_new - new);
                let (stay, switch) = if self.utility == Utility::Lead {
                    (lead_now, lead_new)
                } else {
                    (lead_now.min(0.0), lead_new.min(0.0))
                };
                (stay - self.cost[i] * xi, switch - self.cost[i] * y)
            }
            Utility::Share => {
                let (mut now, mut new) = (self.rho, self.rho);
                for (k, (&pk, &b)) in p.iter().zip(row).enumerate() {
                    now += pk;
                    new += if k == i { own_new } else { pk + d * b };
                }
                (
                    self.prize * p[i] / now - self.cost[i] * xi,
                    self.prize * own_new / new - self.cost[i] * y,
                )
            }
        }
    }

    /// u_i at the current profile.
    #[inline]
    pub fn utility_at(&self, i: usize, x: &[f64], p: &[f64]) -> f64 {
        self.deviation_utility(i, x[i], x[i], p)
    }

    /// Every lab's utility at `x`.
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

    /// Whether `x` is non-trivial by the configured definition.
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
    /// The lab.
    pub lab: usize,
    /// The smallest action of the continuum.
    pub min: f64,
    /// The largest.
    pub max: f64,
}

/// One pure Nash equilibrium, verified by exact best responses.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RaceEquilibrium {
    /// The profile.
    pub actions: Vec<f64>,
    /// Every deviation loses (discrete), or every best response is unique
    /// (continuous).
    pub strict: bool,
    /// Non-trivial by the configured definition.
    pub nontrivial: bool,
    /// Each lab's utility.
    pub utilities: Vec<f64>,
    /// Each lab's progress.
    pub progress: Vec<f64>,
    /// The largest unilateral gain, from the exact best-response check.
    pub max_gain: f64,
    /// Non-empty when this equilibrium lies in a continuum.
    pub free: Vec<FreeCoordinate>,
}

/// Every pure NE a solver found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RaceSolution {
    /// The method that found them.
    pub solver: crate::method::Method,
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
    /// Sort the equilibria (so the result does not depend on threads or
    /// solver order) and record whether a non-trivial one exists.
    pub fn new(
        solver: crate::method::Method,
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

    /// The equilibrium profiles.
    pub fn profiles(&self) -> Vec<Vec<f64>> {
        self.equilibria.iter().map(|e| e.actions.clone()).collect()
    }
}

/// A method that lists the pure Nash equilibria of a race.
pub trait RaceSolver {
    /// Which method this is.
    fn method(&self) -> crate::method::Method;
    /// Whether it can solve `game`, without solving it.
    fn supports(&self, game: &RaceGame) -> Result<(), SolveError>;
    /// Every pure NE (for the discrete game, all of them).
    fn solve(&self, game: &RaceGame) -> Result<RaceSolution, SolveError>;
}
