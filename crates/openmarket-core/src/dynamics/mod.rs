//! The agent-based layer (docs/model.md §C): agents repeatedly adjust their
//! actions by an update rule, under a schedule, until a runner stops them.
//!
//! The split follows argmin: a [`LearningGame`] is the problem, a
//! [`Dynamics`] is the solver (one instance per agent; the rules are in
//! [`rules`]), and [`run`] is the executor that owns the schedule,
//! termination and observation. Every run draws from its own ChaCha
//! stream, so results do not depend on threads or scheduling.

pub mod rate;
pub mod rules;
mod view;

pub use view::{Formula, Leader, View};

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::concept::Concept;
use crate::math::Poly3;

/// An agent's action set.
#[derive(Clone, Debug, PartialEq)]
pub enum Space {
    /// A closed interval [lo, hi].
    Interval(f64, f64),
    /// Finitely many actions (ascending).
    Grid(Vec<f64>),
}

impl Space {
    /// A uniform random action.
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> f64 {
        match self {
            Space::Interval(lo, hi) => rng.random_range(*lo..=*hi),
            Space::Grid(g) => g[rng.random_range(0..g.len())],
        }
    }

    /// The nearest action to `a`.
    pub fn project(&self, a: f64) -> f64 {
        match self {
            Space::Interval(lo, hi) => a.clamp(*lo, *hi),
            Space::Grid(g) => *g
                .iter()
                .min_by(|x, y| (*x - a).abs().total_cmp(&(*y - a).abs()))
                .expect("non-empty grid"),
        }
    }

    /// The actions a finite-action rule (logit, Hedge) chooses among: the
    /// grid itself, or `points` evenly spaced points of an interval.
    pub fn points(&self, points: usize) -> Vec<f64> {
        match self {
            Space::Grid(g) => g.clone(),
            Space::Interval(lo, hi) => (0..points)
                .map(|k| lo + (hi - lo) * k as f64 / (points - 1).max(1) as f64)
                .collect(),
        }
    }
}

/// What an agent observes, which decides the rules it may follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A player of a simultaneous game: it sees the others' actions and
    /// knows its own payoff formula, so it can evaluate any action.
    Simultaneous {
        /// Its actions are labels (a normal-form game's strategy indices),
        /// so an average of actions means nothing: rules that track play
        /// keep a distribution over the actions instead. False where
        /// actions are numbers (the race's 0/1, whose average is the
        /// probability of opening).
        labels: bool,
    },
    /// A market's generalist: it announces first and sees only its
    /// followers' responses and its own realised payoff, so it cannot
    /// evaluate an action it did not play.
    Leader {
        /// Its followers may stay out (a sector): it sees whether each
        /// entered, and must learn where.
        entry: bool,
    },
    /// A market's specialist: it sees the leader's action before it moves,
    /// so it has nothing to form beliefs about.
    Follower {
        /// It may stay out (α1 = 0, in a sector), so its payoff jumps where
        /// it enters.
        entry: bool,
    },
}

impl Role {
    /// Whether the agent announces first and cannot evaluate an action it
    /// did not play.
    pub fn is_leader(self) -> bool {
        matches!(self, Role::Leader { .. })
    }

    /// Whether the agent is a follower that may stay out.
    pub fn is_entrant(self) -> bool {
        self == Role::Follower { entry: true }
    }
}

/// A leader's model of one follower, fitted to what it observed: the
/// follower takes part at ω ≥ `from` (always, for the pair's specialist)
/// and then answers `response(ω)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fitted {
    /// The least ω at which the follower is modelled to enter.
    pub from: f64,
    /// Its modelled response there.
    pub response: Poly3,
}

/// A game as its learning agents see it. Implementations must not allocate
/// in `payoff` or `best_response`: these are the hot path of every run.
/// Not `Sync`: each run owns its game, which may cache what it computed
/// for the last profile (the race's progress vector).
pub trait LearningGame {
    /// The number of agents.
    fn agents(&self) -> usize;
    /// Agent i's action set.
    fn space(&self, i: usize) -> &Space;
    /// u_i when agent i plays `a` and the others play `profile` (its own
    /// entry is ignored).
    fn payoff(&self, i: usize, a: f64, profile: &[f64]) -> f64;
    /// The exact best response of agent i to `profile`.
    fn best_response(&self, i: usize, profile: &[f64]) -> f64;
    /// ∂u_i/∂a_i, by a central difference unless the game knows better.
    fn gradient(&self, i: usize, profile: &[f64]) -> f64 {
        let h = 1e-6;
        let a = profile[i];
        (self.payoff(i, a + h, profile) - self.payoff(i, a - h, profile)) / (2.0 * h)
    }
    /// Two timescales: whether agent i may update at iteration t (1-based).
    fn active(&self, _i: usize, _t: u64) -> bool {
        true
    }
    /// What agent i observes (docs/model.md §C): everyone's actions in a
    /// simultaneous game; in the openness market, the leader G sees only
    /// its follower's response and its own realised payoff.
    fn role(&self, _i: usize) -> Role {
        Role::Simultaneous { labels: false }
    }
    /// A leader's best action, by its own payoff formula, when it models
    /// its followers as `followers` (one per follower, in agent order);
    /// `None` for an agent that leads no one.
    fn leader_response(&self, _i: usize, _followers: &[Fitted]) -> Option<f64> {
        None
    }
    /// u_i(a, σ₋ᵢ) for each action a of agent i against the others' mixed
    /// strategies `sigma` (agent i's own entry ignored), into `out`; false
    /// when the game does not offer them (a game whose players' actions are labels must).
    fn expected_payoffs(&self, _i: usize, _sigma: &crate::finite::Mixed, _out: &mut [f64]) -> bool {
        false
    }
    /// Agent i's largest gain from a unilateral deviation.
    fn max_gain(&self, i: usize, profile: &[f64]) -> f64 {
        let br = self.best_response(i, profile);
        (self.payoff(i, br, profile) - self.payoff(i, profile[i], profile)).max(0.0)
    }
    /// NashConv: Σ_i max_gain.
    fn nash_conv(&self, profile: &[f64]) -> f64 {
        (0..self.agents()).map(|i| self.max_gain(i, profile)).sum()
    }
}

/// `&G` as `&dyn LearningGame`, for concrete games and for `dyn` itself, so
/// that `run` can be monomorphised over the game (the per-iteration NashConv
/// then inlines) while rules keep taking `&dyn LearningGame`.
pub trait AsDynGame {
    /// The game as a trait object.
    fn as_dyn(&self) -> &dyn LearningGame;
}

impl<T: LearningGame> AsDynGame for T {
    fn as_dyn(&self) -> &dyn LearningGame {
        self
    }
}

impl AsDynGame for dyn LearningGame + '_ {
    fn as_dyn(&self) -> &dyn LearningGame {
        self
    }
}

/// `[dynamics]`: the update rules, schedule and termination of every run.
#[derive(Clone, Debug, PartialEq)]
pub struct DynamicsConfig {
    /// The rule of every agent without its own table.
    pub rule: rules::RuleConfig,
    /// (agent, rule) for the agents with their own table, by agent index
    /// (openness: 0 = generalist, 1 = specialist; a sector: 1 + the
    /// specialist's index; race: the lab).
    pub agents: Vec<(usize, rules::RuleConfig)>,
    /// A sector: the rule of every specialist without its own table
    /// (`[dynamics.specialist]`).
    pub followers: Option<rules::RuleConfig>,
    /// The order of updates within an iteration.
    pub schedule: Schedule,
    /// When a run stops (`stop` resolved: stationary unless set; `tol` as
    /// set, else a pure equilibrium's; see [`DynamicsConfig::termination_for`]).
    pub termination: Termination,
    /// `[dynamics] tol` as the config sets it: it wins over every concept's
    /// default.
    pub tol: Option<f64>,
    /// `[dynamics] stop` as the config sets it; a regulator's markets stop
    /// when stationary unless it is set.
    pub stop: Option<StopRule>,
    /// σ of the observation noise on payoffs (logit, Hedge).
    pub noise: f64,
    /// σ of the observation noise on the followers' responses a leader
    /// sees (G's best response, which fits them).
    pub response_noise: f64,
    /// Openness market: G moves every k-th iteration (two timescales).
    pub leader_every: u64,
}

impl DynamicsConfig {
    /// Agent i's rule.
    pub fn rule_of(&self, i: usize) -> rules::RuleConfig {
        self.agents
            .iter()
            .find(|(a, _)| *a == i)
            .map(|(_, r)| *r)
            .or(self.followers.filter(|_| i > 0))
            .unwrap_or(self.rule)
    }

    /// When a run judged against `concept` stops: the user's `tol`, else
    /// the concept's default ([`Concept::default_tol`]).
    pub fn termination_for(&self, concept: Option<Concept>) -> Termination {
        Termination {
            tol: self
                .tol
                .or(concept.map(Concept::default_tol))
                .unwrap_or(self.termination.tol),
            ..self.termination
        }
    }

    /// Every agent's rule, for a game of `agents` agents.
    pub fn rules(&self, agents: usize) -> Vec<rules::RuleConfig> {
        (0..agents).map(|i| self.rule_of(i)).collect()
    }

    /// Whether every agent's rule can drive its agent of `game`; the error
    /// names the agent (by `name`) and the rule, and says why not.
    pub fn check_rules(
        &self,
        game: &dyn LearningGame,
        name: impl Fn(usize) -> String,
    ) -> Result<(), String> {
        for (i, rule) in self.rules(game.agents()).iter().enumerate() {
            rule.check(game, i)
                .map_err(|why| format!("{}: {why}", name(i)))?;
        }
        Ok(())
    }
}

/// The order in which agents update within one iteration.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::AsRefStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Schedule {
    /// Everyone responds to the same profile; updates apply together.
    #[default]
    Simultaneous,
    /// Everyone, one after another in index order, each seeing the moves
    /// made before it (the openness market's stage order: G, then D).
    Sequential,
    /// One agent per iteration, in turn.
    RoundRobin,
    /// Everyone, one after another, in a fresh random order each iteration.
    RandomOrder,
}

/// An update rule's state for one agent: how that agent chooses its next
/// action. Every agent of a run has its own instance, built from its
/// [`rules::RuleConfig`].
pub trait Dynamics {
    /// Prepare per-run state (e.g. Hedge weights) at the initial profile.
    fn init(&mut self, _view: &View, _profile: &[f64], _rng: &mut ChaCha8Rng) {}
    /// The agent's next action, given the current profile.
    fn update(&mut self, view: &View, profile: &[f64], t: u64, rng: &mut ChaCha8Rng) -> f64;
    /// Learn from the profile played at the end of an iteration.
    fn observe(&mut self, _view: &View, _profile: &[f64], _rng: &mut ChaCha8Rng) {}
    /// Whether the next action is a fixed function of the current profile
    /// (no randomness, no memory): then a repeated profile proves a cycle.
    fn deterministic(&self) -> bool {
        false
    }
    /// Whether a window of unchanged play means the agent has settled:
    /// false for a rule that samples its action (Hedge, EXP3, a sampled
    /// logit, ε-greedy, best response with inertia), which can repeat an
    /// action by chance. A run with such an agent is never stopped as
    /// stationary: it runs its budget.
    fn settles(&self) -> bool {
        true
    }
    /// What this agent's play converges in, if not its current action:
    /// fictitious play's and Hedge's empirical frequency, a no-regret
    /// leader's modal action, a zeroth-order agent's centre.
    fn outcome(&self) -> Option<f64> {
        None
    }
    /// The agent's mixed strategy over its finite actions, if it keeps one
    /// (a leader's logit over estimated payoffs, a follower's last logit
    /// response).
    fn distribution(&self) -> Option<&[f64]> {
        None
    }
}

/// The convergence measure of a run: how far its judged profile is from
/// the rules' target (docs/model.md §C), computed every iteration.
pub trait Check {
    /// The profile actually played at the end of an iteration.
    fn observe(&mut self, _game: &dyn LearningGame, _played: &[f64]) {}
    /// The target gap of `judged` (every agent's outcome): 0 at the target.
    fn gap(&self, game: &dyn LearningGame, judged: &[f64], rules: &[Box<dyn Dynamics>]) -> f64;
}

/// The plain check: NashConv of the judged profile.
pub struct NashConvCheck;

impl Check for NashConvCheck {
    fn gap(&self, game: &dyn LearningGame, judged: &[f64], _: &[Box<dyn Dynamics>]) -> f64 {
        game.nash_conv(judged)
    }
}

/// What ends a run before its iteration budget (`[dynamics] stop`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum StopRule {
    /// The judge's target gap stays within tol for `window` iterations:
    /// the equilibrium decides when the run ends. Only when a config asks
    /// for it (throughput comparisons): the target is the answer the run
    /// is checked against, and no agent observes it.
    AtTarget,
    /// No agent's played action, and no agent's outcome (its average,
    /// its modal action), moves by more than the stationarity tolerance
    /// for `window` iterations: what the agents themselves see. Only when
    /// no rule samples its action ([`Dynamics::settles`]); otherwise the
    /// budget. The default.
    #[default]
    Stationary,
    /// Nothing but the iteration budget (and a deterministic run's
    /// repeated profile).
    Budget,
}

/// When a run stops.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Termination {
    /// Stop after this many iterations.
    pub max_iterations: u64,
    /// Converged when the target gap ≤ tol ...
    pub tol: f64,
    /// Stationary when no action or outcome moves by more than this.
    pub still: f64,
    /// ... for this many consecutive iterations.
    pub window: u64,
    /// Stop at the first repeated profile of a deterministic rule on a
    /// finite game.
    pub stop_on_cycle: bool,
    /// What else ends the run early.
    pub stop: StopRule,
}

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, strum::IntoStaticStr, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum StopReason {
    /// NashConv stayed within tolerance for the window.
    Converged,
    /// No agent's action moved by more than tol for the window
    /// ([`StopRule::Stationary`]).
    Stationary,
    /// The iteration budget ran out.
    MaxIterations,
    /// A deterministic run repeated a profile.
    Cycle,
    /// An action or NashConv became NaN or infinite.
    NonFinite,
}

/// What one run ends with.
#[derive(Clone, Debug, PartialEq)]
pub struct RunResult {
    /// The final profile (each agent's outcome, e.g. its empirical average).
    pub actions: Vec<f64>,
    /// Each agent's payoff there.
    pub payoffs: Vec<f64>,
    /// NashConv of the final profile.
    pub nash_conv: f64,
    /// The check's target gap at the end.
    pub gap: f64,
    /// Its target gap stayed within tolerance for the last `window`
    /// iterations (whatever stopped it).
    pub converged: bool,
    /// Iterations run.
    pub iterations: u64,
    /// Why it stopped.
    pub reason: StopReason,
    /// It stopped on a repeated profile.
    pub cycle_detected: bool,
    /// The target gap at t = 1, 2, 4, … (up to the last iteration).
    pub checkpoints: Vec<f64>,
    /// The first iteration after which the target gap stayed within tol
    /// to the end (0: from the start); `None` if it ended above tol.
    pub epsilon_time: Option<u64>,
    /// What theory says of the run's slowest learning agent (set by whoever
    /// knows the rules' roles: `judge::simulate`).
    pub theory: Option<rate::Theory>,
}

/// Called every iteration; records what it wants (e.g. every k-th profile).
pub trait Observer {
    /// Iteration `t` ended at `profile` (the judged outcomes), with this
    /// target gap.
    fn observe(&mut self, t: u64, profile: &[f64], gap: f64);
}

impl Observer for () {
    fn observe(&mut self, _: u64, _: &[f64], _: f64) {}
}

/// Keeps every `every`-th profile and its target gap.
pub struct Trajectory {
    /// Keep iterations t with t mod every = 0.
    pub every: u64,
    /// (iteration, profile, target gap).
    pub points: Vec<(u64, Vec<f64>, f64)>,
}

impl Observer for Trajectory {
    fn observe(&mut self, t: u64, profile: &[f64], gap: f64) {
        if t.is_multiple_of(self.every) {
            self.points.push((t, profile.to_vec(), gap));
        }
    }
}

/// What one run needs besides its game and rules.
pub struct Setup<'a> {
    /// The order of updates.
    pub schedule: Schedule,
    /// When to stop.
    pub stop: &'a Termination,
    /// The convergence measure.
    pub check: &'a mut dyn Check,
}

/// Run one seeded trajectory from `start` until `stop` says so; agent i
/// moves by `rules[i]`.
pub fn run<G, O>(
    game: &G,
    rules: &mut [Box<dyn Dynamics>],
    start: Vec<f64>,
    setup: Setup,
    rng: &mut ChaCha8Rng,
    observer: &mut O,
) -> RunResult
where
    G: LearningGame + AsDynGame + ?Sized,
    O: Observer + ?Sized,
{
    let Setup {
        schedule,
        stop,
        check,
    } = setup;
    let dyn_game = game.as_dyn();
    let n = game.agents();
    assert_eq!(rules.len(), n, "one rule instance per agent");
    let mut profile = start;
    let mut next = profile.clone();
    let mut judged = profile.clone();
    let mut order: Vec<usize> = (0..n).collect();
    // The rules see the game only through their agent's view.
    let views: Vec<View> = (0..n).map(|i| View::new(dyn_game, i)).collect();
    for (rule, view) in rules.iter_mut().zip(&views) {
        rule.init(view, &profile, rng);
    }
    let finite = (0..n).all(|i| matches!(game.space(i), Space::Grid(_)));
    // A repeated profile proves a cycle only if nothing random drives the
    // run: deterministic rules on a finite game with a fixed order.
    let detect_cycles = stop.stop_on_cycle
        && finite
        && rules.iter().all(|r| r.deterministic())
        && schedule != Schedule::RandomOrder;
    let mut seen = std::collections::HashSet::new();
    // Stationary play proves nothing when a rule samples its action.
    let can_settle = rules.iter().all(|r| r.settles());
    let mut below = 0;
    // Iterations in a row in which no played action moved by more than tol.
    let mut still = 0;
    let mut last = profile.clone();
    let mut last_judged = profile.clone();
    let mut gap = check.gap(dyn_game, &profile, rules);
    // The last iteration whose gap was above tol (t = 0: the start).
    let mut above = (gap > stop.tol).then_some(0);
    let mut checkpoints = Vec::with_capacity(64);
    let mut reason = StopReason::MaxIterations;
    let mut t = 0;
    while t < stop.max_iterations {
        t += 1;
        match schedule {
            Schedule::Simultaneous => {
                for (i, rule) in rules.iter_mut().enumerate() {
                    next[i] = if game.active(i, t) {
                        rule.update(&views[i], &profile, t, rng)
                    } else {
                        profile[i]
                    };
                }
                std::mem::swap(&mut profile, &mut next);
            }
            Schedule::Sequential => {
                for (i, rule) in rules.iter_mut().enumerate() {
                    if game.active(i, t) {
                        profile[i] = rule.update(&views[i], &profile, t, rng);
                    }
                }
            }
            Schedule::RoundRobin => {
                let i = ((t - 1) % n as u64) as usize;
                if game.active(i, t) {
                    profile[i] = rules[i].update(&views[i], &profile, t, rng);
                }
            }
            Schedule::RandomOrder => {
                // Fisher–Yates on the reused buffer: no allocation.
                for k in (1..n).rev() {
                    order.swap(k, rng.random_range(0..=k));
                }
                for &i in &order {
                    if game.active(i, t) {
                        profile[i] = rules[i].update(&views[i], &profile, t, rng);
                    }
                }
            }
        }
        check.observe(dyn_game, &profile);
        for (i, rule) in rules.iter_mut().enumerate() {
            rule.observe(&views[i], &profile, rng);
            judged[i] = rule.outcome().unwrap_or(profile[i]);
        }
        gap = check.gap(dyn_game, &judged, rules);
        observer.observe(t, &judged, gap);
        if rate::is_checkpoint(t) {
            checkpoints.push(gap);
        }
        if gap > stop.tol || gap.is_nan() {
            above = Some(t);
        }
        if !gap.is_finite() || profile.iter().any(|a| !a.is_finite()) {
            reason = StopReason::NonFinite;
            break;
        }
        below = if gap <= stop.tol { below + 1 } else { 0 };
        let moved = profile
            .iter()
            .zip(&last)
            .chain(judged.iter().zip(&last_judged))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        still = if moved <= stop.still { still + 1 } else { 0 };
        last.copy_from_slice(&profile);
        last_judged.copy_from_slice(&judged);
        match stop.stop {
            StopRule::AtTarget if below >= stop.window => {
                reason = StopReason::Converged;
                break;
            }
            StopRule::Stationary if can_settle && still >= stop.window => {
                reason = StopReason::Stationary;
                break;
            }
            _ => {}
        }
        // Only deterministic rules on finite games: the key is exact. A
        // profile that did not move is a fixed point, not a cycle: past the
        // target (which only the at-target stop may read) or, for the other
        // stops, when nothing moved.
        let fixed = match stop.stop {
            StopRule::AtTarget => gap <= stop.tol,
            _ => moved == 0.0,
        };
        if detect_cycles && !fixed {
            let phase = if schedule == Schedule::RoundRobin {
                t % n as u64
            } else {
                0
            };
            // A mixed-radix index of the profile: no allocation per
            // iteration; profiles too large for 128 bits are boxed.
            let key = match grid_index(dyn_game, &profile) {
                Some(k) => ProfileKey::Index(k),
                None => ProfileKey::Bits(profile.iter().map(|a| a.to_bits()).collect()),
            };
            if !seen.insert((key, phase)) {
                reason = StopReason::Cycle;
                break;
            }
        }
    }
    for (i, rule) in rules.iter().enumerate() {
        profile[i] = rule.outcome().unwrap_or(profile[i]);
    }
    let payoffs = (0..n)
        .map(|i| game.payoff(i, profile[i], &profile))
        .collect();
    RunResult {
        converged: below >= stop.window,
        cycle_detected: reason == StopReason::Cycle,
        checkpoints,
        theory: None,
        epsilon_time: match above {
            None => Some(0),
            Some(a) if a < t => Some(a + 1),
            Some(_) => None,
        },
        nash_conv: game.nash_conv(&profile),
        actions: profile,
        payoffs,
        gap,
        iterations: t,
        reason,
    }
}

#[derive(Hash, PartialEq, Eq)]
enum ProfileKey {
    Index(u128),
    Bits(Vec<u64>),
}

/// The profile's position in the product of the agents' grids, if every
/// action is a grid point and the product fits in 128 bits.
fn grid_index(game: &dyn LearningGame, profile: &[f64]) -> Option<u128> {
    let mut key: u128 = 0;
    for (i, a) in profile.iter().enumerate() {
        let Space::Grid(g) = game.space(i) else {
            return None;
        };
        let k = g.iter().position(|v| v == a)?;
        key = key.checked_mul(g.len() as u128)?.checked_add(k as u128)?;
    }
    Some(key)
}

/// L∞ distance from `x` to the nearest profile of `set` (∞ if it is empty).
pub fn distance_to_set(x: &[f64], set: &[Vec<f64>]) -> f64 {
    set.iter()
        .map(|e| {
            e.iter()
                .zip(x)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max)
        })
        .fold(f64::INFINITY, f64::min)
}

/// A standard normal draw (Box–Muller), for observation noise.
pub fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
    let u2: f64 = rng.random_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
