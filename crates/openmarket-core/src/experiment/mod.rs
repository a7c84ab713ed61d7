//! Experiments: for every point of a plan, the exact equilibria (once per
//! point), then seeded runs of the dynamics, each checked against them.
//! Each point's family does the family's part ([`crate::family`]); here is
//! what every family shares.
//!
//! [`validate`] checks a whole plan before anything runs; [`runner::run`]
//! executes it block by block into a [`runner::Sink`] (the Parquet store
//! of the `openmarket` crate, or a test's collector); [`layout`] cuts the
//! plan into blocks and shards.

pub mod layout;
pub mod runner;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::concept::Concept;
use crate::config::Config;
use crate::dynamics::rate;
use crate::dynamics::rules::RuleConfig;
use crate::dynamics::{Observer, Trajectory, distance_to_set};
use crate::family::{RunAt, Simulated};
use crate::limits::{CONFIRM_RUNS, MAX_RUNS};
use crate::method::SolveError;
use crate::plan::{Plan, Point, run_seed};

pub use crate::judge::{Target, instances};
pub use crate::rows::{
    AnswerRow, EquilibriumRow, PointSolution, RegulatorRun, RunRow, SectorRow, TrajectoryRow,
};
pub use layout::{Layout, Shard};

/// The exact equilibria of one point (its family's solution: the openness
/// market's SPE, every pure NE of a race by the solver policy) and the
/// target of its runs, with the target's rows where they are not the
/// equilibria's.
pub fn solve_point(point: usize, config: &Config) -> Result<PointSolution, SolveError> {
    let mut solution = with_target_rows(point, config)?;
    // Every row of a finite game, solved-only plans' included, carries its
    // mixed strategies (a row without a profile, an answer's, has none).
    for r in solution.rows.iter_mut().filter(|r| r.strategies.is_none()) {
        if let Some(actions) = r.actions.iter().copied().collect::<Option<Vec<f64>>>()
            && !actions.is_empty()
        {
            r.strategies = config.model.strategies(&actions);
        }
    }
    Ok(solution)
}

/// The point's solution and the rows of its target.
fn with_target_rows(point: usize, config: &Config) -> Result<PointSolution, SolveError> {
    let mut solution = config.model.solve(point, config.dynamics.as_ref())?;
    if solution.optimal.is_some() {
        // The regulator's runs are judged by the optimum alone.
        return Ok(solution);
    }
    let Some(t) = &solution.target else {
        return Ok(solution);
    };
    if t.is_equilibria {
        for r in solution.rows.iter_mut() {
            r.target = true;
        }
    } else if let Some(concept) = t.concept {
        let held = t.held_label(|i| config.model.agent_label(i));
        let first = solution.rows.len();
        let rows: Vec<EquilibriumRow> = t
            .profiles
            .iter()
            .enumerate()
            .map(|(k, profile)| {
                let row = EquilibriumRow {
                    concept,
                    target: true,
                    held: held.clone(),
                    temperature: t.temperature,
                    distribution: t.distribution.clone(),
                    delta: solution.delta,
                    ..EquilibriumRow::new(point, t.method, first + k, profile.clone())
                };
                match &t.strategies {
                    Some(sizes) => mixed_row(row, sizes, profile),
                    None => row,
                }
            })
            .collect();
        solution.rows.extend(rows);
    }
    Ok(solution)
}

/// A normal-form mixed target's row, whose profile is every player's
/// probabilities one after another: split into `strategies`, with
/// `actions` holding each player's strategy index where it plays one for
/// sure and `None` where it mixes.
fn mixed_row(row: EquilibriumRow, sizes: &[usize], flat: &[f64]) -> EquilibriumRow {
    let mut at = 0;
    let strategies: Vec<Vec<f64>> = sizes
        .iter()
        .map(|&k| {
            let s = flat[at..at + k].to_vec();
            at += k;
            s
        })
        .collect();
    let actions = strategies
        .iter()
        .map(|s| s.iter().position(|&p| p == 1.0).map(|a| a as f64))
        .collect();
    EquilibriumRow {
        actions,
        strategies: Some(strategies),
        ..row
    }
}

/// Why a plan cannot run. Found before anything runs or is written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// Some points have `[dynamics]` and this one has not: a plan runs
    /// every point, or (with no `[dynamics]` anywhere) solves every point.
    #[error(
        "sweep point {point} has no [dynamics] section while other points do: give every study [dynamics], or none (the plan is then solved only)"
    )]
    NoDynamics {
        /// The first point without.
        point: usize,
    },
    /// One point's game and rule do not fit.
    #[error("sweep point {point}: {message}")]
    Point {
        /// The point.
        point: usize,
        /// What does not fit.
        message: String,
    },
    /// The plan has more runs than [`MAX_RUNS`], confirmed or not.
    #[error(
        "the plan has {points} points × {seeds} seeds per point, more than {limit} runs, the most a plan may have (confirmed or not)"
    )]
    TooLarge {
        /// Points in the plan.
        points: u64,
        /// Seeds per point.
        seeds: u64,
        /// [`MAX_RUNS`].
        limit: u64,
    },
    /// The plan has more runs than [`CONFIRM_RUNS`]: it needs an explicit
    /// confirmation.
    #[error(
        "the plan has {points} points × {seeds} seeds = {runs} runs, above the limit of {limit}"
    )]
    NeedsConfirmation {
        /// Points in the plan.
        points: usize,
        /// Seeds per point.
        seeds: u64,
        /// Their product.
        runs: u64,
        /// [`CONFIRM_RUNS`].
        limit: u64,
    },
}

/// Whether a plan of `points` × `seeds` runs may run: at most
/// [`MAX_RUNS`], and above [`CONFIRM_RUNS`] only when `confirmed`. `run`
/// asks this from the counts alone, before it builds any point.
pub fn check_size(points: u64, seeds: u64, confirmed: bool) -> Result<(), PlanError> {
    let runs = points.saturating_mul(seeds);
    if runs > MAX_RUNS {
        return Err(PlanError::TooLarge {
            points,
            seeds,
            limit: MAX_RUNS,
        });
    }
    if runs > CONFIRM_RUNS && !confirmed {
        return Err(PlanError::NeedsConfirmation {
            points: points as usize,
            seeds,
            runs,
            limit: CONFIRM_RUNS,
        });
    }
    Ok(())
}

/// Check, before any run, that every point can run: it has dynamics, its
/// rules fit its game, it is within its family's limits and its solver
/// supports it; and, unless `confirmed`, that the plan is not above the
/// size that needs confirmation.
pub fn validate(plan: &Plan, confirmed: bool) -> Result<(), PlanError> {
    check_size(plan.points.len() as u64, plan.seeds_per_point, confirmed)?;
    // Solved only: nothing runs, so no rule needs checking; but every point
    // must be one its family can solve, found now rather than after earlier
    // blocks are written.
    let solved_only = plan.seeds_per_point == 0;
    for p in &plan.points {
        let dynamics = if solved_only {
            None
        } else {
            Some(
                p.config
                    .dynamics
                    .as_ref()
                    .ok_or(PlanError::NoDynamics { point: p.index })?,
            )
        };
        p.config
            .model
            .validate(dynamics)
            .map_err(|message| PlanError::Point {
                point: p.index,
                message,
            })?;
    }
    Ok(())
}

/// One seeded run at a point (of a validated plan).
pub fn run_one(
    point: &Point,
    solution: &PointSolution,
    replicate: u64,
    master_seed: u64,
    trajectory_every: u64,
) -> (RunRow, Vec<TrajectoryRow>) {
    let d = point.config.dynamics.as_ref().expect("checked by validate");
    let model = &point.config.model;
    let seed = run_seed(master_seed, point.index, replicate);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let at = RunAt {
        point: point.index,
        replicate,
        seed,
        trajectory_every,
    };
    if let Some(run) = model.outer_run(solution, d, at, &mut rng) {
        return run;
    }
    let mut traj = Trajectory {
        every: trajectory_every.max(1),
        points: Vec::new(),
    };
    let mut no_obs = ();
    let observer: &mut dyn Observer = if trajectory_every > 0 {
        &mut traj
    } else {
        &mut no_obs
    };
    let target = solution
        .target
        .as_ref()
        .expect("a point with dynamics has a target");
    let Simulated {
        result,
        distance,
        entrants,
        strategies,
    } = model.simulate(solution, target, d, &mut rng, observer);
    let n = result.actions.len();
    let exists = target.exists();
    let rules = d.rules(n);
    let theory = result.theory.filter(|_| exists);
    let rate = theory.map(|t| rate::fit(t.kind, &result.checkpoints, result.epsilon_time));
    // A mixed target of a normal-form game is laid out as every player's
    // probabilities in turn: the run's own are compared with it.
    let reached = match (&target.strategies, &strategies) {
        (Some(_), Some(s)) => reached(solution, target, &s.concat(), result.converged && exists),
        _ => reached(
            solution,
            target,
            &result.actions,
            result.converged && exists,
        ),
    };
    let row = RunRow {
        point: point.index,
        replicate,
        seed,
        rules: rules.iter().map(RuleConfig::kind).collect(),
        dist_to_equilibrium: (!solution.equilibria.is_empty())
            .then(|| distance_to_set(&result.actions, &solution.equilibria)),
        target: target.concept,
        dist_to_target: distance.filter(|_| exists),
        target_gap: target.concept.map(|_| result.gap),
        epsilon_time: result.epsilon_time.filter(|_| exists),
        reached,
        gap_checkpoints: result.checkpoints,
        rate,
        theory,
        avg_regret: (target.concept == Some(Concept::Cce)).then_some(result.gap),
        actions: result.actions,
        strategies,
        payoffs: result.payoffs,
        nash_conv: result.nash_conv,
        // Without a target there is nothing to have converged to.
        converged: result.converged && exists,
        iterations: result.iterations,
        termination: result.reason,
        cycle_detected: result.cycle_detected,
        regime: solution.rows.first().and_then(|r| r.regime),
        entrants,
        regulator: None,
    };
    let trajectory = traj
        .points
        .into_iter()
        .map(|(iteration, actions, target_gap)| TrajectoryRow {
            point: point.index,
            replicate,
            iteration,
            actions,
            target_gap,
        })
        .collect();
    (row, trajectory)
}

/// The `index` of the point's target row nearest to a converged run's
/// `outcome` (first on ties); `None` when it did not converge, or for the
/// CCE (its target rows are the Nash set, which converged no-regret play
/// need not be near).
fn reached(
    solution: &PointSolution,
    target: &crate::judge::Target,
    outcome: &[f64],
    converged: bool,
) -> Option<u64> {
    if !converged || target.concept == Some(Concept::Cce) {
        return None;
    }
    let k = target
        .profiles
        .iter()
        .enumerate()
        .map(|(k, p)| (k, crate::judge::linf(p, outcome)))
        .min_by(|a, b| a.1.total_cmp(&b.1))?
        .0;
    // The target's rows are its profiles in order (the point's own
    // equilibria, or the rows appended for the target).
    solution
        .rows
        .iter()
        .filter(|r| r.target)
        .nth(k)
        .map(|r| r.index as u64)
}

/// Everything one block of points produced, in plan order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Batch {
    /// Every equilibrium of the block's points.
    pub equilibria: Vec<EquilibriumRow>,
    /// Every run.
    pub runs: Vec<RunRow>,
    /// Every kept trajectory point.
    pub trajectories: Vec<TrajectoryRow>,
}
