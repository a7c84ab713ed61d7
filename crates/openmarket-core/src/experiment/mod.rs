//! Experiments: for every point of a plan, the exact equilibria (once per
//! point), then seeded runs of the dynamics, each checked against them.
//!
//! [`validate`] checks a whole plan before anything runs; [`runner::run`]
//! executes it block by block into a [`runner::Sink`] (the Parquet store
//! of the `openmarket` crate, or a test's collector); [`layout`] cuts the
//! plan into blocks and shards.

pub mod layout;
pub mod runner;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::config::{Config, DynamicsConfig, ModelConfig};
use crate::dynamics::games::{OpennessMarket, RaceLearning};
use crate::dynamics::rules::{Context, RuleKind};
use crate::dynamics::{
    LearningGame, Observer, RunResult, StopReason, Trajectory, distance_to_set, run,
};
use crate::limits::{CONFIRM_RUNS, MAX_DYNAMIC_LABS};
use crate::method::Method;
use crate::mip::default_backend;
use crate::openness::Regime;
use crate::plan::{Plan, Point, run_seed};
use crate::race::SolveError;
use crate::race::solve::{self, Choice, Options};

pub use layout::{Layout, Shard};

/// One equilibrium of one point.
#[derive(Clone, Debug, PartialEq)]
pub struct EquilibriumRow {
    /// The point.
    pub point: usize,
    /// How it was found.
    pub solver: Method,
    /// Its index among the point's equilibria.
    pub index: usize,
    /// The profile in the dynamics' coordinates: labs' actions, or (ω, α1).
    pub actions: Vec<f64>,
    /// Race: every deviation loses.
    pub strict: Option<bool>,
    /// Race: non-trivial by the configured definition.
    pub nontrivial: Option<bool>,
    /// Openness only.
    pub regime: Option<Regime>,
    /// Openness only: the revenue share.
    pub delta: Option<f64>,
}

/// The exact solution of one point, shared by its runs.
#[derive(Clone, Debug, PartialEq)]
pub struct PointSolution {
    /// The point's equilibria.
    pub rows: Vec<EquilibriumRow>,
    /// Openness: the bargained (or fixed) δ the market runs at.
    pub delta: Option<f64>,
}

impl PointSolution {
    /// The equilibrium profiles.
    pub fn profiles(&self) -> Vec<Vec<f64>> {
        self.rows.iter().map(|r| r.actions.clone()).collect()
    }
}

/// The race solver options a plan uses: the solver policy, the default MIP
/// backend.
fn race_options() -> Options<'static> {
    Options {
        backend: default_backend(),
        progress: None,
    }
}

/// The exact equilibria of one point: the openness game's SPE, or every
/// pure NE of a race by the solver policy ([`solve::auto`]).
pub fn solve_point(point: usize, config: &Config) -> Result<PointSolution, SolveError> {
    match &config.model {
        ModelConfig::Openness(g) => {
            let eq = g.solve();
            let market = OpennessMarket::new(*g, eq.delta, 1);
            Ok(PointSolution {
                rows: vec![EquilibriumRow {
                    point,
                    solver: Method::ClosedForm,
                    index: 0,
                    actions: market.equilibrium(),
                    strict: None,
                    nontrivial: None,
                    regime: Some(eq.regime),
                    delta: Some(eq.delta),
                }],
                delta: Some(eq.delta),
            })
        }
        ModelConfig::Race(g) => {
            let sol = solve::solve(g, Choice::Auto, &race_options())?;
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
    /// The point.
    pub point: usize,
    /// The replicate, 0 ≤ r < seeds per point.
    pub replicate: u64,
    /// The run's seed.
    pub seed: u64,
    /// The rule every agent followed.
    pub rule: RuleKind,
    /// Final actions (the run's outcome).
    pub actions: Vec<f64>,
    /// Final payoffs.
    pub payoffs: Vec<f64>,
    /// NashConv of the final profile.
    pub nash_conv: f64,
    /// NashConv stayed within tolerance for the window.
    pub converged: bool,
    /// Iterations run.
    pub iterations: u64,
    /// Why the run stopped.
    pub termination: StopReason,
    /// A deterministic run repeated a profile.
    pub cycle_detected: bool,
    /// The largest agent's average regret (no-regret learners).
    pub avg_regret: Option<f64>,
    /// L∞ to the nearest equilibrium; `None` when the point has none.
    pub dist_to_equilibrium: Option<f64>,
    /// Openness: the equilibrium regime of the point.
    pub regime: Option<Regime>,
}

/// A downsampled trajectory point.
#[derive(Clone, Debug, PartialEq)]
pub struct TrajectoryRow {
    /// The point.
    pub point: usize,
    /// The replicate.
    pub replicate: u64,
    /// The iteration.
    pub iteration: u64,
    /// The profile then.
    pub actions: Vec<f64>,
    /// Its NashConv.
    pub nash_conv: f64,
}

/// Why a plan cannot run. Found before anything runs or is written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// The config has nothing to simulate.
    #[error("the config has no [dynamics] section: there are no agents to run")]
    NoDynamics,
    /// One point's game and rule do not fit.
    #[error("sweep point {point}: {message}")]
    Point {
        /// The point.
        point: usize,
        /// What does not fit.
        message: String,
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

/// Check, before any run, that every point can run: it has dynamics, its
/// rule fits its game, its race is within the limits and its solver
/// supports it; and, unless `confirmed`, that the plan is not above the
/// size that needs confirmation.
pub fn validate(plan: &Plan, confirmed: bool) -> Result<(), PlanError> {
    if plan.runs() > CONFIRM_RUNS && !confirmed {
        return Err(PlanError::NeedsConfirmation {
            points: plan.points.len(),
            seeds: plan.seeds_per_point,
            runs: plan.runs(),
            limit: CONFIRM_RUNS,
        });
    }
    for p in &plan.points {
        let at = |message: String| PlanError::Point {
            point: p.index,
            message,
        };
        let d = p.config.dynamics.as_ref().ok_or(PlanError::NoDynamics)?;
        match &p.config.model {
            ModelConfig::Race(g) => {
                if g.n() > MAX_DYNAMIC_LABS {
                    return Err(at(format!(
                        "{} labs; the dynamics take at most {MAX_DYNAMIC_LABS}",
                        g.n()
                    )));
                }
                solve::check(g, Choice::Auto, &race_options()).map_err(|e| at(e.to_string()))?;
                d.rule.check(&RaceLearning::new(g)).map_err(at)?;
            }
            ModelConfig::Openness(g) => {
                d.rule.check(&OpennessMarket::new(*g, 0.5, 1)).map_err(at)?;
            }
        }
    }
    Ok(())
}

/// A run from a random start, monomorphised over the game so the runner's
/// per-iteration NashConv inlines.
fn simulate<G: LearningGame>(
    game: &G,
    d: &DynamicsConfig,
    rng: &mut ChaCha8Rng,
    observer: &mut dyn Observer,
) -> RunResult {
    let start: Vec<f64> = (0..game.agents())
        .map(|i| game.space(i).sample(rng))
        .collect();
    let mut rules = d.rule.instances(game.agents(), &Context { noise: d.noise });
    run(
        game,
        &mut rules,
        d.schedule,
        start,
        &d.termination,
        rng,
        observer,
    )
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
    let seed = run_seed(master_seed, point.index, replicate);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
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
    let result = match &point.config.model {
        ModelConfig::Race(g) => simulate(&RaceLearning::new(g), d, &mut rng, observer),
        ModelConfig::Openness(g) => simulate(
            &OpennessMarket::new(*g, solution.delta.expect("openness has δ"), d.leader_every),
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
        rule: d.rule.kind(),
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
