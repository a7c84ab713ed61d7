//! The rows of an experiment's tables, as the core produces them: a
//! point's exact solution ([`PointSolution`], its [`EquilibriumRow`]s) and
//! each run's [`RunRow`] and [`TrajectoryRow`]s. The output crate turns
//! them into Parquet columns; each family fills the columns it has.

use crate::concept::Concept;
use crate::dynamics::StopReason;
use crate::dynamics::rate::{Rate, Theory};
use crate::dynamics::rules::RuleKind;
use crate::judge::Target;
use crate::method::Method;
use crate::openness::Regime;
use crate::openness::regulator::ObjectiveKind;
use crate::openness::regulator::optimal::OptimalRegulation;
use crate::openness::regulator::rules::RegulatorRule;
use crate::race::solve::Status;

/// One equilibrium of one point.
#[derive(Clone, Debug, PartialEq)]
pub struct EquilibriumRow {
    /// The point.
    pub point: usize,
    /// How it was found.
    pub solver: Method,
    /// Its index among the point's equilibria.
    pub index: usize,
    /// The profile in the dynamics' coordinates: labs' actions, or (ω, α1);
    /// a normal-form game's strategy indices, `None` for a player that
    /// mixes (its probabilities are in `strategies`).
    pub actions: Vec<Option<f64>>,
    /// A finite game: each agent's mixed strategy (one-hot where pure).
    pub strategies: Option<Vec<Vec<f64>>>,
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
    /// A race solved for `[solve] question = "exists"` or `"count"`: the
    /// point's answer (its one row).
    pub answer: Option<AnswerRow>,
    /// The openness market's welfare at the SPE (what `solve` prints).
    pub welfare: Option<WelfareRow>,
}

/// The openness SPE's welfare diagnostics, as `solve` prints them, so a
/// sweep's equilibria can be analysed for them.
#[derive(Clone, Debug, PartialEq)]
pub struct WelfareRow {
    /// Each agent's payoff: (U_G, U_D) for the pair, (U_G, U_D¹, …) for a
    /// sector, as the runs' `payoffs`.
    pub payoffs: Vec<f64>,
    /// The penalty G pays.
    pub penalty_paid: f64,
    /// U_G + every U_D + the penalty (a transfer to the regulator).
    pub total_surplus: f64,
    /// G's openness without regulation, at the equilibrium δ.
    pub omega_unregulated: f64,
    /// Regulation leaves G and D at least as well off as unregulated, one
    /// strictly (the pair under regulation; `None` otherwise).
    pub pareto_improvement: Option<bool>,
}

/// A race point's answer to the existence or counting question
/// (`[solve] question`), as `solve --json` prints it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnswerRow {
    /// `exists`: whether a non-trivial pure NE exists; `None` when unknown.
    pub nontrivial_exists: Option<bool>,
    /// `count`: how many pure NE; `None` when unknown or not asked.
    pub count: Option<u64>,
    /// `count`: how many of them are non-trivial.
    pub nontrivial_count: Option<u64>,
    /// How certain the answer is.
    pub status: Status,
}

impl EquilibriumRow {
    /// A pure Nash row of `point`, found by `solver`, with nothing else set.
    pub fn new(point: usize, solver: Method, index: usize, actions: Vec<f64>) -> Self {
        EquilibriumRow {
            point,
            solver,
            index,
            actions: actions.into_iter().map(Some).collect(),
            strategies: None,
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
            answer: None,
            welfare: None,
        }
    }
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
    /// A finite game: each agent's mixed strategy at the end (its rule's
    /// distribution where the rule's outcome is mixed, else its action
    /// one-hot).
    pub strategies: Option<Vec<Vec<f64>>>,
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
    /// The target gap at t = 1, 2, 4, … (a regulator: its objective gap
    /// after steps 1, 2, 4, …).
    pub gap_checkpoints: Vec<f64>,
    /// The convergence statistic theory names for the run's rules, fitted
    /// to the checkpoints; `None` without a target.
    pub rate: Option<Rate>,
    /// What theory says of that statistic for the run's slowest rule.
    pub theory: Option<Theory>,
    /// The first iteration after which the target gap stayed within tol;
    /// `None` if it ended above.
    pub epsilon_time: Option<u64>,
    /// Where the point has target rows: the `index` of the one the run
    /// ended nearest (L∞), when it converged (its gap stayed within the
    /// tolerance: within that equilibrium's); `None` otherwise, and for
    /// the CCE, whose converged play need not be near any listed profile.
    pub reached: Option<u64>,
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
