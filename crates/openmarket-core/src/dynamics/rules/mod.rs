//! Update rules (docs/model.md §C), one module each.
//!
//! A rule is a parameter type that implements [`Rule`]: it declares the
//! parameters it reads (with ranges and defaults), which agents it can
//! drive (what it needs to observe, and of the action set), the solution
//! concept it is judged against, and builds one [`Dynamics`] instance per
//! agent. The `rules!` list below is the only other place a rule is named:
//! adding a rule means one new module and one line there.
//!
//! Information (docs/model.md §C): a rule sees the game only through
//! its agent's [`View`]: its realised payoff, and its own payoff formula at
//! the actions it observes (a leader's: against the followers it fitted).
//! The view holds the game privately, so a rule cannot ask for a gain, a
//! target or another agent's payoff. A leader (the openness
//! market's generalist) cannot evaluate an action it did not play, so only
//! rules that learn from realised payoffs, or that model the follower's
//! observed response, drive it.

pub mod best_response;
pub mod epsilon_greedy;
pub mod exp3;
pub mod fictitious_play;
pub mod fixed;
pub mod gradient;
pub mod hedge;
pub mod logit;
pub mod mean_response;
pub mod zeroth_order;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::rate::{RateKind, Theory};
use super::{Dynamics, Formula, Leader, LearningGame, Role, Space, View};
use crate::concept::Concept;
use crate::domain::{Domain, Param, ParamValues};
use crate::limits::MAX_RULE_POINTS;

/// What the judge holds a rule's play to in its limit, declared by the rule
/// so that the judge names no rule: each family turns it into its check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Limit {
    /// Its exact best response (a leader: its best action over its
    /// action set against the followers' limits).
    Exact,
    /// The action it holds: judged by how far its play is from it.
    Held(f64),
    /// No regret over `points` actions of its action set: in a
    /// simultaneous game, the CCE gap of the joint play; in a market, the
    /// best of those actions.
    NoRegret {
        /// Actions per interval (a finite set is used as it is).
        points: usize,
    },
    /// The logit response at temperature τ over `points` actions: in a
    /// simultaneous game the QRE; a market's follower is judged by its
    /// mixed play against the logit response to the ω it saw, a leader by
    /// its distribution against the logit response to its values.
    Logit {
        /// Actions per interval.
        points: usize,
        /// τ > 0.
        temperature: f64,
    },
}

impl Limit {
    /// The actions the limit ranges over on `space`, for a finite limit.
    pub fn actions(&self, space: &Space) -> Option<Vec<f64>> {
        match *self {
            Limit::NoRegret { points } | Limit::Logit { points, .. } => Some(space.points(points)),
            Limit::Held(a) => Some(vec![a]),
            Limit::Exact => None,
        }
    }
}

/// Shared settings a rule instance is built with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Context {
    /// σ of the observation noise on payoffs (rules that observe payoffs).
    pub noise: f64,
    /// What the agent observes.
    pub role: Role,
    /// σ of the observation noise on the followers' responses a leader
    /// sees (rules that fit them).
    pub response_noise: f64,
}

/// An update rule: its parameters, which agents it can drive, its target,
/// and how to build an agent's instance.
pub trait Rule: Copy + std::fmt::Debug + PartialEq {
    /// The parameters the rule reads from its table.
    const PARAMS: &'static [Param];
    /// The rule with its parameters taken from `values` (or their defaults).
    fn from_params(values: &ParamValues) -> Self;
    /// Whether the rule can drive an agent with this role and action set;
    /// the error says why not, in the user's words.
    fn supports(&self, _role: Role, _space: &Space) -> Result<(), String> {
        Ok(())
    }
    /// The concept the rule converges to in a simultaneous game.
    fn concept(&self) -> Concept {
        Concept::PureNash
    }
    /// What theory says of the rule's convergence, and so which statistic
    /// of a run's gap to report; `None` for a rule that does not learn.
    fn theory(&self, role: Role) -> Option<Theory>;
    /// What the judge holds the rule's play to in its limit.
    fn limit(&self) -> Limit {
        Limit::Exact
    }
    /// One agent's state for one run.
    fn build(&self, context: &Context) -> Box<dyn Dynamics>;
}

macro_rules! rules {
    ($($variant:ident => $ty:ty),* $(,)?) => {
        /// A validated update rule with its parameters.
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub enum RuleConfig {
            $(
                #[doc = concat!("See [`", stringify!($ty), "`].")]
                $variant($ty)
            ),*
        }

        /// The rules' names, as configs and output spell them.
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize,
            strum::IntoStaticStr, strum::AsRefStr, strum::VariantArray,
        )]
        #[serde(rename_all = "snake_case")]
        #[strum(serialize_all = "snake_case")]
        pub enum RuleKind {
            $(
                #[doc = concat!("See [`", stringify!($ty), "`].")]
                $variant
            ),*
        }

        impl RuleKind {
            /// The parameters this rule reads.
            pub fn params(self) -> &'static [Param] {
                match self {
                    $(RuleKind::$variant => <$ty as Rule>::PARAMS),*
                }
            }

            /// The rule with the parameters `values` sets (defaults otherwise).
            pub fn configure(self, values: &ParamValues) -> RuleConfig {
                match self {
                    $(RuleKind::$variant => RuleConfig::$variant(<$ty as Rule>::from_params(values))),*
                }
            }
        }

        impl RuleConfig {
            /// The rule's name.
            pub fn kind(&self) -> RuleKind {
                match self {
                    $(RuleConfig::$variant(_) => RuleKind::$variant),*
                }
            }

            /// Whether the rule can drive an agent with this role and space.
            pub fn supports(&self, role: Role, space: &Space) -> Result<(), String> {
                match self {
                    $(RuleConfig::$variant(r) => r.supports(role, space)),*
                }
            }

            /// The concept the rule converges to in a simultaneous game.
            pub fn concept(&self) -> Concept {
                match self {
                    $(RuleConfig::$variant(r) => r.concept()),*
                }
            }

            /// What theory says of the rule's convergence.
            pub fn theory(&self, role: Role) -> Option<Theory> {
                match self {
                    $(RuleConfig::$variant(r) => r.theory(role)),*
                }
            }

            /// What the judge holds the rule's play to in its limit.
            pub fn limit(&self) -> Limit {
                match self {
                    $(RuleConfig::$variant(r) => r.limit()),*
                }
            }

            /// One agent's state for one run.
            pub fn build(&self, context: &Context) -> Box<dyn Dynamics> {
                match self {
                    $(RuleConfig::$variant(r) => r.build(context)),*
                }
            }
        }
    };
}

rules! {
    BestResponse => best_response::BestResponse,
    EpsilonGreedy => epsilon_greedy::EpsilonGreedy,
    Logit => logit::Logit,
    FictitiousPlay => fictitious_play::FictitiousPlay,
    MeanResponse => mean_response::MeanResponse,
    Gradient => gradient::GradientAscent,
    ZerothOrder => zeroth_order::ZerothOrder,
    Hedge => hedge::Hedge,
    Exp3 => exp3::Exp3,
    Fixed => fixed::Fixed,
}

/// Every parameter some rule reads: the keys a rule table may set. Each
/// key is declared once (shared keys such as `points` reuse one [`Param`]).
pub fn all_params() -> Vec<Param> {
    let mut all: Vec<Param> = Vec::new();
    for kind in <RuleKind as strum::VariantArray>::VARIANTS {
        for p in kind.params() {
            if !all.iter().any(|q| q.key == p.key) {
                all.push(*p);
            }
        }
    }
    all
}

impl RuleConfig {
    /// Whether the rule can drive agent `agent` of `game`; the error names
    /// the rule and says why not.
    pub fn check(&self, game: &dyn LearningGame, agent: usize) -> Result<(), String> {
        let kind: &'static str = self.kind().into();
        self.supports(game.role(agent), game.space(agent))
            .map_err(|why| format!("rule \"{kind}\" {why}"))
    }

    /// Whether the rule drives an agent that does not move.
    pub fn is_fixed(&self) -> bool {
        matches!(self.limit(), Limit::Held(_))
    }
}

/// `points`: how many actions a finite-action rule discretises an interval
/// into (a finite action set is used as it is).
pub const POINTS: Param = Param {
    key: "points",
    domain: Domain::Count {
        min: 2,
        max: MAX_RULE_POINTS,
    },
    default: 101.0,
};

/// `eta`: the learning rate of the multiplicative-weights rules.
pub const ETA: Param = Param {
    key: "eta",
    domain: Domain::Positive,
    default: 0.5,
};

/// `step`: the first step of the gradient rules.
pub const STEP: Param = Param {
    key: "step",
    domain: Domain::Positive,
    default: 0.5,
};

/// `decay`: the step schedule γ_t = step / t^decay of the gradient rules.
pub const DECAY: Param = Param {
    key: "decay",
    domain: Domain::NonNegative,
    default: 0.0,
};

/// "needs the others' actions" refusal for a leader.
pub(crate) const LEADER_CANNOT: &str = "cannot drive the generalist: it sees only the specialist's response and its own realised payoff, so it cannot evaluate actions it did not play (its rules: best_response, exp3, logit, zeroth_order, fixed)";

pub(crate) fn not_leader(role: Role) -> Result<(), String> {
    if role.is_leader() {
        Err(LEADER_CANNOT.into())
    } else {
        Ok(())
    }
}

/// Refusal for a sector's specialist, whose payoff jumps where it enters.
pub(crate) fn not_entrant(role: Role) -> Result<(), String> {
    if role.is_entrant() {
        Err("cannot drive a specialist of a sector: its payoff jumps where it enters (α1 = 0 is staying out), so local steps never decide entry (its rules: best_response, epsilon_greedy, hedge, exp3, logit, fixed)".into())
    } else {
        Ok(())
    }
}

pub(crate) fn needs_interval(space: &Space) -> Result<(), String> {
    match space {
        Space::Interval(..) => Ok(()),
        Space::Grid(_) => Err("needs continuous actions (actions = \"continuous\")".into()),
    }
}

/// One agent's finite action set (an interval discretised) and a reusable
/// buffer, for the rules that choose among finitely many actions.
pub(crate) struct FiniteActions {
    pub(crate) actions: Vec<f64>,
    pub(crate) buf: Vec<f64>,
}

impl FiniteActions {
    pub(crate) fn new(view: &View, points: usize) -> Self {
        let actions = view.space().points(points);
        FiniteActions {
            buf: vec![0.0; actions.len()],
            actions,
        }
    }
}

/// What theory says of a no-regret learner (Hedge, EXP3): in a
/// simultaneous game its CCE gap falls as t^-1/2 (`says` cites the bound);
/// in the market it is judged against the best action of its grid (a
/// leader at its modal action, a follower at its last), of which no rate
/// is stated.
pub(crate) fn no_regret(role: Role, says: &'static str) -> Theory {
    if let Role::Simultaneous { .. } = role {
        Theory {
            kind: RateKind::Power,
            expected: Some(-0.5),
            says,
        }
    } else {
        Theory {
            kind: RateKind::Power,
            expected: None,
            says: "none stated in the market, where it is judged against the best action of its grid",
        }
    }
}

/// The payoff formula of an agent that sees the others' actions: every
/// rule that calls this refuses leaders in `supports`.
pub(crate) fn formula<'a>(view: &View<'a>) -> Formula<'a> {
    view.formula()
        .expect("supports() gives this rule no leader")
}

/// A leader's payoff formula against its fitted followers: rules build
/// their leader state only for `Role::Leader`.
pub(crate) fn leader<'a>(view: &View<'a>) -> Leader<'a> {
    view.leader().expect("built for a leader's role only")
}

/// Sample an index with probability ∝ exp(scores[k]) (stable softmax).
pub(crate) fn sample_softmax(scores: &mut [f64], rng: &mut ChaCha8Rng) -> usize {
    softmax(scores);
    sample(scores, rng)
}

/// `scores` → probabilities ∝ exp(scores), in place (stable).
pub(crate) fn softmax(scores: &mut [f64]) {
    let top = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for s in scores.iter_mut() {
        *s = (*s - top).exp();
        total += *s;
    }
    for s in scores.iter_mut() {
        *s /= total;
    }
}

/// An index drawn with the given probabilities.
pub(crate) fn sample(probs: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let mut u = rng.random_range(0.0..1.0);
    for (k, p) in probs.iter().enumerate() {
        if u < *p {
            return k;
        }
        u -= p;
    }
    probs.len() - 1
}

/// What a no-regret learner (Hedge, EXP3) reports as its outcome, by role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Report {
    /// A player of a simultaneous game: its time-averaged play, whose
    /// marginals are compared with the Nash set.
    Average,
    /// A player whose actions are labels: the empirical frequency of each
    /// of its actions, as its distribution (its outcome is its last
    /// action, a label).
    Frequencies,
    /// A leader: its play concentrates on one ω, its modal action.
    Modal,
    /// A follower: the α1 it played at the last ω it saw. Its weights
    /// pool payoffs across every ω it has seen, so neither their mode nor
    /// an average of its play answers any one ω.
    Last,
}

impl Report {
    pub(crate) fn of(role: Role) -> Self {
        match role {
            Role::Simultaneous { labels: false } => Report::Average,
            Role::Simultaneous { labels: true } => Report::Frequencies,
            Role::Leader { .. } => Report::Modal,
            Role::Follower { .. } => Report::Last,
        }
    }
}

/// The running mean of an agent's own actions: the empirical frequency of
/// action 1 in a two-action game.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct OwnAverage {
    sum: f64,
    count: f64,
}

/// The empirical frequency of each of an agent's own actions (labels),
/// kept up to date in place.
#[derive(Clone, Debug, Default)]
pub(crate) struct Frequencies {
    counts: Vec<f64>,
    frequencies: Vec<f64>,
    rounds: f64,
}

impl Frequencies {
    pub(crate) fn new(actions: usize) -> Self {
        Frequencies {
            counts: vec![0.0; actions],
            frequencies: vec![0.0; actions],
            rounds: 0.0,
        }
    }
    pub(crate) fn add(&mut self, action: usize) {
        self.rounds += 1.0;
        self.counts[action] += 1.0;
        for (f, c) in self.frequencies.iter_mut().zip(&self.counts) {
            *f = c / self.rounds;
        }
    }
    pub(crate) fn get(&self) -> Option<&[f64]> {
        (self.rounds > 0.0).then_some(self.frequencies.as_slice())
    }
}

impl OwnAverage {
    pub(crate) fn add(&mut self, x: f64) {
        self.sum += x;
        self.count += 1.0;
    }
    pub(crate) fn mean(&self) -> Option<f64> {
        (self.count > 0.0).then(|| self.sum / self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_and_strum_spell_every_rule_alike() {
        for kind in <RuleKind as strum::VariantArray>::VARIANTS {
            let strum: &'static str = kind.into();
            let serde = serde_json::to_string(kind).unwrap();
            assert_eq!(serde, format!("\"{strum}\""));
        }
    }

    #[test]
    fn a_shared_key_has_one_declaration() {
        let mut seen: Vec<Param> = Vec::new();
        for kind in <RuleKind as strum::VariantArray>::VARIANTS {
            for p in kind.params() {
                if let Some(q) = seen.iter().find(|q| q.key == p.key) {
                    assert_eq!(q, p, "{} declared twice, differently", p.key);
                } else {
                    seen.push(*p);
                }
            }
        }
    }
}
