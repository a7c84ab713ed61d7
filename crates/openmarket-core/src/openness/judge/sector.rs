//! The target of a sector's runs (docs/sector.md): as for the pair market,
//! G's best ω against the specialists' limiting responses — each one's own
//! (its exact entry and best response, the action it holds, the best
//! action of its grid, or the mean of its logit response) — or, for a logit
//! G, its logit response to those values on its grid.

use std::sync::Arc;

use super::{
    Follower, LeaderTarget, follower_of, grid_best, leader_gap, leader_on_grid, logit_distance,
    logit_mean, penalised_search,
};
use crate::concept::Concept;
use crate::dynamics::rules::RuleConfig;
use crate::dynamics::{Check, Dynamics, LearningGame};
use crate::judge::{FamilyCheck, Spec, Target};
use crate::method::Method;
use crate::openness::learning::SectorMarket;
use crate::openness::sector::{Sector, Terms};

#[derive(Clone, Debug, PartialEq)]
struct SectorSpec {
    sector: Sector,
    /// Each specialist's entry and best response (computed once: the
    /// check runs every iteration).
    terms: Vec<Terms>,
    /// Specialist k's limiting response.
    followers: Vec<Follower>,
    /// G's best value over its domain, unless G is held.
    best: Option<f64>,
    /// A logit G's grid and target distribution.
    qre: Option<(Vec<f64>, Vec<f64>)>,
    /// The ω last played: the specialists answer it.
    played: f64,
}

impl SectorSpec {
    /// Specialist k's answer to ω in the limit of its rule.
    fn respond(&self, k: usize, omega: f64) -> f64 {
        let (s, alpha0) = (&self.sector.specialists[k], self.sector.alpha0);
        match &self.followers[k] {
            Follower::Exact => self.terms[k].respond(omega),
            Follower::Constant(a) => *a,
            Follower::GridBest(grid) => grid_best(grid, |a| s.payoff(alpha0, omega, a)).0,
            Follower::Logit(grid, tau) => logit_mean(grid, |a| s.payoff(alpha0, omega, a), *tau),
        }
    }

    /// G's value at ω without penalty, against the limiting responses.
    fn unpenalised(&self, omega: f64) -> f64 {
        let m = &self.sector;
        let revenue: f64 = m
            .specialists
            .iter()
            .enumerate()
            .map(|(k, s)| s.share().eval(omega) * s.r * self.respond(k, omega))
            .sum();
        m.base().eval(omega) + revenue
    }

    /// G's realised value at ω against the limiting responses.
    fn value(&self, omega: f64) -> f64 {
        self.unpenalised(omega) - self.sector.penalty_at(omega)
    }

    /// Specialist k's gap at (ω, α1) to its limit: its gain against its
    /// limiting response; its distance from a held action; for a logit
    /// specialist, the L∞ distance between the strategy it drew from
    /// (`mixed`) and its exact logit response to ω. For one that
    /// best-responds, plus what G's revenue from it differs by
    /// from its exact response's. At an entry threshold (where the SPE
    /// often sits) entering and staying out are worth the same to the
    /// specialist, and ties enter: one caught still out there, its own
    /// gain ~0, would otherwise count a profile that is not the SPE's as
    /// converged.
    fn follower_gain(&self, k: usize, omega: f64, alpha1: f64, mixed: Option<&[f64]>) -> f64 {
        let m = &self.sector;
        let s = &m.specialists[k];
        match &self.followers[k] {
            Follower::Exact => {
                let exact = self.respond(k, omega);
                let best = s.payoff(m.alpha0, omega, exact);
                let revenue = s.share().eval(omega) * s.r * (alpha1.max(0.0) - exact).abs();
                (best - s.payoff(m.alpha0, omega, alpha1)).max(0.0) + revenue
            }
            Follower::GridBest(_) => {
                let best = s.payoff(m.alpha0, omega, self.respond(k, omega));
                (best - s.payoff(m.alpha0, omega, alpha1)).max(0.0)
            }
            Follower::Constant(a) => (alpha1 - a).abs(),
            Follower::Logit(grid, tau) => {
                logit_distance(grid, |a| s.payoff(m.alpha0, omega, a), *tau, mixed)
            }
        }
    }
}

/// The target of a sector's runs at its shares (a bargained δ already
/// set), for the rules (G, specialist 0, …).
pub(super) fn sector(sector: &Sector, rules: &[RuleConfig]) -> Target {
    let market = SectorMarket::new(sector.clone(), 1);
    let followers: Vec<Follower> = (1..market.agents())
        .map(|i| follower_of(&rules[i], market.space(i)))
        .collect();
    let exact = followers.iter().all(|f| *f == Follower::Exact);
    let spe = exact.then(|| sector.stage_outcome());
    let mut spec = SectorSpec {
        sector: sector.clone(),
        terms: sector.terms(),
        followers,
        best: None,
        qre: None,
        played: f64::NAN,
    };
    let held: Vec<usize> = (0..rules.len()).filter(|&i| rules[i].is_fixed()).collect();
    let leader = match leader_on_grid(&rules[0], market.space(0), |w| spec.value(w)) {
        Some(t) => t,
        // Against exact responses the SPE solver's choice is exact (G kept
        // in: the dynamics have no exit); otherwise V has jumps wherever a
        // response does, and G's best is searched.
        None => match &spe {
            Some(o) => LeaderTarget::searched(o.choice, spec.value(o.choice), Method::ClosedForm),
            None => {
                let (w, v) = penalised_search(|w| spec.unpenalised(w), sector.regulation);
                LeaderTarget::searched(w, v, Method::LeaderSearch)
            }
        },
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
    let k = spec.followers.len();
    let profile: Vec<f64> = match &spec.qre {
        // The expected responses under G's target distribution.
        Some((grid, p)) => std::iter::once(omega)
            .chain((0..k).map(|j| {
                grid.iter()
                    .zip(p)
                    .map(|(w, q)| q * spec.respond(j, *w))
                    .sum()
            }))
            .collect(),
        None => std::iter::once(omega)
            .chain((0..k).map(|j| spec.respond(j, omega)))
            .collect(),
    };
    // The point's SPE row is the target unless G exits there (the
    // dynamics keep it in) or some agent is not the SPE's.
    let is_equilibria = held.is_empty()
        && exact
        && concept == Concept::Spe
        && method == Method::ClosedForm
        && spe.is_some_and(|o| o.omega.is_some());
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

impl Check for SectorSpec {
    fn observe(&mut self, _: &dyn LearningGame, played: &[f64]) {
        self.played = played[0];
    }
    /// G's gap at its outcome (or its distribution's distance to the
    /// target's) plus every specialist's gap to its limit at the ω it
    /// answered (the one played), judged at its outcome.
    fn gap(&self, _: &dyn LearningGame, judged: &[f64], rules: &[Box<dyn Dynamics>]) -> f64 {
        let leader = leader_gap(&self.qre, self.best, || self.value(judged[0]), rules);
        let omega = if self.played.is_nan() {
            judged[0]
        } else {
            self.played
        };
        let followers: f64 = (0..self.followers.len())
            .map(|k| self.follower_gain(k, omega, judged[k + 1], rules[k + 1].distribution()))
            .sum();
        leader + followers
    }
}

impl FamilyCheck for SectorSpec {
    fn check(&self) -> Box<dyn Check> {
        Box::new(self.clone())
    }
}
