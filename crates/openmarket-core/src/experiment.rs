//! The experiment runner: for every point of a plan, the exact equilibria
//! (once per point), then seeded runs of the dynamics in parallel, each
//! checked against those equilibria.
//!
//! Work is handed out in batches of points; each batch runs on rayon and is
//! passed, in plan order, to a sink (the Parquet writer), so memory stays
//! bounded and the output order never depends on the thread count.

use std::sync::atomic::{AtomicU64, Ordering};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::config::{Config, DynamicsConfig, ModelConfig, RuleConfig};
use crate::dynamics::games::{OpennessMarket, RaceLearning};
use crate::dynamics::rules::{
    self, BestResponse, EpsilonGreedy, FictitiousPlay, GradientAscent, Hedge, Logit,
};
use crate::dynamics::{Dynamics, LearningGame, StopReason, Trajectory, distance_to_set, run};
use crate::mip::default_backend;
use crate::plan::{Plan, Point, run_seed};
use crate::race::enumerate::Enumeration;
use crate::race::mip::{ContinuousMip, DEFAULT_MAX_EQUILIBRIA, DiscreteMip};
use crate::race::{Actions, RaceSolver, SolveError};

/// Discrete races up to this size are enumerated; larger ones use the MIP.
const ENUMERATE_UP_TO: usize = 20;

/// One equilibrium of one point.
#[derive(Clone, Debug, PartialEq)]
pub struct EquilibriumRow {
    pub point: usize,
    pub solver: &'static str,
    pub index: usize,
    /// The profile in the dynamics' coordinates: labs' actions, or (ω, α1).
    pub actions: Vec<f64>,
    pub strict: Option<bool>,
    pub nontrivial: Option<bool>,
    /// Openness only.
    pub regime: Option<&'static str>,
    pub delta: Option<f64>,
}

/// The exact solution of one point, shared by its runs.
#[derive(Clone, Debug, PartialEq)]
pub struct PointSolution {
    pub rows: Vec<EquilibriumRow>,
    /// Openness: the bargained (or fixed) δ the market runs at.
    pub delta: Option<f64>,
}

impl PointSolution {
    pub fn profiles(&self) -> Vec<Vec<f64>> {
        self.rows.iter().map(|r| r.actions.clone()).collect()
    }
}

pub fn solve_point(point: usize, config: &Config) -> Result<PointSolution, SolveError> {
    match &config.model {
        ModelConfig::Openness(g) => {
            let eq = g.solve();
            let market = OpennessMarket::new(*g, eq.delta, 1);
            Ok(PointSolution {
                rows: vec![EquilibriumRow {
                    point,
                    solver: "closed_form",
                    index: 0,
                    actions: market.equilibrium(),
                    strict: None,
                    nontrivial: None,
                    regime: Some(eq.regime.name()),
                    delta: Some(eq.delta),
                }],
                delta: Some(eq.delta),
            })
        }
        ModelConfig::Race(g) => {
            let backend = default_backend();
            let sol = match g.actions {
                Actions::Discrete if g.n() <= ENUMERATE_UP_TO => Enumeration::default().solve(g)?,
                Actions::Discrete => DiscreteMip { backend }.solve(g)?,
                Actions::Continuous => ContinuousMip {
                    backend,
                    max_equilibria: DEFAULT_MAX_EQUILIBRIA,
                }
                .solve(g)?,
            };
            let rows = sol
                .equilibria
                .iter()
                .enumerate()
                .map(|(index, e)| EquilibriumRow {
                    point,
                    solver: sol.solver,
                    index,
                    actions: e.actions.clone(),
                    strict: Some(e.strict),
                    nontrivial: Some(e.nontrivial),
                    regime: None,
                    delta: None,
                })
                .collect();
            Ok(PointSolution { rows, delta: None })
        }
    }
}

/// One run's result, checked against its point's equilibria.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    pub point: usize,
    pub replicate: u64,
    pub seed: u64,
    pub rule: &'static str,
    pub actions: Vec<f64>,
    pub payoffs: Vec<f64>,
    pub nash_conv: f64,
    pub converged: bool,
    pub iterations: u64,
    pub termination: StopReason,
    pub cycle_detected: bool,
    pub avg_regret: Option<f64>,
    /// L∞ to the nearest equilibrium; `None` when the point has none.
    pub dist_to_equilibrium: Option<f64>,
    pub regime: Option<&'static str>,
}

/// A downsampled trajectory point.
#[derive(Clone, Debug, PartialEq)]
pub struct TrajectoryRow {
    pub point: usize,
    pub replicate: u64,
    pub iteration: u64,
    pub actions: Vec<f64>,
    pub nash_conv: f64,
}

fn make_rule(d: &DynamicsConfig) -> Box<dyn Dynamics> {
    match d.rule {
        RuleConfig::BestResponse { inertia } => Box::new(BestResponse { inertia }),
        RuleConfig::EpsilonGreedy { epsilon } => Box::new(EpsilonGreedy { epsilon }),
        RuleConfig::Logit {
            temperature,
            points,
        } => Box::new(Logit::new(temperature, points, d.noise)),
        RuleConfig::FictitiousPlay => Box::new(FictitiousPlay::default()),
        RuleConfig::Gradient { step, decay } => Box::new(GradientAscent { step, decay }),
        RuleConfig::Hedge { eta, points } => Box::new(Hedge::new(eta, points, d.noise)),
    }
}

/// Check, before any run, that every point's rule fits its game.
pub fn check_plan(plan: &Plan) -> Result<(), String> {
    for p in &plan.points {
        let d = p.config.dynamics.as_ref().ok_or_else(|| {
            "the config has no [dynamics] section: `run` simulates agents; use `solve` for the equilibrium alone".to_string()
        })?;
        let rule = make_rule(d);
        let check = |game: &dyn LearningGame| rules::check_spaces(rule.as_ref(), game);
        match &p.config.model {
            ModelConfig::Race(g) => check(&RaceLearning::new(g)),
            ModelConfig::Openness(g) => check(&OpennessMarket::new(*g, 0.5, 1)),
        }
        .map_err(|e| format!("sweep point {}: {e}", p.index))?;
    }
    Ok(())
}

/// A run from a random start, monomorphised over the game so the runner's
/// per-iteration NashConv inlines.
fn simulate<G: LearningGame>(
    game: &G,
    rule: &mut dyn Dynamics,
    d: &DynamicsConfig,
    rng: &mut ChaCha8Rng,
    observer: &mut dyn crate::dynamics::Observer,
) -> crate::dynamics::RunResult {
    let start: Vec<f64> = (0..game.agents())
        .map(|i| game.space(i).sample(rng))
        .collect();
    run(game, rule, d.schedule, start, &d.termination, rng, observer)
}

/// One seeded run at a point.
pub fn run_one(
    point: &Point,
    solution: &PointSolution,
    replicate: u64,
    master_seed: u64,
    trajectory_every: u64,
) -> (RunRow, Vec<TrajectoryRow>) {
    let d = point
        .config
        .dynamics
        .as_ref()
        .expect("checked by check_plan");
    let seed = run_seed(master_seed, point.index, replicate);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut rule = make_rule(d);
    let mut traj = Trajectory {
        every: trajectory_every.max(1),
        points: Vec::new(),
    };
    let mut no_obs = ();
    let observer: &mut dyn crate::dynamics::Observer = if trajectory_every > 0 {
        &mut traj
    } else {
        &mut no_obs
    };
    let result = match &point.config.model {
        ModelConfig::Race(g) => {
            simulate(&RaceLearning::new(g), rule.as_mut(), d, &mut rng, observer)
        }
        ModelConfig::Openness(g) => simulate(
            &OpennessMarket::new(*g, solution.delta.expect("openness has δ"), d.leader_every),
            rule.as_mut(),
            d,
            &mut rng,
            observer,
        ),
    };
    let profiles = solution.profiles();
    let row = RunRow {
        point: point.index,
        replicate,
        seed,
        rule: rule.name(),
        dist_to_equilibrium: (!profiles.is_empty())
            .then(|| distance_to_set(&result.actions, &profiles)),
        actions: result.actions,
        payoffs: result.payoffs,
        nash_conv: result.nash_conv,
        converged: result.converged,
        iterations: result.iterations,
        termination: result.reason,
        cycle_detected: result.cycle_detected,
        avg_regret: result.avg_regret,
        regime: solution.rows.first().and_then(|r| r.regime),
    };
    let trajectory = traj
        .points
        .into_iter()
        .map(|(iteration, actions, nash_conv)| TrajectoryRow {
            point: point.index,
            replicate,
            iteration,
            actions,
            nash_conv,
        })
        .collect();
    (row, trajectory)
}

/// Everything one batch of points produced, in plan order.
#[derive(Debug, Default)]
pub struct Batch {
    pub equilibria: Vec<EquilibriumRow>,
    pub runs: Vec<RunRow>,
    pub trajectories: Vec<TrajectoryRow>,
}

/// Run every point of `plan` listed in `points`, `batch` points at a time,
/// handing each batch to `sink` in plan order. `progress` counts finished
/// runs.
pub fn run_plan(
    plan: &Plan,
    points: &[usize],
    batch: usize,
    trajectory_every: u64,
    progress: Option<&AtomicU64>,
    mut sink: impl FnMut(Batch) -> Result<(), String>,
) -> Result<(), String> {
    check_plan(plan)?;
    for chunk in points.chunks(batch.max(1)) {
        sink(run_points(plan, chunk, trajectory_every, progress)?)?;
    }
    Ok(())
}

/// Solve and run the given points (already checked by `check_plan`) on
/// rayon; the rows come back in plan order whatever the thread count.
pub fn run_points(
    plan: &Plan,
    chunk: &[usize],
    trajectory_every: u64,
    progress: Option<&AtomicU64>,
) -> Result<Batch, String> {
    let solutions: Vec<PointSolution> = chunk
        .par_iter()
        .map(|&k| {
            solve_point(k, &plan.points[k].config).map_err(|e| format!("sweep point {k}: {e}"))
        })
        .collect::<Result<_, _>>()?;
    let jobs: Vec<(usize, u64)> = (0..chunk.len())
        .flat_map(|c| (0..plan.seeds_per_point).map(move |r| (c, r)))
        .collect();
    let results: Vec<(RunRow, Vec<TrajectoryRow>)> = jobs
        .par_iter()
        .map(|&(c, r)| {
            let out = run_one(
                &plan.points[chunk[c]],
                &solutions[c],
                r,
                plan.master_seed,
                trajectory_every,
            );
            if let Some(p) = progress {
                p.fetch_add(1, Ordering::Relaxed);
            }
            out
        })
        .collect();
    let mut out = Batch::default();
    for s in solutions {
        out.equilibria.extend(s.rows);
    }
    for (row, traj) in results {
        out.runs.push(row);
        out.trajectories.extend(traj);
    }
    Ok(out)
}
