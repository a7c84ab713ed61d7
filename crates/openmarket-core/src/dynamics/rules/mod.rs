//! Update rules (docs/model.md §C), one module each.
//!
//! A rule is a parameter type that implements [`Rule`]: it declares the
//! parameters it reads (with ranges and defaults), what it needs of the
//! game, and builds one [`Dynamics`] instance per agent. The `rules!` list
//! below is the only other place a rule is named: adding a rule means one
//! new module and one line there.

pub mod best_response;
pub mod epsilon_greedy;
pub mod fictitious_play;
pub mod gradient;
pub mod hedge;
pub mod logit;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{Dynamics, LearningGame, Space};
use crate::domain::{Domain, Param, ParamValues};
use crate::limits::MAX_RULE_POINTS;

/// What a rule needs of the game it runs on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// The rule moves along a gradient: every agent's actions must be an
    /// interval.
    pub needs_continuous: bool,
}

/// Shared settings a rule instance is built with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Context {
    /// σ of the observation noise on payoffs (rules that observe payoffs).
    pub noise: f64,
}

/// An update rule: its parameters, and how to build an agent's instance.
pub trait Rule: Copy + std::fmt::Debug + PartialEq {
    /// The parameters the rule reads from its table.
    const PARAMS: &'static [Param];
    /// The rule with its parameters taken from `values` (or their defaults).
    fn from_params(values: &ParamValues) -> Self;
    /// What the rule needs of the game.
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
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

            /// What the rule needs of the game.
            pub fn capabilities(&self) -> Capabilities {
                match self {
                    $(RuleConfig::$variant(r) => r.capabilities()),*
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
    Gradient => gradient::GradientAscent,
    Hedge => hedge::Hedge,
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
    /// One instance per agent, for a run.
    pub fn instances(&self, agents: usize, context: &Context) -> Vec<Box<dyn Dynamics>> {
        (0..agents).map(|_| self.build(context)).collect()
    }

    /// Whether the rule can run on `game`'s action sets.
    pub fn check(&self, game: &dyn LearningGame) -> Result<(), String> {
        let kind: &'static str = self.kind().into();
        if self.capabilities().needs_continuous
            && (0..game.agents()).any(|i| matches!(game.space(i), Space::Grid(_)))
        {
            return Err(format!(
                "rule \"{kind}\" needs continuous actions (actions = \"continuous\")"
            ));
        }
        Ok(())
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

/// One agent's finite action set (an interval discretised) and a reusable
/// buffer, for the rules that choose among finitely many actions.
pub(crate) struct FiniteActions {
    pub(crate) actions: Vec<f64>,
    pub(crate) buf: Vec<f64>,
}

impl FiniteActions {
    pub(crate) fn new(game: &dyn LearningGame, me: usize, points: usize) -> Self {
        let actions = game.space(me).points(points);
        FiniteActions {
            buf: vec![0.0; actions.len()],
            actions,
        }
    }
}

/// Sample an index with probability ∝ exp(scores[k]) (stable softmax).
pub(crate) fn sample_softmax(scores: &mut [f64], rng: &mut ChaCha8Rng) -> usize {
    let top = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for s in scores.iter_mut() {
        *s = (*s - top).exp();
        total += *s;
    }
    let mut u = rng.random_range(0.0..total);
    for (k, s) in scores.iter().enumerate() {
        if u < *s {
            return k;
        }
        u -= s;
    }
    scores.len() - 1
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
}
