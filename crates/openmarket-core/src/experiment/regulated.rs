//! A run with a learning regulator (docs/dynamics.md, "The regulator"): an
//! outer loop in which the regulator announces (θ, p), δ is agreed knowing
//! them, the market learns from a fresh start for at most
//! `inner_iterations` iterations (stopping early once converged), and the
//! regulator observes the objective the market realised. It sees only that
//! number: not the SPE, not the agents' rules.
//!
//! The run's verdict is the exact optimum's: the gap between the optimal
//! regulation's value and the SPE value at the regulation the regulator
//! recommends at the end. That judges the regulator's choice; how well the
//! market learned at it is in the run's market columns.

use rand_chacha::ChaCha8Rng;

use super::{PointSolution, RunRow, TrajectoryRow, judge, simulate};
use crate::concept::Concept;
use crate::config::DynamicsConfig;
use crate::dynamics::LearningGame;
use crate::dynamics::games::{OpennessMarket, SectorMarket};
use crate::dynamics::rules::RuleConfig;
use crate::dynamics::{Termination, distance_to_set};
use crate::openness::OpennessGame;
use crate::openness::sector::Sector;
use crate::regulator::optimal::{objective_at, sector_objective_at};
use crate::regulator::rules::RegulatorRule;
use crate::regulator::{ObjectiveKind, Outcome, RegulatorConfig, regulated, regulated_sector};

/// The regulator's part of a run's row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RegulatorRun {
    /// Its rule.
    pub rule: RegulatorRule,
    /// Its objective.
    pub objective: ObjectiveKind,
    /// The threshold it recommends at the end.
    pub theta: f64,
    /// The penalty it recommends at the end.
    pub penalty: f64,
    /// The objective the learning market realised at that regulation.
    pub realised: f64,
    /// The optimum minus the SPE value at that regulation (≥ 0 up to
    /// rounding).
    pub objective_gap: f64,
    /// Regulator steps taken.
    pub steps: u64,
    /// The first step from which the recommendation stayed within the
    /// regulator's tolerance of the optimum (`None`: it did not).
    pub steps_to_optimum: Option<u64>,
}

/// What one market run at a regulation gave.
struct MarketRun {
    result: crate::dynamics::RunResult,
    /// The objective realised.
    value: f64,
    /// The SPE profile of the regulated market.
    spe: Vec<f64>,
}

/// The model a regulator regulates.
#[derive(Clone, Copy)]
pub(super) enum Regulated<'a> {
    /// G and one specialist.
    Pair(&'a OpennessGame),
    /// G and a sector of specialists.
    Sector(&'a Sector),
}

impl Regulated<'_> {
    fn agents(&self) -> usize {
        match self {
            Regulated::Pair(_) => 2,
            Regulated::Sector(m) => 1 + m.specialists.len(),
        }
    }

    /// The objective at (θ, p) under the SPE.
    fn objective_at(&self, reg: &RegulatorConfig, theta: f64, penalty: f64) -> f64 {
        match self {
            Regulated::Pair(g) => objective_at(g, &reg.objective, &reg.search, theta, penalty),
            Regulated::Sector(m) => {
                sector_objective_at(m, &reg.objective, &reg.search, theta, penalty)
            }
        }
    }

    /// The market learns at (θ, p); the objective it realises (0 if G,
    /// facing a negative realised utility, would exit).
    fn market_at(
        &self,
        reg: &RegulatorConfig,
        d: &DynamicsConfig,
        stop: &Termination,
        (theta, penalty): (f64, f64),
        rng: &mut ChaCha8Rng,
    ) -> MarketRun {
        let inner = DynamicsConfig {
            termination: *stop,
            ..d.clone()
        };
        let rules: Vec<RuleConfig> = d.rules(self.agents());
        match self {
            Regulated::Pair(game) => {
                let g = regulated(game, &reg.search, theta, penalty);
                // δ is agreed knowing (θ, p), by the game's bargaining rule
                // (stage 1).
                let delta = g.bargain().delta;
                let market = OpennessMarket::new(g, delta, d.leader_every);
                let t = judge::market(&g, delta, &rules);
                let (result, _) = simulate(&market, &inner, &t, rng, &mut ());
                let (omega, alpha1) = (result.actions[0], result.actions[1]);
                let u_g = g.u_g(delta, omega, alpha1);
                let outcome = (u_g >= -1e-12).then(|| Outcome {
                    omega,
                    alpha1,
                    u_g,
                    u_d: g.u_d(delta, omega, alpha1),
                    penalty_paid: g.penalty_at(omega),
                });
                MarketRun {
                    value: reg.objective.score(outcome),
                    spe: market.equilibrium(),
                    result,
                }
            }
            Regulated::Sector(sector) => {
                let m = regulated_sector(sector, &reg.search, theta, penalty);
                let m = match m.spe().delta {
                    Some(delta) => m.at_delta(delta),
                    None => m,
                };
                let market = SectorMarket::new(m.clone(), d.leader_every);
                let t = judge::sector(&m, &rules);
                let (result, _) = simulate(&market, &inner, &t, rng, &mut ());
                let a = &result.actions;
                let u_g = market.payoff(0, a[0], a);
                let outcome = (u_g >= -1e-12).then(|| Outcome {
                    omega: a[0],
                    alpha1: a[1..].iter().sum(),
                    u_g,
                    u_d: (1..a.len()).map(|i| market.payoff(i, a[i], a)).sum(),
                    penalty_paid: m.penalty_at(a[0]),
                });
                let spe = m.kept_in(m.outcome().choice);
                MarketRun {
                    value: reg.objective.score(outcome),
                    spe,
                    result,
                }
            }
        }
    }
}

/// One seeded run of a regulated point.
#[allow(clippy::too_many_arguments)]
pub(super) fn run(
    model: Regulated,
    reg: &RegulatorConfig,
    d: &DynamicsConfig,
    solution: &PointSolution,
    (point, replicate, seed): (usize, u64, u64),
    rng: &mut ChaCha8Rng,
    trajectory_every: u64,
) -> (RunRow, Vec<TrajectoryRow>) {
    let optimum = solution
        .optimal
        .as_ref()
        .expect("a regulated point has its optimum")
        .value;
    let stop = Termination {
        max_iterations: reg.inner_iterations,
        ..d.termination
    };
    let gap_at = |(theta, penalty): (f64, f64)| optimum - model.objective_at(reg, theta, penalty);
    let mut regulator = reg.rule.start(reg.search);
    let mut trajectory = Vec::new();
    let mut within_since = None;
    let mut market_iterations = 0;
    for step in 0..reg.outer_iterations {
        let proposal = regulator.propose(rng);
        let m = model.market_at(reg, d, &stop, proposal, rng);
        market_iterations += m.result.iterations;
        regulator.observe(m.value);
        let recommended = regulator.recommend();
        let gap = gap_at(recommended);
        match (gap <= reg.tol, within_since) {
            (true, None) => within_since = Some(step + 1),
            (false, _) => within_since = None,
            _ => {}
        }
        if trajectory_every > 0 && step % trajectory_every == 0 {
            trajectory.push(TrajectoryRow {
                point,
                replicate,
                iteration: step,
                actions: vec![recommended.0, recommended.1],
                target_gap: gap,
            });
        }
    }
    let recommended = regulator.recommend();
    let last = model.market_at(reg, d, &stop, recommended, rng);
    let objective_gap = gap_at(recommended);
    let r = last.result;
    let entrants = matches!(model, Regulated::Sector(_))
        .then(|| r.actions[1..].iter().filter(|&&a| a > 0.0).count() as u64);
    let row = RunRow {
        entrants,
        point,
        replicate,
        seed,
        rules: d
            .rules(model.agents())
            .iter()
            .map(RuleConfig::kind)
            .collect(),
        dist_to_equilibrium: Some(distance_to_set(&r.actions, &[last.spe])),
        target: Some(Concept::OptimalRegulation),
        dist_to_target: None,
        target_gap: Some(objective_gap),
        avg_regret: None,
        actions: r.actions,
        payoffs: r.payoffs,
        nash_conv: r.nash_conv,
        converged: objective_gap <= reg.tol,
        iterations: market_iterations + r.iterations,
        termination: r.reason,
        cycle_detected: r.cycle_detected,
        regime: solution.optimal.map(|o| o.regime),
        regulator: Some(RegulatorRun {
            rule: reg.rule,
            objective: reg.objective.kind(),
            theta: recommended.0,
            penalty: recommended.1,
            realised: last.value,
            objective_gap,
            steps: reg.outer_iterations,
            steps_to_optimum: within_since,
        }),
    };
    (row, trajectory)
}
