//! What the openness market's runs are judged against: the subgame-perfect
//! outcome for the agents present — G's best ω (over [0, 1], or over its
//! grid when its rule's limit is no regret) against D's limiting response
//! (its exact best response, the action it holds, the best action of its
//! grid, or the mean of its logit response, by the limit D's rule
//! declares) or, for a G whose limit is a logit response, that response
//! to those values on its grid (a QRE of G's decision problem) — and the
//! Stackelberg gap checked every iteration. A sector's part is in
//! [`sector`].

mod sector;

use std::sync::Arc;

use super::learning::OpennessMarket;
use super::market::Market;
use super::{OpennessGame, PenaltyForm, Regulation, regulated_choice};
use crate::concept::Concept;
use crate::dynamics::rules::{Limit, RuleConfig};
use crate::dynamics::{Check, Dynamics, LearningGame, Space};
use crate::judge::{FamilyCheck, Spec, Target, linf};
use crate::math::{Poly3, maximize_1d};
use crate::method::Method;

/// How D answers ω in the limit of its rule (what G is judged against),
/// from the limit the rule declares.
#[derive(Clone, Debug, PartialEq)]
enum Follower {
    /// α1*(ω).
    Exact,
    /// The action it holds.
    Constant(f64),
    /// The best action of its grid (a no-regret limit).
    GridBest(Vec<f64>),
    /// Its logit response over its grid at τ (G is judged against the
    /// response's mean).
    Logit(Vec<f64>, f64),
}

#[derive(Clone, Debug, PartialEq)]
struct MarketSpec {
    game: OpennessGame,
    delta: f64,
    follower: Follower,
    /// G's best value over its domain, unless G is held.
    best: Option<f64>,
    /// A logit G's grid and target distribution.
    qre: Option<(Vec<f64>, Vec<f64>)>,
    /// The ω last played: D answers it, and for some rules it is not G's
    /// reported outcome (its mode or centre).
    played: f64,
}

impl MarketSpec {
    fn respond(&self, omega: f64) -> f64 {
        let g = &self.game;
        match &self.follower {
            Follower::Exact => g.alpha1_at(self.delta, omega),
            Follower::Constant(a) => *a,
            Follower::GridBest(grid) => {
                let mut best = (grid[0], f64::NEG_INFINITY);
                for &a in grid {
                    let u = g.u_d(self.delta, omega, a);
                    if u > best.1 {
                        best = (a, u);
                    }
                }
                best.0
            }
            Follower::Logit(grid, tau) => logit_mean(grid, |a| g.u_d(self.delta, omega, a), *tau),
        }
    }

    /// G's realised value at ω against D's limiting response.
    fn value(&self, omega: f64) -> f64 {
        self.game.u_g(self.delta, omega, self.respond(omega))
    }

    /// D's gap at (ω, α1) to its limit: its gain from its limiting
    /// response; how far it is from the action it holds; for a logit D,
    /// the L∞ distance between the strategy it drew from (`mixed`) and its
    /// exact logit response to ω.
    fn follower_gain(&self, omega: f64, alpha1: f64, mixed: Option<&[f64]>) -> f64 {
        let g = &self.game;
        match &self.follower {
            Follower::Exact => {
                let d = alpha1 - g.alpha1_at(self.delta, omega);
                g.c1 * d * d / (1.0 + g.kappa * omega)
            }
            Follower::GridBest(_) => {
                let best = self.respond(omega);
                (g.u_d(self.delta, omega, best) - g.u_d(self.delta, omega, alpha1)).max(0.0)
            }
            Follower::Constant(a) => (alpha1 - a).abs(),
            Follower::Logit(grid, tau) => {
                logit_distance(grid, |a| g.u_d(self.delta, omega, a), *tau, mixed)
            }
        }
    }
}

/// What the runs of `market` at the revenue share `delta` stage 1 agreed
/// on (as [`super::learning::MarketGame::new`] takes it) are judged
/// against, for the rules (G, specialist 0, …).
pub fn target(market: &Market, delta: Option<f64>, rules: &[RuleConfig]) -> Target {
    match market {
        Market::Pair(g) => self::market(g, delta.expect("the pair runs at its δ"), rules),
        Market::Sector(m) => sector::sector(&m.at_agreed(delta), rules),
    }
}

/// The target of the pair at δ for the rules (G, D).
fn market(game: &OpennessGame, delta: f64, rules: &[RuleConfig]) -> Target {
    let market = OpennessMarket::new(*game, delta, 1);
    let follower = follower_of(&rules[1], market.space(1));
    let mut spec = MarketSpec {
        game: *game,
        delta,
        follower,
        best: None,
        qre: None,
        played: f64::NAN,
    };
    let mut held = Vec::new();
    if rules[0].is_fixed() {
        held.push(0);
    }
    if rules[1].is_fixed() {
        held.push(1);
    }
    let leader = match leader_on_grid(&rules[0], market.space(0), |w| spec.value(w)) {
        Some(t) => t,
        None => {
            let (w, v, method) = interval_best(&spec);
            LeaderTarget::searched(w, v, method)
        }
    };
    spec.best = leader.best;
    spec.qre = leader.qre.clone();
    let LeaderTarget {
        omega,
        concept,
        distribution,
        temperature,
        method,
        ..
    } = leader;
    let profile = match &spec.qre {
        // The expected response under G's target distribution.
        Some((grid, p)) => vec![
            omega,
            grid.iter().zip(p).map(|(w, q)| q * spec.respond(*w)).sum(),
        ],
        None => vec![omega, spec.respond(omega)],
    };
    let is_equilibria = held.is_empty()
        && spec.follower == Follower::Exact
        && concept == Concept::Spe
        && method == Method::ClosedForm;
    Target {
        concept: Some(concept),
        profiles: vec![profile],
        distribution,
        held,
        temperature,
        method,
        complete: true,
        is_equilibria,
        strategies: None,
        spec: Spec::Family(Arc::new(spec)),
    }
}

/// The mean action of the logit response to `value` over `grid` at
/// temperature τ, without allocating (it runs every iteration).
fn logit_mean(grid: &[f64], value: impl Fn(f64) -> f64, tau: f64) -> f64 {
    let top = grid
        .iter()
        .map(|&a| value(a) / tau)
        .fold(f64::NEG_INFINITY, f64::max);
    let (mut total, mut mean) = (0.0, 0.0);
    for &a in grid {
        let w = (value(a) / tau - top).exp();
        total += w;
        mean += a * w;
    }
    mean / total
}

/// L∞ between `mixed` and the logit response to `value` over `grid` at
/// temperature τ, without allocating (it runs every iteration); 1, the
/// largest distance between two distributions, when there is no strategy
/// of the grid's size to compare (a non-finite gap would end the run as
/// `non_finite`).
fn logit_distance(
    grid: &[f64],
    value: impl Fn(f64) -> f64,
    tau: f64,
    mixed: Option<&[f64]>,
) -> f64 {
    let Some(mixed) = mixed.filter(|m| m.len() == grid.len()) else {
        return 1.0;
    };
    let top = grid
        .iter()
        .map(|&a| value(a) / tau)
        .fold(f64::NEG_INFINITY, f64::max);
    let total: f64 = grid.iter().map(|&a| (value(a) / tau - top).exp()).sum();
    grid.iter()
        .zip(mixed)
        .map(|(&a, q)| ((value(a) / tau - top).exp() / total - q).abs())
        .fold(0.0, f64::max)
}

/// The logit response to `value` over `grid` at temperature τ.
fn logit_distribution(grid: &[f64], value: impl Fn(f64) -> f64, tau: f64) -> Vec<f64> {
    let mut p: Vec<f64> = grid.iter().map(|&w| value(w) / tau).collect();
    let top = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for v in p.iter_mut() {
        *v = (*v - top).exp();
        total += *v;
    }
    for v in p.iter_mut() {
        *v /= total;
    }
    p
}

/// How a follower answers in the limit its rule declares, on its action
/// set.
fn follower_of(rule: &RuleConfig, space: &Space) -> Follower {
    match rule.limit() {
        Limit::Exact => Follower::Exact,
        Limit::Held(a) => Follower::Constant(a),
        Limit::NoRegret { points } => Follower::GridBest(space.points(points)),
        Limit::Logit {
            points,
            temperature,
        } => Follower::Logit(space.points(points), temperature),
    }
}

/// G's part of a market's target.
struct LeaderTarget {
    omega: f64,
    concept: Concept,
    distribution: Option<Vec<f64>>,
    temperature: Option<f64>,
    method: Method,
    /// G's best value, for the Stackelberg gap.
    best: Option<f64>,
    /// A logit G's grid and target distribution.
    qre: Option<(Vec<f64>, Vec<f64>)>,
}

impl LeaderTarget {
    /// The best ω over [0, 1], found by `method`, worth `value`.
    fn searched(omega: f64, value: f64, method: Method) -> Self {
        LeaderTarget {
            omega,
            concept: Concept::Spe,
            distribution: None,
            temperature: None,
            method,
            best: Some(value),
            qre: None,
        }
    }
}

/// G's target when its rule fixes it by `value` (its realised value at ω
/// against the followers' limiting responses) alone: a held action, the
/// best ω of a no-regret rule's grid, a logit response on its grid. `None` for the
/// rules judged against the best ω over [0, 1].
fn leader_on_grid(
    rule: &RuleConfig,
    space: &Space,
    value: impl Fn(f64) -> f64,
) -> Option<LeaderTarget> {
    match rule.limit() {
        // Held: nothing to fall short of.
        Limit::Held(a) => Some(LeaderTarget {
            best: None,
            ..LeaderTarget::searched(a, 0.0, Method::ClosedForm)
        }),
        Limit::NoRegret { points } => {
            let (w, v) = grid_best(&space.points(points), value);
            Some(LeaderTarget::searched(w, v, Method::LeaderSearch))
        }
        Limit::Logit {
            points,
            temperature,
        } => {
            let grid = space.points(points);
            let p = logit_distribution(&grid, value, temperature);
            let mean = grid.iter().zip(&p).map(|(w, q)| w * q).sum();
            Some(LeaderTarget {
                omega: mean,
                concept: Concept::Qre,
                distribution: Some(p.clone()),
                temperature: Some(temperature),
                method: Method::LeaderSearch,
                best: None,
                qre: Some((grid, p)),
            })
        }
        Limit::Exact => None,
    }
}

/// G's part of the Stackelberg gap: a logit G's distribution's distance to
/// its target distribution, or how far its value at its outcome (`value`)
/// falls short of its best; 0 when G is held.
fn leader_gap(
    qre: &Option<(Vec<f64>, Vec<f64>)>,
    best: Option<f64>,
    value: impl FnOnce() -> f64,
    rules: &[Box<dyn Dynamics>],
) -> f64 {
    match (qre, best) {
        (Some((_, target)), _) => rules[0]
            .distribution()
            // 1: as far as two distributions can be (see logit_distance).
            .map_or(1.0, |d| linf(target, d)),
        (None, Some(best)) => (best - value()).max(0.0),
        (None, None) => 0.0,
    }
}

/// The first best point of a grid.
fn grid_best(grid: &[f64], f: impl Fn(f64) -> f64) -> (f64, f64) {
    let mut best = (grid[0], f64::NEG_INFINITY);
    for &w in grid {
        let v = f(w);
        if v > best.1 {
            best = (w, v);
        }
    }
    best
}

/// G's best ω over [0, 1] against D's limiting response: exact when that
/// response is a polynomial (D's best response, a held action), by a
/// bracketed search on each side of the threshold otherwise.
fn interval_best(spec: &MarketSpec) -> (f64, f64, Method) {
    let g = &spec.game;
    let poly = match spec.follower {
        Follower::Exact => Some(g.response_poly(spec.delta)),
        Follower::Constant(a) => Some(Poly3::constant(a)),
        _ => None,
    };
    if let Some(response) = poly {
        let v = g.leader_value(spec.delta, response);
        let c = regulated_choice(&v, g.regulation);
        return (c.omega, c.value, Method::ClosedForm);
    }
    let best = penalised_search(
        |x| g.u_g(spec.delta, x, spec.respond(x)) + g.penalty_at(x),
        g.regulation,
    );
    (best.0, best.1, Method::LeaderSearch)
}

/// The best ω over [0, 1] of `value` (G's value without penalty) less the
/// penalty, by a bracketed search on each side of the threshold: a fixed
/// penalty jumps at θ (paid on [0, θ), none on [θ, 1]; the better side
/// wins, compliance on ties, as in the SPE); a proportional one is
/// continuous.
fn penalised_search(value: impl Fn(f64) -> f64, regulation: Option<Regulation>) -> (f64, f64) {
    let search = |lo: f64, hi: f64, pen: &dyn Fn(f64) -> f64| {
        maximize_1d(|x| value(x) - pen(x), lo, hi, 512, 1e-11)
    };
    match regulation {
        Some(r) if r.form == PenaltyForm::Fixed && r.theta > 0.0 => {
            let pay = search(0.0, r.theta, &|_| r.penalty);
            let comply = if r.theta < 1.0 {
                search(r.theta, 1.0, &|_| 0.0)
            } else {
                (1.0, value(1.0))
            };
            if comply.1 >= pay.1 - 1e-12 * (1.0 + pay.1.abs()) {
                comply
            } else {
                pay
            }
        }
        Some(r) if r.form == PenaltyForm::Proportional => search(0.0, 1.0, &|x| r.penalty_at(x)),
        _ => search(0.0, 1.0, &|_| 0.0),
    }
}

impl Check for MarketSpec {
    fn observe(&mut self, _: &dyn LearningGame, played: &[f64]) {
        self.played = played[0];
    }
    /// G's gap at its outcome (or its distribution's distance to the
    /// target's) plus D's gap to its limit at the ω it answered (the one
    /// played), judged at its outcome (a zeroth-order D's centre, not its
    /// probe).
    fn gap(&self, _: &dyn LearningGame, judged: &[f64], rules: &[Box<dyn Dynamics>]) -> f64 {
        let leader = leader_gap(&self.qre, self.best, || self.value(judged[0]), rules);
        let omega = if self.played.is_nan() {
            judged[0]
        } else {
            self.played
        };
        leader + self.follower_gain(omega, judged[1], rules[1].distribution())
    }
}

impl FamilyCheck for MarketSpec {
    fn check(&self) -> Box<dyn Check> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamics::rules::RuleKind;
    use crate::openness::{Alpha0, BargainingRule};

    #[test]
    fn a_held_follower_is_judged_by_how_far_it_is_from_its_hold() {
        let game = OpennessGame {
            alpha0: Alpha0::Exogenous(0.2),
            r: 1.0,
            c0: 1.0,
            c1: 1.0,
            epsilon: 0.0,
            lambda: 0.0,
            kappa: 0.0,
            operation_cost: 0.0,
            bargaining: BargainingRule::Fixed(0.8),
            regulation: None,
        };
        let mut values = crate::domain::ParamValues::default();
        values.set("action", 0.5);
        let rules = [
            RuleKind::BestResponse.configure(&Default::default()),
            RuleKind::Fixed.configure(&values),
        ];
        let spec = MarketSpec {
            game,
            delta: 0.8,
            follower: follower_of(&rules[1], &Space::Interval(0.0, 1.2)),
            best: None,
            qre: None,
            played: f64::NAN,
        };
        // It used to add 0 whatever D played.
        assert_eq!(spec.follower_gain(0.3, 0.5, None), 0.0);
        assert!((spec.follower_gain(0.3, 0.7, None) - 0.2).abs() < 1e-12);
    }
}
