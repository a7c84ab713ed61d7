//! Experiments: for every point of a plan, the exact equilibria (once per
//! point), then seeded runs of the dynamics, each checked against them.
//!
//! [`validate`] checks a whole plan before anything runs; [`runner::run`]
//! executes it block by block into a [`runner::Sink`] (the Parquet store
//! of the `openmarket` crate, or a test's collector); [`layout`] cuts the
//! plan into blocks and shards.

pub mod judge;
pub mod layout;
pub mod regulated;
pub mod runner;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::concept::Concept;
use crate::config::{Config, DynamicsConfig, ModelConfig};
use crate::dynamics::games::{OpennessMarket, RaceLearning, SectorMarket};
use crate::dynamics::rules::{Context, RuleConfig, RuleKind};
use crate::dynamics::{
    Dynamics, LearningGame, Observer, RunResult, Setup, StopReason, Trajectory, distance_to_set,
    run,
};
use crate::limits::{CONFIRM_RUNS, MAX_DYNAMIC_LABS, MAX_DYNAMIC_SPECIALISTS, MAX_RUNS};
use crate::method::Method;
use crate::mip::default_backend;
use crate::openness::Regime;
use crate::openness::sector::Sector;
use crate::plan::{Plan, Point, run_seed};
use crate::race::SolveError;
use crate::race::solve::{self, Choice, Options};
use crate::regulator::optimal::{OptimalRegulation, optimal_regulation, sector_optimal_regulation};
use crate::regulator::{regulated, regulated_sector};

pub use judge::Target;
pub use layout::{Layout, Shard};
pub use regulated::RegulatorRun;

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
    /// The solution concept of this row.
    pub concept: Concept,
    /// Whether the row is (part of) the point's target.
    pub target: bool,
    /// The agents held by a `fixed` rule in the game this row solves.
    pub held: Option<String>,
    /// A QRE's temperature.
    pub temperature: Option<f64>,
    /// A logit generalist's target distribution over its grid.
    pub distribution: Option<Vec<f64>>,
    /// A sector's per-specialist outcome.
    pub sector: Option<SectorRow>,
}

/// What each specialist of a sector does at an equilibrium.
#[derive(Clone, Debug, PartialEq)]
pub struct SectorRow {
    /// How many enter.
    pub entrants: u64,
    /// Whether each enters.
    pub enters: Vec<bool>,
    /// Each one's payoff net of its entry cost (0 if it stays out).
    pub u_d: Vec<f64>,
}

/// The exact solution of one point, shared by its runs.
#[derive(Clone, Debug, PartialEq)]
pub struct PointSolution {
    /// The point's rows: its equilibria, then its target where it differs.
    pub rows: Vec<EquilibriumRow>,
    /// The pure equilibria (race) or the SPE (openness).
    pub equilibria: Vec<Vec<f64>>,
    /// Openness: the bargained (or fixed) δ the market runs at.
    pub delta: Option<f64>,
    /// What the point's runs are judged against (`None` without dynamics).
    pub target: Option<Target>,
    /// With a learning regulator: the exact optimal regulation, its
    /// runs' target.
    pub optimal: Option<OptimalRegulation>,
}

/// The race solver options a plan uses: the solver policy, the default MIP
/// backend.
fn race_options() -> Options<'static> {
    Options {
        backend: default_backend(),
        progress: None,
        formulation: Default::default(),
        time_limit: Some(std::time::Duration::from_secs(
            crate::limits::DEFAULT_MIP_SECONDS,
        )),
    }
}

/// The exact equilibria of one point — the openness game's SPE, or every
/// pure NE of a race by the solver policy ([`solve::auto`]) — and the
/// target of its runs.
pub fn solve_point(point: usize, config: &Config) -> Result<PointSolution, SolveError> {
    let row = |solver: Method, index: usize, actions: Vec<f64>| EquilibriumRow {
        point,
        solver,
        index,
        actions,
        strict: None,
        nontrivial: None,
        regime: None,
        delta: None,
        concept: Concept::PureNash,
        target: false,
        held: None,
        temperature: None,
        distribution: None,
        sector: None,
    };
    let (mut rows, equilibria, delta, target) = match &config.model {
        ModelConfig::Sector(m) => {
            let o = m.bargain();
            let actions = Sector::actions(&o);
            let rows = vec![EquilibriumRow {
                regime: Some(o.regime),
                delta: o.delta,
                concept: Concept::Spe,
                sector: Some(SectorRow {
                    entrants: o.entrants as u64,
                    enters: o.specialists.iter().map(|s| s.enters).collect(),
                    u_d: o.specialists.iter().map(|s| s.u_d).collect(),
                }),
                ..row(Method::ClosedForm, 0, actions.clone())
            }];
            let market = market_of(m, o.delta);
            let target = config
                .dynamics
                .as_ref()
                .map(|d| judge::sector(&market, &d.rules(1 + m.specialists.len())));
            // Runs are compared with the SPE profile G kept in, as in the
            // pair game (the row above shows everyone out when G exits).
            (rows, vec![market.kept_in(o.choice)], o.delta, target)
        }
        ModelConfig::Openness(g) => {
            let eq = g.solve();
            let market = OpennessMarket::new(*g, eq.delta, 1);
            let spe = market.equilibrium();
            let rows = vec![EquilibriumRow {
                regime: Some(eq.regime),
                delta: Some(eq.delta),
                concept: Concept::Spe,
                ..row(Method::ClosedForm, 0, spe.clone())
            }];
            let target = config
                .dynamics
                .as_ref()
                .map(|d| judge::market(g, eq.delta, &d.rules(2)));
            (rows, vec![spe], Some(eq.delta), target)
        }
        ModelConfig::Race(g) => {
            let sol = solve::solve(g, Choice::Auto, &race_options())?;
            let rows = sol
                .equilibria
                .iter()
                .enumerate()
                .map(|(index, e)| EquilibriumRow {
                    strict: Some(e.strict),
                    nontrivial: Some(e.nontrivial),
                    ..row(sol.solver, index, e.actions.clone())
                })
                .collect();
            let target = config
                .dynamics
                .as_ref()
                .map(|d| judge::race(g, &d.rules(g.n()), &sol.profiles(), sol.complete));
            (rows, sol.profiles(), None, target)
        }
    };
    let optimal = match (&config.model, &config.regulator) {
        (ModelConfig::Openness(g), Some(reg)) => {
            let o = optimal_regulation(g, reg.objective, &reg.search);
            let at = regulated(g, &reg.search, o.theta, o.penalty).bargain();
            rows.push(EquilibriumRow {
                regime: Some(o.regime),
                delta: Some(at.delta),
                concept: Concept::OptimalRegulation,
                target: true,
                ..row(Method::RegimeSearch, rows.len(), vec![o.theta, o.penalty])
            });
            Some(o)
        }
        (ModelConfig::Sector(m), Some(reg)) => {
            let o = sector_optimal_regulation(m, reg.objective, &reg.search);
            let at = regulated_sector(m, &reg.search, o.theta, o.penalty).spe();
            rows.push(EquilibriumRow {
                regime: Some(o.regime),
                delta: at.delta,
                concept: Concept::OptimalRegulation,
                target: true,
                ..row(Method::RegimeSearch, rows.len(), vec![o.theta, o.penalty])
            });
            Some(o)
        }
        _ => None,
    };
    if optimal.is_some() {
        // The regulator's runs are judged by the optimum alone.
    } else if let Some(t) = &target {
        if t.is_equilibria {
            for r in rows.iter_mut() {
                r.target = true;
            }
        } else if let Some(concept) = t.concept {
            let held = t.held_label(&config.model);
            let first = rows.len();
            for (k, profile) in t.profiles.iter().enumerate() {
                rows.push(EquilibriumRow {
                    concept,
                    target: true,
                    held: held.clone(),
                    temperature: t.temperature,
                    distribution: t.distribution.clone(),
                    delta,
                    ..row(t.method, first + k, profile.clone())
                });
            }
        }
    }
    Ok(PointSolution {
        rows,
        equilibria,
        delta,
        target,
        optimal,
    })
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
    /// Each agent's rule.
    pub rules: Vec<RuleKind>,
    /// Final actions (the run's outcome).
    pub actions: Vec<f64>,
    /// Final payoffs.
    pub payoffs: Vec<f64>,
    /// NashConv of the final profile (exact, in mixed strategies where the
    /// outcome is mixed; Stackelberg in the openness market).
    pub nash_conv: f64,
    /// The run's target gap stayed within tolerance for the window.
    pub converged: bool,
    /// Iterations run.
    pub iterations: u64,
    /// Why the run stopped.
    pub termination: StopReason,
    /// A deterministic run repeated a profile.
    pub cycle_detected: bool,
    /// The CCE gap of the run's play (no-regret learners).
    pub avg_regret: Option<f64>,
    /// L∞ to the nearest pure equilibrium (race) or the SPE (openness);
    /// `None` when the point has none.
    pub dist_to_equilibrium: Option<f64>,
    /// The concept the run is judged against; `None` when its agents'
    /// rules share none.
    pub target: Option<Concept>,
    /// L∞ from the run's outcome to the nearest target profile.
    pub dist_to_target: Option<f64>,
    /// The target gap at the end (NashConv, logit residual, CCE gap).
    pub target_gap: Option<f64>,
    /// Openness: the equilibrium regime of the point (with a regulator,
    /// at the optimal regulation).
    pub regime: Option<Regime>,
    /// A sector: how many specialists the run's outcome has entering.
    pub entrants: Option<u64>,
    /// A learning regulator's part.
    pub regulator: Option<RegulatorRun>,
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
    /// Its target gap.
    pub target_gap: f64,
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
/// rule fits its game, its race is within the limits and its solver
/// supports it; and, unless `confirmed`, that the plan is not above the
/// size that needs confirmation.
pub fn validate(plan: &Plan, confirmed: bool) -> Result<(), PlanError> {
    check_size(plan.points.len() as u64, plan.seeds_per_point, confirmed)?;
    if plan.seeds_per_point == 0 {
        // Solved only: nothing runs, so no rule needs checking; but every
        // race must be one the solver policy can solve, found now rather
        // than after earlier blocks are written.
        for p in &plan.points {
            let at = |message: String| PlanError::Point {
                point: p.index,
                message,
            };
            match &p.config.model {
                ModelConfig::Race(g) => {
                    solve::check(g, Choice::Auto, &race_options()).map_err(|e| at(e.to_string()))?
                }
                // Its optimal regulation solves the sector some thousand
                // times.
                ModelConfig::Sector(m)
                    if p.config.regulator.is_some()
                        && m.specialists.len() > MAX_DYNAMIC_SPECIALISTS =>
                {
                    return Err(at(format!(
                        "a regulator of {} specialists; a regulated sector takes at most {MAX_DYNAMIC_SPECIALISTS}",
                        m.specialists.len()
                    )));
                }
                _ => {}
            }
        }
        return Ok(());
    }
    for p in &plan.points {
        let at = |message: String| PlanError::Point {
            point: p.index,
            message,
        };
        let d = p
            .config
            .dynamics
            .as_ref()
            .ok_or(PlanError::NoDynamics { point: p.index })?;
        let check_rules = |game: &dyn LearningGame| -> Result<(), PlanError> {
            for (i, rule) in d.rules(game.agents()).iter().enumerate() {
                rule.check(game, i)
                    .map_err(|why| at(format!("{}: {why}", agent_name(&p.config.model, i))))?;
            }
            Ok(())
        };
        match &p.config.model {
            ModelConfig::Race(g) => {
                if g.n() > MAX_DYNAMIC_LABS {
                    return Err(at(format!(
                        "{} labs; the dynamics take at most {MAX_DYNAMIC_LABS}",
                        g.n()
                    )));
                }
                solve::check(g, Choice::Auto, &race_options()).map_err(|e| at(e.to_string()))?;
                check_rules(&RaceLearning::new(g))?;
            }
            ModelConfig::Openness(g) => check_rules(&OpennessMarket::new(*g, 0.5, 1))?,
            ModelConfig::Sector(m) => {
                if m.specialists.len() > MAX_DYNAMIC_SPECIALISTS {
                    return Err(at(format!(
                        "{} specialists; the dynamics take at most {MAX_DYNAMIC_SPECIALISTS}",
                        m.specialists.len()
                    )));
                }
                check_rules(&SectorMarket::new(m.clone(), 1))?
            }
        }
        judge::unsupported(&p.config).map_err(at)?;
    }
    Ok(())
}

/// The sector a point's runs play: at its bargained δ, if it has one.
fn market_of(m: &Sector, delta: Option<f64>) -> Sector {
    match delta {
        Some(d) => m.at_delta(d),
        None => m.clone(),
    }
}

/// How agent i of a model is named in messages.
pub fn agent_name(model: &ModelConfig, i: usize) -> String {
    match model {
        ModelConfig::Openness(_) => ["the generalist", "the specialist"][i].to_string(),
        ModelConfig::Sector(_) if i == 0 => "the generalist".to_string(),
        ModelConfig::Sector(_) => format!("specialist {}", i - 1),
        ModelConfig::Race(_) => format!("lab {i}"),
    }
}

/// One instance of each agent's rule, built for the agent's role.
pub fn instances(
    game: &dyn LearningGame,
    rules: &[RuleConfig],
    noise: f64,
) -> Vec<Box<dyn Dynamics>> {
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            r.build(&Context {
                noise,
                role: game.role(i),
            })
        })
        .collect()
}

/// A run from a random start, monomorphised over the game; with its
/// distance to the target.
fn simulate<G: LearningGame>(
    game: &G,
    d: &DynamicsConfig,
    target: &Target,
    rng: &mut ChaCha8Rng,
    observer: &mut dyn Observer,
) -> (RunResult, Option<f64>) {
    let start: Vec<f64> = (0..game.agents())
        .map(|i| game.space(i).sample(rng))
        .collect();
    let mut rules = instances(game, &d.rules(game.agents()), d.noise);
    let mut check = target.check();
    let result = run(
        game,
        &mut rules,
        start,
        Setup {
            schedule: d.schedule,
            stop: &d.termination,
            check: check.as_mut(),
        },
        rng,
        observer,
    );
    let distance = target.distance(&result.actions, &rules);
    (result, distance)
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
    let regulated_model = match &point.config.model {
        ModelConfig::Openness(g) => Some(regulated::Regulated::Pair(g)),
        ModelConfig::Sector(m) => Some(regulated::Regulated::Sector(m)),
        ModelConfig::Race(_) => None,
    };
    if let (Some(model), Some(reg)) = (regulated_model, &point.config.regulator) {
        return regulated::run(
            model,
            reg,
            d,
            solution,
            (point.index, replicate, seed),
            &mut rng,
            trajectory_every,
        );
    }
    let target = solution
        .target
        .as_ref()
        .expect("a point with dynamics has a target");
    let (result, distance) = match &point.config.model {
        ModelConfig::Race(g) => simulate(&RaceLearning::new(g), d, target, &mut rng, observer),
        ModelConfig::Openness(g) => simulate(
            &OpennessMarket::new(*g, solution.delta.expect("openness has δ"), d.leader_every),
            d,
            target,
            &mut rng,
            observer,
        ),
        ModelConfig::Sector(m) => simulate(
            &SectorMarket::new(market_of(m, solution.delta), d.leader_every),
            d,
            target,
            &mut rng,
            observer,
        ),
    };
    let entrants = matches!(point.config.model, ModelConfig::Sector(_))
        .then(|| result.actions[1..].iter().filter(|&&a| a > 0.0).count() as u64);
    let n = result.actions.len();
    let exists = target.exists();
    let row = RunRow {
        point: point.index,
        replicate,
        seed,
        rules: d.rules(n).iter().map(RuleConfig::kind).collect(),
        dist_to_equilibrium: (!solution.equilibria.is_empty())
            .then(|| distance_to_set(&result.actions, &solution.equilibria)),
        target: target.concept,
        dist_to_target: distance.filter(|_| exists),
        target_gap: target.concept.map(|_| result.gap),
        avg_regret: (target.concept == Some(Concept::Cce)).then_some(result.gap),
        actions: result.actions,
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
