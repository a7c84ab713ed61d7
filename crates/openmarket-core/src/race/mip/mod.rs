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

mod discrete;
mod kkt;

pub(crate) use discrete::best_response_witness;
pub use discrete::{DiscreteMip, Formulation, dominant};
pub use kkt::{ContinuousMip, DEFAULT_MAX_EQUILIBRIA};

use good_lp::{Constraint, Expression, ProblemVariables, Variable, constraint};

use super::{RaceGame, SolveError, Utility};
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

pub(crate) fn require_costless_share(game: &RaceGame) -> Result<(), SolveError> {
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

/// The labs whose progress enters lab i's maximum: its rivals for `lead`,
/// every lab (itself included) for `gap`, whose payoff is P_i − max_k P_k.
fn rivals(game: &RaceGame, i: usize) -> impl Iterator<Item = usize> + '_ {
    (0..game.n()).filter(move |&k| k != i || game.utility == Utility::Gap)
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
