//! Mixed-integer programs for the race's pure Nash equilibria
//! (docs/model.md §B.3).
//!
//! **Discrete game.** Binaries x_i. For `lead` and `gap`, lab i's payoff
//! from each of its two actions σ depends on m_i^σ, the strongest
//! competitor's progress with x_i = σ, modelled exactly as a maximum:
//! m ≥ Q_k for all k, m ≤ Q_k + M_k(1 − y_k), Σ_k y_k = 1. The
//! no-profitable-deviation constraints are then linear:
//! gain_i ≥ −tol − N_i(1 − x_i) and gain_i ≤ tol + N_i·x_i. For `share` the
//! sign of the gain from opening is the affine g_i(x_{−i}), so the same two
//! constraints on g_i need no auxiliary variables. No-good cuts list all NE.
//!
//! **Continuous game.** Each lab's problem is an LP (`lead`, `gap`) or
//! bang-bang in g_i (`share`), so an equilibrium is a solution of all labs'
//! KKT conditions at once; complementarity is modelled with binaries. Cuts
//! on the regime pattern (x_i = 0, interior, x_i = 1) list distinct
//! equilibria; an LP over the pattern's polyhedron detects continua.
//!
//! Every big-M is derived from the parameter ranges: progress P_k lies in
//! [s_k, s_k + a_k + Σ_j b_jk].

use good_lp::{Constraint, Expression, ProblemVariables, Variable, constraint, variable};

use super::solve::Method;
use super::{
    Actions, FreeCoordinate, NE_TOL, Nontrivial, RaceGame, RaceSolution, RaceSolver, SolveError,
    Utility, VERIFY_TOL,
};
use crate::mip::{MipBackend, MipModel, Outcome, Values};
use std::time::{Duration, Instant};

/// Bounds on every lab's progress over all profiles.
struct Ranges {
    p_min: Vec<f64>,
    p_max: Vec<f64>,
    /// max_k P_k^max − min_k P_k^min: bounds any difference of progresses.
    spread: f64,
}

impl Ranges {
    fn of(game: &RaceGame) -> Ranges {
        let n = game.n();
        let p_min = game.head_start.clone();
        let p_max: Vec<f64> = (0..n)
            .map(|k| game.head_start[k] + game.boost[k] + (0..n).map(|j| game.b(j, k)).sum::<f64>())
            .collect();
        let hi = p_max.iter().copied().fold(f64::MIN, f64::max);
        let lo = p_min.iter().copied().fold(f64::MAX, f64::min);
        Ranges {
            p_min,
            p_max,
            spread: hi - lo,
        }
    }
}

/// P_k as an affine expression of the action variables; `fixed = (i, σ)`
/// substitutes the constant σ for x_i.
fn progress_expr(
    game: &RaceGame,
    k: usize,
    x: &[Variable],
    fixed: Option<(usize, f64)>,
) -> Expression {
    let mut e = Expression::from(game.head_start[k]);
    for (j, &xj) in x.iter().enumerate() {
        let coef = if j == k { game.boost[k] } else { game.b(j, k) };
        if coef == 0.0 {
            continue;
        }
        match fixed {
            Some((i, sigma)) if i == j => e += coef * sigma,
            _ => e += coef * xj,
        }
    }
    e
}

/// g_i(x_{−i}) = a_i·T⁰ − Δ_i·P_i⁰ (share): its sign is the sign of the
/// gain from opening. Returns the expression and a bound on |g_i|.
fn share_gain_expr(game: &RaceGame, i: usize, x: &[Variable], r: &Ranges) -> (Expression, f64) {
    let n = game.n();
    let delta: f64 = game.boost[i]
        + (0..n)
            .filter(|&k| k != i)
            .map(|k| game.b(i, k))
            .sum::<f64>();
    let mut t0 = Expression::from(game.rho);
    for k in 0..n {
        t0 += progress_expr(game, k, x, Some((i, 0.0)));
    }
    let pi0 = progress_expr(game, i, x, Some((i, 0.0)));
    let t0_max = game.rho + r.p_max.iter().sum::<f64>();
    let bound = game.boost[i] * t0_max + delta * r.p_max[i] + 1.0;
    (game.boost[i] * t0 - delta * pi0, bound)
}

fn require_costless_share(game: &RaceGame) -> Result<(), SolveError> {
    if game.utility == Utility::Share && game.cost.iter().any(|&c| c != 0.0) {
        return Err(SolveError::Unsupported(
            "the MIP for utility = \"share\" needs cost = 0 (with a cost the gain from opening is not affine in the others' actions); enumeration handles it for discrete actions".into(),
        ));
    }
    Ok(())
}

fn sum(vars: impl IntoIterator<Item = Variable>) -> Expression {
    vars.into_iter().fold(Expression::from(0.0), |e, v| e + v)
}

/// Σ_{i: v̂_i = 1} (1 − v_i) + Σ_{i: v̂_i = 0} v_i ≥ 1: excludes one 0/1 pattern.
fn no_good(vars: &[Variable], values: &[bool]) -> Constraint {
    let mut e = Expression::from(0.0);
    for (&v, &on) in vars.iter().zip(values) {
        if on { e += 1.0 - v } else { e += v }
    }
    constraint!(e >= 1.0)
}

/// How the discrete MIP models the rival maxima of `lead` and `gap`
/// (`share` needs none).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Default,
    strum::EnumString,
    strum::VariantNames,
    strum::IntoStaticStr,
)]
#[strum(serialize_all = "snake_case")]
pub enum Formulation {
    /// Lab i's no-deviation condition reads `now ≥ after deviating`; the
    /// rival maximum at the current profile enters it with a sign that
    /// needs only an upper envelope (r_i ≥ every rival, no binaries), and
    /// only the maximum after the deviation needs a witness: some rival k
    /// with `gain ≤ tol` when k is taken as the maximum (n − 1 binaries per
    /// lab, one big-M per pair from the parameter ranges). Labs whose action
    /// is strictly dominant are fixed before the model is built, and rivals
    /// that can never be the maximum are dropped.
    #[default]
    Witness,
    /// Both maxima modelled exactly with selection binaries (2(n − 1) per
    /// lab, one big-M for all): the formulation of the first release, kept
    /// for comparison.
    Selection,
}

impl Formulation {
    /// Parse a user's spelling (`witness`, `selection`).
    pub fn parse(s: &str) -> Result<Formulation, String> {
        super::solve::parse_named("formulation", s)
    }
}

/// Strictly dominant actions, from the range of each lab's gain from
/// opening: g_i = a_i − c_i − (R_i(1) − R_i(0)), where the rival maximum
/// rises by between 0 and max_k e_ik when i opens (every leak is ≥ 0).
/// `Some(true)`: opening beats closing by more than the NE tolerance at
/// every profile, so no NE has x_i = 0 and x_i = 1 always satisfies i's
/// condition; likewise `Some(false)`.
pub fn dominant(game: &RaceGame) -> Vec<Option<bool>> {
    let n = game.n();
    (0..n)
        .map(|i| {
            let net = game.boost[i] - game.cost[i];
            let jump = rivals(game, i)
                .map(|k| flip_effect(game, i, k))
                .fold(0.0, f64::max);
            if game.utility == Utility::Share {
                None
            } else if net - jump > NE_TOL {
                Some(true)
            } else if net < -NE_TOL {
                Some(false)
            } else {
                None
            }
        })
        .collect()
}

/// The labs whose progress enters lab i's maximum: its rivals for `lead`,
/// every lab (itself included) for `gap`, whose payoff is P_i − max_k P_k.
fn rivals(game: &RaceGame, i: usize) -> impl Iterator<Item = usize> + '_ {
    (0..game.n()).filter(move |&k| k != i || game.utility == Utility::Gap)
}

/// How much lab k's progress moves when lab i flips its action.
fn flip_effect(game: &RaceGame, i: usize, k: usize) -> f64 {
    if k == i { game.boost[i] } else { game.b(i, k) }
}

/// Progress bounds given the labs already fixed.
fn fixed_ranges(game: &RaceGame, fixed: &[Option<bool>]) -> (Vec<f64>, Vec<f64>) {
    let n = game.n();
    let mut lo = game.head_start.clone();
    let mut hi = game.head_start.clone();
    for (j, fixed_j) in fixed.iter().enumerate() {
        for k in 0..n {
            let e = flip_effect(game, j, k);
            match fixed_j {
                Some(true) => {
                    lo[k] += e;
                    hi[k] += e;
                }
                Some(false) => {}
                None => hi[k] += e,
            }
        }
    }
    (lo, hi)
}

/// The discrete NE conditions: (variables, constraints, action binaries).
fn discrete_model(
    game: &RaceGame,
    formulation: Formulation,
    witness_cuts: bool,
) -> Result<(ProblemVariables, Vec<Constraint>, Vec<Variable>), SolveError> {
    require_costless_share(game)?;
    if game.utility == Utility::Share || formulation == Formulation::Selection {
        return selection_model(game);
    }
    let n = game.n();
    let fixed = dominant(game);
    let (p_lo, p_hi) = fixed_ranges(game, &fixed);
    let mut vars = ProblemVariables::new();
    // A fixed lab's action is a constant, by its bounds.
    let x: Vec<Variable> = fixed
        .iter()
        .map(|f| match f {
            Some(open) => {
                let v = *open as u8 as f64;
                vars.add(variable().min(v).max(v))
            }
            None => vars.add(variable().binary()),
        })
        .collect();
    let mut cons = Vec::new();
    for i in 0..n {
        if fixed[i].is_some() {
            continue;
        }
        let all: Vec<usize> = rivals(game, i).collect();
        let floor = all.iter().map(|&k| p_lo[k]).fold(f64::MIN, f64::max);
        // A lab that is always behind some other rival is never the maximum.
        let live: Vec<usize> = all.iter().copied().filter(|&k| p_hi[k] >= floor).collect();
        let ceiling = live.iter().map(|&k| p_hi[k]).fold(f64::MIN, f64::max);
        let r = vars.add(variable().min(floor).max(ceiling));
        for &k in &live {
            cons.push(constraint!(r >= progress_expr(game, k, &x, None)));
        }
        // gain from switching, with rival k as the maximum after the
        // switch: (a_i − c_i)(1 − 2x_i) + r_i − P_k(x with x_i flipped).
        let net = game.boost[i] - game.cost[i];
        let switch = net * (1.0 - 2.0 * x[i]);
        let mut ys = Vec::with_capacity(live.len());
        for &k in &live {
            let y = vars.add(variable().binary());
            ys.push(y);
            let e = flip_effect(game, i, k);
            let after = progress_expr(game, k, &x, None) + e * (1.0 - 2.0 * x[i]);
            let big_m = net.abs() + ceiling - p_lo[k];
            cons.push(constraint!(
                switch.clone() + r - after <= NE_TOL + big_m * (1.0 - y)
            ));
            // Since r ≥ P_k, the left side is at least (net − e)(1 − 2x_i):
            // k cannot witness an action where that already exceeds the
            // tolerance. Valid cuts that tighten the relaxation (in `gap`,
            // a lab whose own boost beats every leak can only stay closed
            // as the leader).
            if witness_cuts && net - e > NE_TOL {
                cons.push(constraint!(y <= x[i]));
            }
            if witness_cuts && e - net > NE_TOL {
                cons.push(constraint!(y <= 1.0 - x[i]));
            }
        }
        cons.push(constraint!(sum(ys) >= 1.0));
    }
    Ok((vars, cons, x))
}

/// [`Formulation::Selection`], and the `share` model.
fn selection_model(
    game: &RaceGame,
) -> Result<(ProblemVariables, Vec<Constraint>, Vec<Variable>), SolveError> {
    let n = game.n();
    let r = Ranges::of(game);
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = (0..n).map(|_| vars.add(variable().binary())).collect();
    let mut cons = Vec::new();
    let lo = r.p_min.iter().copied().fold(f64::MAX, f64::min);
    let hi = r.p_max.iter().copied().fold(f64::MIN, f64::max);
    for i in 0..n {
        let (gain, bound, tol) = match game.utility {
            Utility::Share => {
                let (g, bound) = share_gain_expr(game, i, &x, &r);
                (g, bound, 0.0)
            }
            Utility::Lead | Utility::Gap => {
                let rivals: Vec<usize> = (0..n)
                    .filter(|&k| k != i || game.utility == Utility::Gap)
                    .collect();
                let mut m = [Expression::from(0.0), Expression::from(0.0)];
                for (sigma, m_sigma) in m.iter_mut().enumerate() {
                    let mv = vars.add(variable().min(lo).max(hi));
                    let ys: Vec<Variable> = rivals
                        .iter()
                        .map(|_| vars.add(variable().binary()))
                        .collect();
                    for (&k, &y) in rivals.iter().zip(&ys) {
                        let q = progress_expr(game, k, &x, Some((i, sigma as f64)));
                        cons.push(constraint!(mv >= q.clone()));
                        cons.push(constraint!(mv <= q + (hi - r.p_min[k]) * (1.0 - y)));
                    }
                    cons.push(constraint!(sum(ys) == 1.0));
                    *m_sigma = mv.into();
                }
                let [m0, m1] = m;
                let jump = (0..n).filter(|&k| k != i).map(|k| game.b(i, k)).fold(
                    if game.utility == Utility::Gap {
                        game.boost[i]
                    } else {
                        0.0
                    },
                    f64::max,
                );
                let gain = game.boost[i] - game.cost[i] - m1 + m0;
                (
                    gain,
                    (game.boost[i] - game.cost[i]).abs() + jump + 1.0,
                    NE_TOL,
                )
            }
        };
        cons.push(constraint!(gain.clone() >= -tol - bound * (1.0 - x[i])));
        cons.push(constraint!(gain <= tol + bound * x[i]));
    }
    Ok((vars, cons, x))
}

fn nontrivial_constraints(game: &RaceGame, x: &[Variable]) -> Vec<Constraint> {
    let n = game.n() as f64;
    match game.nontrivial {
        Nontrivial::Any => vec![],
        Nontrivial::SomeOpen => vec![constraint!(sum(x.iter().copied()) >= 1.0)],
        Nontrivial::NotAllEqual => {
            vec![
                constraint!(sum(x.iter().copied()) >= 1.0),
                constraint!(sum(x.iter().copied()) <= n - 1.0),
            ]
        }
    }
}

/// When a solve must stop: a deadline shared by every MIP of one solve.
#[derive(Clone, Copy, Debug, Default)]
pub struct Budget {
    /// The time allowed; `None` for no limit.
    pub limit: Option<Duration>,
    started: Option<Instant>,
}

impl Budget {
    /// A budget of `limit`, starting now.
    pub fn new(limit: Option<Duration>) -> Budget {
        Budget {
            limit,
            started: Some(Instant::now()),
        }
    }

    /// What is left, or the error once it is spent.
    fn remaining(&self) -> Result<Option<Duration>, SolveError> {
        match (self.limit, self.started) {
            (Some(limit), Some(start)) => limit
                .checked_sub(start.elapsed())
                .filter(|d| !d.is_zero())
                .map(Some)
                .ok_or(SolveError::TimeLimit {
                    seconds: limit.as_secs_f64(),
                }),
            (Some(limit), None) => Ok(Some(limit)),
            (None, _) => Ok(None),
        }
    }

    fn timed_out(&self) -> SolveError {
        SolveError::TimeLimit {
            seconds: self.limit.map_or(0.0, |l| l.as_secs_f64()),
        }
    }
}

/// One backend call within `budget`: `None` when infeasible.
fn solve_once(
    backend: &dyn MipBackend,
    model: MipModel,
    budget: &Budget,
) -> Result<Result<Option<Values>, String>, SolveError> {
    let model = MipModel {
        time_limit: budget.remaining()?,
        ..model
    };
    Ok(match backend.solve(model) {
        Ok(Outcome::Feasible(v)) => Ok(Some(v)),
        Ok(Outcome::Infeasible) => Ok(None),
        Ok(Outcome::TimedOut) => return Err(budget.timed_out()),
        Err(e) => Err(e),
    })
}

/// Find any feasible point. microlp can stop on a singular basis in
/// degenerate models (e.g. uniform leakage, where many rows coincide); a
/// different objective changes its pivots, so it is retried with Σx and −Σx.
/// Any point of the feasible set is valid, and every result is verified by
/// the exact best-response check, so the objective only steers the search.
fn solve(
    backend: &dyn MipBackend,
    vars: &ProblemVariables,
    constraints: &[Constraint],
    x: &[Variable],
    budget: &Budget,
) -> Result<Option<Values>, SolveError> {
    let objectives = [
        Expression::from(0.0),
        sum(x.iter().copied()),
        -sum(x.iter().copied()),
    ];
    let mut last = String::new();
    for objective in objectives {
        let model = MipModel {
            vars: vars.clone(),
            constraints: constraints.to_vec(),
            objective,
            time_limit: None,
        };
        match solve_once(backend, model, budget)? {
            Ok(v) => return Ok(v),
            Err(e) => last = e,
        }
    }
    Err(SolveError::Mip(last))
}

/// Best-response dynamics from a few starts, for a non-trivial pure NE
/// before any MIP is built: a cheap witness when one is near. Every
/// answer is checked exactly; finding none proves nothing (the MIP does).
fn best_response_witness(game: &RaceGame) -> Option<Vec<f64>> {
    let n = game.n();
    let fixed = dominant(game);
    let starts: [fn(usize) -> f64; 3] = [|_| 1.0, |_| 0.0, |i| (i % 2) as f64];
    let mut p = vec![0.0; n];
    for start in starts {
        let mut x: Vec<f64> = (0..n)
            .map(|i| fixed[i].map_or(start(i), |o| o as u8 as f64))
            .collect();
        game.progress_into(&x, &mut p);
        for _ in 0..4 * n + 4 {
            let mut moved = false;
            for (i, xi) in x.iter_mut().enumerate() {
                let (stay, switch) = game.stay_switch(i, *xi, &p);
                if switch - stay > NE_TOL {
                    game.shift_progress(i, 1.0 - 2.0 * *xi, &mut p);
                    *xi = 1.0 - *xi;
                    moved = true;
                }
            }
            if !moved {
                break;
            }
        }
        // Afresh for the exact check: the shifts may have rounded.
        game.progress_into(&x, &mut p);
        if super::enumerate::is_pure_ne(game, &x, &p) && game.is_nontrivial(&x) {
            return Some(x);
        }
    }
    None
}

/// The discrete game's pure NE by MIP with no-good cuts.
pub struct DiscreteMip<'a> {
    /// The MIP solver.
    pub backend: &'a dyn MipBackend,
    /// How the rival maxima are modelled.
    pub formulation: Formulation,
    /// The time one solve may take.
    pub time_limit: Option<Duration>,
    /// Whether the existence decision first looks for a witness by
    /// best-response dynamics (off: the MIP alone, for benchmarks).
    pub warm_start: bool,
}

impl<'a> DiscreteMip<'a> {
    /// Whether the per-action witness cuts go into the model. HiGHS (1.x,
    /// through highs-sys 1.15) declared a model with them infeasible where
    /// a verified NE exists (tests/race.rs, instance 1092: a 13-lab lead
    /// race whose NE has margins of 0.2); with its presolve off it got that
    /// instance right and another wrong. Without them it agrees with
    /// enumeration on every instance of the test, at some cost in speed on
    /// `gap` (BENCHMARKS.md). microlp keeps them: they are what makes `gap`
    /// tractable there, and it agrees on every instance of the test.
    fn witness_cuts(&self) -> bool {
        self.backend.name() != "highs"
    }

    /// The default formulation with the warm start, no time limit.
    pub fn new(backend: &'a dyn MipBackend) -> DiscreteMip<'a> {
        DiscreteMip {
            backend,
            formulation: Formulation::default(),
            time_limit: None,
            warm_start: true,
        }
    }

    /// Decide whether a non-trivial pure NE exists (the paper's NP-hard
    /// question) with one MIP; returns a witness. With `warm_start`,
    /// best-response dynamics look for one first.
    pub fn decide_nontrivial(&self, game: &RaceGame) -> Result<Option<Vec<f64>>, SolveError> {
        let budget = Budget::new(self.time_limit);
        if self.warm_start
            && let Some(x) = best_response_witness(game)
        {
            return Ok(Some(x));
        }
        let (vars, mut cons, x) = discrete_model(game, self.formulation, self.witness_cuts())?;
        cons.extend(nontrivial_constraints(game, &x));
        // A candidate that fails the exact check is cut and the search goes
        // on: the MIP's tolerance admits profiles the exact check refuses.
        loop {
            let Some(v) = solve(self.backend, &vars, &cons, &x, &budget)? else {
                return Ok(None);
            };
            let bits: Vec<bool> = x.iter().map(|xi| v.get(*xi) > 0.5).collect();
            let profile: Vec<f64> = bits.iter().map(|&b| b as u8 as f64).collect();
            let p = game.progress(&profile);
            if super::enumerate::is_pure_ne(game, &profile, &p) {
                return Ok(Some(profile));
            }
            cons.push(no_good(&x, &bits));
        }
    }
}

impl RaceSolver for DiscreteMip<'_> {
    fn method(&self) -> Method {
        Method::Mip
    }

    fn supports(&self, game: &RaceGame) -> Result<(), SolveError> {
        if game.actions != Actions::Discrete {
            return Err(SolveError::Unsupported(
                "the discrete MIP needs actions = \"discrete\"; continuous games have a KKT MIP"
                    .into(),
            ));
        }
        require_costless_share(game)
    }

    fn solve(&self, game: &RaceGame) -> Result<RaceSolution, SolveError> {
        self.supports(game)?;
        let budget = Budget::new(self.time_limit);
        let (vars, mut cons, x) = discrete_model(game, self.formulation, self.witness_cuts())?;
        let (mut found, mut rejected) = (Vec::new(), 0);
        // At most 2^n profiles, each cut once.
        while let Some(v) = solve(self.backend, &vars, &cons, &x, &budget)? {
            let bits: Vec<bool> = x.iter().map(|xi| v.get(*xi) > 0.5).collect();
            let profile: Vec<f64> = bits.iter().map(|&b| b as u8 as f64).collect();
            let p = game.progress(&profile);
            if super::enumerate::is_pure_ne(game, &profile, &p) {
                found.push(game.equilibrium(profile, Vec::new()));
            } else {
                rejected += 1;
            }
            cons.push(no_good(&x, &bits));
        }
        Ok(RaceSolution::new(self.method(), found, rejected, true))
    }
}

/// How many equilibria the continuous listing returns at most.
pub const DEFAULT_MAX_EQUILIBRIA: usize = 256;
/// Candidates failing the exact check after which a listing gives up.
const MAX_REJECTED: usize = 16;

/// The continuous game's pure NE by a KKT / complementarity MIP.
pub struct ContinuousMip<'a> {
    /// The MIP solver.
    pub backend: &'a dyn MipBackend,
    /// Stop listing after this many regime patterns (`complete = false`).
    pub max_equilibria: usize,
    /// The time one solve may take.
    pub time_limit: Option<Duration>,
}

struct KktModel {
    vars: ProblemVariables,
    cons: Vec<Constraint>,
    x: Vec<Variable>,
    /// Regime pattern per lab: x_i = 0 forced, x_i = 1 forced.
    lo: Vec<Variable>,
    hi: Vec<Variable>,
    /// Every binary, to fix the pattern when probing for continua.
    binaries: Vec<Variable>,
}

fn kkt_model(game: &RaceGame) -> Result<KktModel, SolveError> {
    require_costless_share(game)?;
    let n = game.n();
    let r = Ranges::of(game);
    let (p_lo, p_hi) = (
        r.p_min.iter().copied().fold(f64::MAX, f64::min),
        r.p_max.iter().copied().fold(f64::MIN, f64::max),
    );
    let mut vars = ProblemVariables::new();
    let mut cons = Vec::new();
    let mut binaries = Vec::new();
    let x: Vec<Variable> = (0..n)
        .map(|_| vars.add(variable().min(0.0).max(1.0)))
        .collect();
    let mut lo = Vec::with_capacity(n);
    let mut hi = Vec::with_capacity(n);
    for i in 0..n {
        let (l, h) = (vars.add(variable().binary()), vars.add(variable().binary()));
        binaries.extend([l, h]);
        lo.push(l);
        hi.push(h);
        cons.push(constraint!(l + h <= 1.0));
        cons.push(constraint!(x[i] <= 1.0 - l));
        cons.push(constraint!(x[i] >= h));
        match game.utility {
            Utility::Share => {
                // Bang-bang: g ≤ 0 at 0, g ≥ 0 at 1, g = 0 in between.
                let (g, bound) = share_gain_expr(game, i, &x, &r);
                cons.push(constraint!(g.clone() <= bound * h));
                cons.push(constraint!(g >= -bound * l));
            }
            Utility::Lead | Utility::Gap => {
                // Lab i's LP: max t − c_i·x_i over (x_i, z, t) subject to
                //   z ≥ P_k (k ≠ i) [μ_k],  t ≤ P_i − z [β],  t ≤ 0 [α] (gap only),
                //   0 ≤ x_i [π],  x_i ≤ 1 [ν].
                // Lead is the case α = 0, β = 1 (t = P_i − z).
                let gap = game.utility == Utility::Gap;
                let z = vars.add(variable().min(p_lo).max(p_hi));
                let rivals: Vec<usize> = (0..n).filter(|&k| k != i).collect();
                let mu: Vec<Variable> = rivals
                    .iter()
                    .map(|_| vars.add(variable().min(0.0).max(1.0)))
                    .collect();
                let m_mult = game.cost[i]
                    + game.boost[i]
                    + rivals.iter().map(|&k| game.b(i, k)).fold(0.0, f64::max)
                    + 1.0;
                let pi = vars.add(variable().min(0.0).max(m_mult));
                let nu = vars.add(variable().min(0.0).max(m_mult));
                for (&k, &mu_k) in rivals.iter().zip(&mu) {
                    let y = vars.add(variable().binary());
                    binaries.push(y);
                    let pk = progress_expr(game, k, &x, None);
                    cons.push(constraint!(z >= pk.clone()));
                    cons.push(constraint!(z - pk <= r.spread * (1.0 - y)));
                    cons.push(constraint!(mu_k <= y));
                }
                // β = Σ_k μ_k (z's stationarity) and α = 1 − β (t's) are
                // substituted: fewer equalities keep microlp's bases regular.
                let beta = sum(mu.iter().copied());
                if gap {
                    let t = vars.add(variable().min(-2.0 * r.spread).max(0.0));
                    let (w_alpha, w_beta) =
                        (vars.add(variable().binary()), vars.add(variable().binary()));
                    binaries.extend([w_alpha, w_beta]);
                    let pi_expr = progress_expr(game, i, &x, None);
                    cons.push(constraint!(beta.clone() <= 1.0));
                    cons.push(constraint!(t <= pi_expr.clone() - z));
                    // α·(−t) = 0 and β·(P_i − z − t) = 0.
                    cons.push(constraint!(1.0 - beta.clone() <= w_alpha));
                    cons.push(constraint!(-t <= 2.0 * r.spread * (1.0 - w_alpha)));
                    cons.push(constraint!(beta.clone() <= w_beta));
                    cons.push(constraint!(
                        pi_expr - z - t <= 3.0 * r.spread * (1.0 - w_beta)
                    ));
                } else {
                    cons.push(constraint!(beta.clone() == 1.0));
                }
                // Stationarity in x_i: β·a_i − c_i − Σ_k μ_k·b_ik + π − ν = 0.
                let marginal = rivals
                    .iter()
                    .zip(&mu)
                    .fold(Expression::from(0.0), |e, (&k, &m)| {
                        e + (game.boost[i] - game.b(i, k)) * m
                    });
                cons.push(constraint!(marginal - game.cost[i] + pi - nu == 0.0));
                cons.push(constraint!(pi <= m_mult * l));
                cons.push(constraint!(nu <= m_mult * h));
            }
        }
    }
    Ok(KktModel {
        vars,
        cons,
        x,
        lo,
        hi,
        binaries,
    })
}

impl RaceSolver for ContinuousMip<'_> {
    fn method(&self) -> Method {
        Method::Mip
    }

    fn supports(&self, game: &RaceGame) -> Result<(), SolveError> {
        if game.actions != Actions::Continuous {
            return Err(SolveError::Unsupported(
                "the KKT MIP needs actions = \"continuous\"".into(),
            ));
        }
        require_costless_share(game)
    }

    fn solve(&self, game: &RaceGame) -> Result<RaceSolution, SolveError> {
        self.supports(game)?;
        let model = kkt_model(game)?;
        let budget = Budget::new(self.time_limit);
        let pattern_vars: Vec<Variable> = model.lo.iter().chain(&model.hi).copied().collect();
        let mut cuts: Vec<Constraint> = Vec::new();
        let (mut found, mut rejected) = (Vec::<super::RaceEquilibrium>::new(), 0);
        let mut complete = true;
        loop {
            // Candidates that fail the exact check are cut and counted, but
            // do not use up the cap on equilibria.
            if found.len() >= self.max_equilibria || rejected >= MAX_REJECTED {
                complete = false;
                break;
            }
            let all: Vec<Constraint> = model
                .cons
                .iter()
                .cloned()
                .chain(cuts.iter().cloned())
                .collect();
            let Some(v) = solve(self.backend, &model.vars, &all, &model.x, &budget)? else {
                break;
            };
            let pattern: Vec<bool> = pattern_vars.iter().map(|b| v.get(*b) > 0.5).collect();
            cuts.push(no_good(&pattern_vars, &pattern));
            let xs: Vec<f64> = model
                .x
                .iter()
                .map(|xi| v.get(*xi).clamp(0.0, 1.0))
                .collect();
            // Snap solver noise at the bounds before the exact check.
            let xs: Vec<f64> = xs
                .iter()
                .map(|&t| {
                    if t < 1e-9 {
                        0.0
                    } else if t > 1.0 - 1e-9 {
                        1.0
                    } else {
                        t
                    }
                })
                .collect();
            if game.epsilon_nash(&xs) > VERIFY_TOL {
                if std::env::var_os("OPENMARKET_DEBUG_MIP").is_some() {
                    eprintln!(
                        "rejected candidate {xs:?}: largest gain {:e}",
                        game.epsilon_nash(&xs)
                    );
                }
                rejected += 1;
                continue;
            }
            if found
                .iter()
                .any(|e| e.actions.iter().zip(&xs).all(|(a, b)| (a - b).abs() < 1e-7))
            {
                continue;
            }
            let free = self.free_coordinates(&model, &v, &budget)?;
            found.push(game.equilibrium(xs, free));
        }
        if found.is_empty() && complete {
            return Err(SolveError::Mip(format!(
                "no continuous equilibrium found, though one exists (Debreu–Glicksberg–Fan); {rejected} candidates failed the exact check"
            )));
        }
        Ok(RaceSolution::new(self.method(), found, rejected, complete))
    }
}

impl ContinuousMip<'_> {
    /// With every binary fixed, the KKT system is linear, so the equilibria
    /// sharing this solution's complementarity pattern form a polyhedron.
    /// Minimising and maximising each x_i over it gives the projection; a
    /// non-degenerate interval means a continuum.
    fn free_coordinates(
        &self,
        model: &KktModel,
        v: &Values,
        budget: &Budget,
    ) -> Result<Vec<FreeCoordinate>, SolveError> {
        let mut fixed = model.cons.clone();
        for b in &model.binaries {
            fixed.push(constraint!(*b == v.get(*b).round()));
        }
        let mut free = Vec::new();
        for (lab, &xi) in model.x.iter().enumerate() {
            // A lab held at a bound by its pattern (lo or hi set) cannot move.
            if v.get(model.lo[lab]) > 0.5 || v.get(model.hi[lab]) > 0.5 {
                continue;
            }
            let mut ends = [0.0_f64; 2];
            for (end, sign) in ends.iter_mut().zip([1.0, -1.0]) {
                let m = MipModel {
                    vars: model.vars.clone(),
                    constraints: fixed.clone(),
                    objective: sign * xi,
                    time_limit: None,
                };
                let sol = solve_once(self.backend, m, budget)?.map_err(SolveError::Mip)?;
                *end = sol.map_or(v.get(xi), |s| s.get(xi));
            }
            if ends[1] - ends[0] > 1e-7 {
                free.push(FreeCoordinate {
                    lab,
                    min: ends[0].max(0.0),
                    max: ends[1].min(1.0),
                });
            }
        }
        Ok(free)
    }
}
