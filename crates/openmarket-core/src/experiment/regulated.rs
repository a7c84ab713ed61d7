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

use super::{PointSolution, RunRow, TrajectoryRow, simulate, target};
use crate::concept::Concept;
use crate::config::DynamicsConfig;
use crate::dynamics::games::OpennessMarket;
use crate::dynamics::rules::RuleConfig;
use crate::dynamics::{Termination, distance_to_set};
use crate::openness::OpennessGame;
use crate::regulator::optimal::objective_at;
use crate::regulator::rules::RegulatorRule;
use crate::regulator::{ObjectiveKind, Outcome, RegulatorConfig, regulated};

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

/// The market learns at (θ, p); the objective it realises (0 if G, facing
/// a negative realised utility, would exit).
fn market_at(
    game: &OpennessGame,
    reg: &RegulatorConfig,
    d: &DynamicsConfig,
    stop: &Termination,
    (theta, penalty): (f64, f64),
    rng: &mut ChaCha8Rng,
) -> MarketRun {
    let g = regulated(game, &reg.search, theta, penalty);
    // δ is agreed knowing (θ, p), by the game's bargaining rule (stage 1).
    let delta = g.bargain().delta;
    let rules: Vec<RuleConfig> = d.rules(2);
    let market = OpennessMarket::new(g, delta, d.leader_every);
    let t = target::market(&g, delta, &rules);
    let inner = DynamicsConfig {
        termination: *stop,
        ..d.clone()
    };
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

/// One seeded run of a regulated point.
#[allow(clippy::too_many_arguments)]
pub(super) fn run(
    game: &OpennessGame,
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
    let gap_at = |(theta, penalty): (f64, f64)| {
        optimum - objective_at(game, &reg.objective, &reg.search, theta, penalty)
    };
    let mut regulator = reg.rule.start(reg.search);
    let mut trajectory = Vec::new();
    let mut within_since = None;
    let mut market_iterations = 0;
    for step in 0..reg.outer_iterations {
        let proposal = regulator.propose(rng);
        let m = market_at(game, reg, d, &stop, proposal, rng);
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
    let last = market_at(game, reg, d, &stop, recommended, rng);
    let objective_gap = gap_at(recommended);
    let r = last.result;
    let row = RunRow {
        entrants: None,
        point,
        replicate,
        seed,
        rules: d.rules(2).iter().map(RuleConfig::kind).collect(),
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
