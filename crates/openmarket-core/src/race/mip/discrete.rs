//! The discrete race's MIP: binaries x_i, the rival maxima of `lead` and
//! `gap` modelled by witnesses (or selection binaries), no-good cuts to
//! list every pure NE, and the existence decision for a non-trivial one.

use good_lp::{Constraint, Expression, ProblemVariables, Variable, constraint, variable};

use super::super::enumerate::is_pure_ne;
use super::super::{
    Actions, NE_TOL, Nontrivial, RaceGame, RaceSolution, RaceSolver, SolveError, Utility,
};
use super::{
    Budget, Ranges, no_good, progress_expr, require_costless_share, rivals, share_gain_expr, solve,
    sum,
};
use crate::method::Method;
use crate::mip::MipBackend;
use std::time::Duration;

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
        crate::names::parse_named("formulation", s)
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

/// Best-response dynamics from a few starts, for a non-trivial pure NE
/// before any MIP is built: a cheap witness when one is near. Every
/// answer is checked exactly; finding none proves nothing (the MIP does).
pub(crate) fn best_response_witness(game: &RaceGame) -> Option<Vec<f64>> {
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
        if is_pure_ne(game, &x, &p) && game.is_nontrivial(&x) {
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
            if is_pure_ne(game, &profile, &p) {
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
            if is_pure_ne(game, &profile, &p) {
                found.push(game.equilibrium(profile, Vec::new()));
            } else {
                rejected += 1;
            }
            cons.push(no_good(&x, &bits));
        }
        Ok(RaceSolution::new(self.method(), found, rejected, true))
    }
}
