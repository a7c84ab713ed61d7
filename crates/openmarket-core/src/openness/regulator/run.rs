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

use super::{Outcome, Regulable, RegulatorConfig};
use crate::concept::Concept;
use crate::dynamics::rate::{self, RateKind, Theory};
use crate::dynamics::rules::RuleConfig;
use crate::dynamics::{DynamicsConfig, LearningGame, StopRule, Termination, distance_to_set};
use crate::family::RunAt;
use crate::openness::judge;
use crate::openness::learning::MarketGame;
use crate::openness::market::Market;
use crate::rows::{PointSolution, RegulatorRun, RunRow, TrajectoryRow};

/// What one market run at a regulation gave.
struct MarketRun {
    result: crate::dynamics::RunResult,
    /// The objective realised.
    value: f64,
    /// The SPE profile of the regulated market.
    spe: Vec<f64>,
}

impl Market {
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
        let regulated = self.regulated(&reg.search, theta, penalty);
        // δ is agreed knowing (θ, p), by the market's bargaining rule (stage
        // 1).
        let delta = regulated.agreed_delta();
        let game = MarketGame::new(&regulated, delta, d.leader_every);
        let t = judge::target(&regulated, delta, &rules);
        let result = game.simulate(&inner, &t, rng, &mut ()).result;
        let a = &result.actions;
        let u_g = game.payoff(0, a[0], a);
        let outcome = (u_g >= -1e-12).then(|| Outcome {
            omega: a[0],
            alpha1: a[1..].iter().sum(),
            u_g,
            u_d: (1..a.len()).map(|i| game.payoff(i, a[i], a)).sum(),
            penalty_paid: regulated.penalty_at(a[0]),
        });
        MarketRun {
            value: reg.objective.score(outcome),
            spe: game.equilibrium(),
            result,
        }
    }
}

/// One seeded run of a regulated point.
pub(crate) fn run(
    model: &Market,
    reg: &RegulatorConfig,
    d: &DynamicsConfig,
    solution: &PointSolution,
    at: RunAt,
    rng: &mut ChaCha8Rng,
) -> (RunRow, Vec<TrajectoryRow>) {
    let RunAt {
        point,
        replicate,
        seed,
        trajectory_every,
    } = at;
    let optimum = solution
        .optimal
        .as_ref()
        .expect("a regulated point has its optimum")
        .value;
    // The regulator observes what the market realised when it stopped: that
    // moment may not be chosen by the equilibrium it is to discover.
    let stop = Termination {
        max_iterations: reg.inner_iterations,
        stop: d.stop.unwrap_or(StopRule::Stationary),
        ..d.termination
    };
    let gap_at = |(theta, penalty): (f64, f64)| {
        optimum - model.objective_at(&reg.objective, &reg.search, theta, penalty)
    };
    let mut regulator = reg.rule.start(reg.search);
    let mut trajectory = Vec::new();
    let mut within_since = None;
    let mut market_iterations = 0;
    let mut checkpoints = Vec::new();
    for step in 0..reg.outer_iterations {
        let proposal = regulator.propose(rng);
        let m = model.market_at(reg, d, &stop, proposal, rng);
        market_iterations += m.result.iterations;
        regulator.observe(m.value);
        let recommended = regulator.recommend();
        let gap = gap_at(recommended);
        if rate::is_checkpoint(step + 1) {
            checkpoints.push(gap);
        }
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
    let entrants = model
        .is_sector()
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
        rate: Some(rate::fit(RateKind::Power, &checkpoints, within_since)),
        theory: Some(Theory {
            kind: RateKind::Power,
            expected: None,
            says: "none stated here: bandit bounds concern regret, not the recommendation",
        }),
        epsilon_time: within_since,
        reached: None,
        gap_checkpoints: checkpoints,
        avg_regret: None,
        actions: r.actions,
        strategies: None,
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
