//! The agent-based layer (docs/model.md §C): agents repeatedly adjust their
//! actions by an update rule, under a schedule, until a runner stops them.
//!
//! The split follows argmin: a [`LearningGame`] is the problem, a
//! [`Dynamics`] is the solver (one instance per agent; the rules are in
//! [`rules`]), and [`run`] is the executor that owns the schedule,
//! termination and observation. Every run draws from its own ChaCha
//! stream, so results do not depend on threads or scheduling.

pub mod games;
pub mod rules;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

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

/// A game as its learning agents see it. Implementations must not allocate
/// in `payoff` or `best_response`: these are the hot path of every run.
pub trait LearningGame: Sync {
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
    /// One agent per iteration, in turn.
    RoundRobin,
    /// Everyone, one after another, in a fresh random order each iteration.
    RandomOrder,
}

/// An update rule's state for one agent: how that agent chooses its next
/// action. Every agent of a run has its own instance, built from its
/// [`rules::RuleConfig`].
pub trait Dynamics {
    /// Prepare per-run state (e.g. Hedge weights) for agent `me` at the
    /// initial profile.
    fn init(
        &mut self,
        _game: &dyn LearningGame,
        _me: usize,
        _profile: &[f64],
        _rng: &mut ChaCha8Rng,
    ) {
    }
    /// Agent `me`'s next action, given the current profile.
    fn update(
        &mut self,
        game: &dyn LearningGame,
        me: usize,
        profile: &[f64],
        t: u64,
        rng: &mut ChaCha8Rng,
    ) -> f64;
    /// Learn from the profile played at the end of an iteration.
    fn observe(
        &mut self,
        _game: &dyn LearningGame,
        _me: usize,
        _profile: &[f64],
        _rng: &mut ChaCha8Rng,
    ) {
    }
    /// This agent's average regret so far, for no-regret learners.
    fn avg_regret(&self) -> Option<f64> {
        None
    }
    /// Whether the next action is a fixed function of the current profile
    /// (no randomness, no memory): then a repeated profile proves a cycle.
    fn deterministic(&self) -> bool {
        false
    }
    /// What this agent's play converges in, if not its current action
    /// (fictitious play: its empirical average).
    fn outcome(&self) -> Option<f64> {
        None
    }
}

/// When a run stops.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Termination {
    /// Stop after this many iterations.
    pub max_iterations: u64,
    /// Converged when NashConv ≤ tol ...
    pub tol: f64,
    /// ... for this many consecutive iterations.
    pub window: u64,
    /// Stop at the first repeated profile of a deterministic rule on a
    /// finite game.
    pub stop_on_cycle: bool,
}

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, strum::IntoStaticStr, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum StopReason {
    /// NashConv stayed within tolerance for the window.
    Converged,
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
    /// The run stopped because it converged.
    pub converged: bool,
    /// Iterations run.
    pub iterations: u64,
    /// Why it stopped.
    pub reason: StopReason,
    /// It stopped on a repeated profile.
    pub cycle_detected: bool,
    /// The largest agent's average regret (no-regret learners).
    pub avg_regret: Option<f64>,
}

/// Called every iteration; records what it wants (e.g. every k-th profile).
pub trait Observer {
    /// Iteration `t` ended at `profile`, with this NashConv.
    fn observe(&mut self, t: u64, profile: &[f64], nash_conv: f64);
}

impl Observer for () {
    fn observe(&mut self, _: u64, _: &[f64], _: f64) {}
}

/// Keeps every `every`-th profile and its NashConv.
pub struct Trajectory {
    /// Keep iterations t with t mod every = 0.
    pub every: u64,
    /// (iteration, profile, NashConv).
    pub points: Vec<(u64, Vec<f64>, f64)>,
}

impl Observer for Trajectory {
    fn observe(&mut self, t: u64, profile: &[f64], nash_conv: f64) {
        if t.is_multiple_of(self.every) {
            self.points.push((t, profile.to_vec(), nash_conv));
        }
    }
}

/// Run one seeded trajectory from `start` until `stop` says so; agent i
/// moves by `rules[i]`.
pub fn run<G, O>(
    game: &G,
    rules: &mut [Box<dyn Dynamics>],
    schedule: Schedule,
    start: Vec<f64>,
    stop: &Termination,
    rng: &mut ChaCha8Rng,
    observer: &mut O,
) -> RunResult
where
    G: LearningGame + AsDynGame + ?Sized,
    O: Observer + ?Sized,
{
    let dyn_game = game.as_dyn();
    let n = game.agents();
    assert_eq!(rules.len(), n, "one rule instance per agent");
    let mut profile = start;
    let mut next = profile.clone();
    let mut judged = profile.clone();
    let mut order: Vec<usize> = (0..n).collect();
    for (i, rule) in rules.iter_mut().enumerate() {
        rule.init(dyn_game, i, &profile, rng);
    }
    let finite = (0..n).all(|i| matches!(game.space(i), Space::Grid(_)));
    // A repeated profile proves a cycle only if nothing random drives the
    // run: deterministic rules on a finite game with a fixed order.
    let detect_cycles = stop.stop_on_cycle
        && finite
        && rules.iter().all(|r| r.deterministic())
        && schedule != Schedule::RandomOrder;
    let mut seen = std::collections::HashSet::new();
    let mut below = 0;
    let mut nash_conv = game.nash_conv(&profile);
    let mut reason = StopReason::MaxIterations;
    let mut t = 0;
    while t < stop.max_iterations {
        t += 1;
        match schedule {
            Schedule::Simultaneous => {
                for (i, rule) in rules.iter_mut().enumerate() {
                    next[i] = if game.active(i, t) {
                        rule.update(dyn_game, i, &profile, t, rng)
                    } else {
                        profile[i]
                    };
                }
                std::mem::swap(&mut profile, &mut next);
            }
            Schedule::RoundRobin => {
                let i = ((t - 1) % n as u64) as usize;
                if game.active(i, t) {
                    profile[i] = rules[i].update(dyn_game, i, &profile, t, rng);
                }
            }
            Schedule::RandomOrder => {
                // Fisher–Yates on the reused buffer: no allocation.
                for k in (1..n).rev() {
                    order.swap(k, rng.random_range(0..=k));
                }
                for &i in &order {
                    if game.active(i, t) {
                        profile[i] = rules[i].update(dyn_game, i, &profile, t, rng);
                    }
                }
            }
        }
        for (i, rule) in rules.iter_mut().enumerate() {
            rule.observe(dyn_game, i, &profile, rng);
            judged[i] = rule.outcome().unwrap_or(profile[i]);
        }
        nash_conv = game.nash_conv(&judged);
        observer.observe(t, &judged, nash_conv);
        if !nash_conv.is_finite() || profile.iter().any(|a| !a.is_finite()) {
            reason = StopReason::NonFinite;
            break;
        }
        below = if nash_conv <= stop.tol { below + 1 } else { 0 };
        if below >= stop.window {
            reason = StopReason::Converged;
            break;
        }
        // Only deterministic rules on finite games: the key is exact.
        if detect_cycles && nash_conv > stop.tol {
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
    let avg_regret = rules
        .iter()
        .filter_map(|r| r.avg_regret())
        .reduce(|a, b| a.max(b))
        .map(|worst| worst.max(0.0));
    RunResult {
        converged: reason == StopReason::Converged,
        cycle_detected: reason == StopReason::Cycle,
        actions: profile,
        payoffs,
        nash_conv,
        iterations: t,
        reason,
        avg_regret,
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
