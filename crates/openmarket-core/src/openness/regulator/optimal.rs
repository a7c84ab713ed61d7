//! The exact optimal regulation: the largest objective over the search box
//! under the SPE, and a (θ, p) that attains it — the check of a learning
//! regulator.
//!
//! With a fixed revenue share the regime structure reduces the 2-D search
//! to 1-D ones (docs/openness-model.md):
//!
//! - **nonbinding** (θ ≤ ω^u): the unregulated outcome, whatever p;
//! - **comply** (θ > ω^u, p ≥ p̄(θ)): G chooses ω^c(θ) = argmax_{ω≥θ} V,
//!   which depends on θ alone, so the best compliant regulation maximises
//!   g(θ) over the thresholds that p_hi can enforce, with p = max(p_lo, p̄(θ));
//! - **pay** (p < p̄(θ)): under the fixed form G keeps ω^u and pays p, a
//!   transfer, so the outcome mirrors the unregulated one (an exit if
//!   V(ω^u) < p); under the proportional form G's choice depends on p and
//!   θ, and the branch is searched over the box.
//!
//! Ties go to compliance, as in the SPE. With a bargained δ (agreed knowing
//! (θ, p)), δ couples θ and p — G's option to pay is a threat that moves δ
//! — and no branch depends on θ alone: the objective is searched over the
//! box (a 25 × 25 grid of exact SPEs, then alternating bracketed searches
//! along θ and p around the best cell), beside a 1-D search along θ at
//! p_hi and the corners. Either way the reported value is the objective of
//! the SPE recomputed at the reported (θ, p). tests/regulator.rs checks
//! both against a dense grid of SPEs computed from the raw payoffs.

use serde::Serialize;

use super::{Objective, ObjectiveKind, Regulable, SearchBox, outcome, sector_outcome};
use crate::math::maximize_1d;
use crate::openness::sector::Sector;
use crate::openness::{BargainingRule, OpennessGame, PenaltyForm, Regime};

/// The best regulation in the box.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct OptimalRegulation {
    /// The objective maximised.
    pub objective: ObjectiveKind,
    /// Its largest value over the box.
    pub value: f64,
    /// A threshold that attains it.
    pub theta: f64,
    /// A penalty that attains it.
    pub penalty: f64,
    /// The SPE regime there.
    pub regime: Regime,
    /// G's openness there (`None` on exit).
    pub omega: Option<f64>,
    /// D's performance there.
    pub alpha1: Option<f64>,
    /// G's utility.
    pub u_g: f64,
    /// D's utility.
    pub u_d: f64,
}

/// The exact optimal regulation of `game` for `objective` over `search`.
pub(super) fn pair(
    game: &OpennessGame,
    objective: Objective,
    search: &SearchBox,
) -> OptimalRegulation {
    let (theta, penalty) = match game.bargaining {
        BargainingRule::Fixed(delta) => structured(game, &objective, search, delta),
        _ => searched(game, &objective, search),
    };
    let at = game.regulated(search, theta, penalty).bargain();
    let outcome = outcome(&at);
    OptimalRegulation {
        objective: objective.kind(),
        value: objective.score(outcome),
        theta,
        penalty,
        regime: at.regime,
        omega: at.omega,
        alpha1: at.alpha1,
        u_g: at.u_g,
        u_d: at.u_d,
    }
}

/// Fixed δ: the best of the nonbinding, compliant and paying branches.
fn structured(
    game: &OpennessGame,
    objective: &Objective,
    search: &SearchBox,
    delta: f64,
) -> (f64, f64) {
    let v = game.value_poly(delta);
    let (wu, _) = v.argmax_in(0.0, 1.0);
    let score_at = |theta: f64, penalty: f64| -> f64 {
        objective.score(outcome(
            &game.regulated(search, theta, penalty).stage_outcome(delta),
        ))
    };
    let bar =
        |theta: f64| game.indifference_penalty(delta, &search.regulation(theta, search.penalty[1]));
    branches(search, wu, score_at, bar)
}

/// Given shares: the best of the nonbinding, compliant and paying
/// branches, for G's unregulated choice ω^u, the objective at (θ, p) and
/// p̄(θ).
fn branches(
    search: &SearchBox,
    wu: f64,
    score_at: impl Fn(f64, f64) -> f64,
    bar: impl Fn(f64) -> f64,
) -> (f64, f64) {
    let [t_lo, t_hi] = search.theta;
    let [p_lo, p_hi] = search.penalty;
    // (value, θ, p) candidates, compliance first so that it wins ties.
    let mut candidates: Vec<(f64, f64, f64)> = Vec::new();
    if t_hi > wu {
        let lo = t_lo.max(wu);
        // A threshold p_hi cannot enforce is not on the compliant branch.
        let g = |theta: f64| {
            let bar = bar(theta);
            if bar <= p_hi {
                score_at(theta, p_lo.max(bar))
            } else {
                f64::NEG_INFINITY
            }
        };
        let (theta, value) = maximize_1d(g, lo, t_hi, 512, 1e-12);
        if value.is_finite() {
            candidates.push((value, theta, p_lo.max(bar(theta))));
        }
    }
    if t_lo <= wu {
        candidates.push((score_at(t_lo, p_lo), t_lo, p_lo));
    }
    match search.form {
        PenaltyForm::Fixed => {
            // G pays the least penalty where the highest threshold binds.
            if t_hi > wu {
                candidates.push((score_at(t_hi, p_lo), t_hi, p_lo));
            }
        }
        PenaltyForm::Proportional => {
            // G's choice when it pays depends on θ and p: search the box.
            candidates.push(box_search(search, score_at));
        }
    }
    let best = candidates.iter().fold(f64::NEG_INFINITY, |m, c| m.max(c.0));
    let tie = 1e-12 * (1.0 + best.abs());
    let &(_, theta, penalty) = candidates
        .iter()
        .find(|c| c.0 >= best - tie)
        .expect("a candidate");
    (theta, penalty)
}

/// A bargained δ: p shapes the bargaining set itself (G's threat of paying
/// moves δ), so no branch depends on θ alone. The best of: the box's
/// corners at p_lo, the threshold searched at p_hi (where G complies at the
/// most δ), and the whole box searched.
fn searched(game: &OpennessGame, objective: &Objective, search: &SearchBox) -> (f64, f64) {
    searched_by(search, |t, p| game.objective_at(objective, search, t, p))
}

/// [`searched`] over the objective `f` at (θ, p).
fn searched_by(search: &SearchBox, f: impl Fn(f64, f64) -> f64) -> (f64, f64) {
    let [t_lo, t_hi] = search.theta;
    let [p_lo, p_hi] = search.penalty;
    let mut candidates = vec![(f(t_lo, p_lo), t_lo, p_lo), (f(t_hi, p_lo), t_hi, p_lo)];
    if t_hi > t_lo {
        let (t, v) = maximize_1d(|t| f(t, p_hi), t_lo, t_hi, 64, 1e-12);
        candidates.push((v, t, p_hi));
    }
    candidates.push(box_search(search, f));
    let mut best = candidates[0];
    for c in candidates {
        if c.0 > best.0 {
            best = c;
        }
    }
    (best.1, best.2)
}

/// The exact optimal regulation of a sector (docs/sector.md): with given
/// shares, the same branches as for one specialist on the sector's V (its
/// p̄(θ) and ω^c(θ) are the sector's); with a bargained δ, the same box
/// search. Performance and D's utility are summed over the specialists.
pub(super) fn sector(
    sector: &Sector,
    objective: Objective,
    search: &SearchBox,
) -> OptimalRegulation {
    let score_at = |t: f64, p: f64| sector.objective_at(&objective, search, t, p);
    let (theta, penalty) = match sector.bargaining {
        None => {
            let wu = sector.stage_outcome().omega_unregulated;
            let bar = |theta: f64| {
                sector
                    .regulated(search, theta, search.penalty[1])
                    .indifference_penalty()
            };
            branches(search, wu, score_at, bar)
        }
        Some(_) => searched_by(search, score_at),
    };
    let at = sector.regulated(search, theta, penalty).bargain();
    let o = sector_outcome(&at);
    OptimalRegulation {
        objective: objective.kind(),
        value: objective.score(o),
        theta,
        penalty,
        regime: at.regime,
        omega: at.omega,
        alpha1: o.map(|o| o.alpha1),
        u_g: at.u_g,
        u_d: o.map_or(0.0, |o| o.u_d),
    }
}

/// The best point of a 25 × 25 grid over the box, then alternating
/// bracketed searches along θ and p around it: (value, θ, p).
fn box_search(search: &SearchBox, f: impl Fn(f64, f64) -> f64) -> (f64, f64, f64) {
    const GRID: usize = 25;
    let mut best = (f64::NEG_INFINITY, search.theta[0], search.penalty[0]);
    for i in 0..=GRID {
        for j in 0..=GRID {
            let (t, p) = search.at(i as f64 / GRID as f64, j as f64 / GRID as f64);
            let v = f(t, p);
            if v > best.0 {
                best = (v, t, p);
            }
        }
    }
    let (dt, dp) = (
        (search.theta[1] - search.theta[0]) / GRID as f64,
        (search.penalty[1] - search.penalty[0]) / GRID as f64,
    );
    for _ in 0..3 {
        let (_, t, p) = best;
        let lo = (t - dt).max(search.theta[0]);
        let hi = (t + dt).min(search.theta[1]);
        if hi > lo {
            let (t2, v) = maximize_1d(|x| f(x, p), lo, hi, 8, 1e-12);
            if v > best.0 {
                best = (v, t2, p);
            }
        }
        let (_, t, p) = best;
        let lo = (p - dp).max(search.penalty[0]);
        let hi = (p + dp).min(search.penalty[1]);
        if hi > lo {
            let (p2, v) = maximize_1d(|y| f(t, y), lo, hi, 8, 1e-12);
            if v > best.0 {
                best = (v, t, p2);
            }
        }
    }
    best
}
