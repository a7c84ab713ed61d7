//! Model families: what a family means, behind one trait, and the one list
//! that registers each ([`with_families!`]).
//!
//! A family owns its `[model]` section (and any top-level section of its
//! own), how its agents are named and which `[dynamics.KEY]` tables drive
//! them, the exact solution of a point (its equilibrium rows and the target
//! its runs are judged against), its learning game, and its limits. The
//! rest of the core (configs, plans, experiments) reaches a family only
//! through [`ModelConfig`], whose methods the registry generates, one
//! `match` arm per family.
//!
//! A family hands its rules a game through [`LearningGame`] inside its own
//! [`Family::simulate`]: nothing here fixes what a role observes.
//!
//! [`LearningGame`]: crate::dynamics::LearningGame

use rand_chacha::ChaCha8Rng;

use crate::config::error::{ConfigError, Cx};
use crate::dynamics::{DynamicsConfig, Observer, RunResult, Schedule};
use crate::judge::Target;
use crate::method::SolveError;
use crate::rows::{PointSolution, RunRow, TrajectoryRow};

/// Which agents a `[dynamics.KEY]` table gives a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentTable {
    /// `[dynamics.KEY]` is agent `agent`'s table.
    One {
        /// The table's key.
        key: &'static str,
        /// Its agent.
        agent: usize,
    },
    /// `[dynamics.KEY.N]` is agent `first + N`'s table, N < `count`.
    Numbered(Numbered),
    /// `[dynamics.KEY]` sets the rule of agents `first` … `first + count −
    /// 1` (its rule keys apply to every one), and `[dynamics.KEY.N]` one of
    /// them.
    Group(Numbered),
}

/// Agents named by their index under one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Numbered {
    /// The table's key.
    pub key: &'static str,
    /// The agent of index 0.
    pub first: usize,
    /// How many there are.
    pub count: usize,
    /// One of them, in messages ("lab").
    pub noun: &'static str,
    /// All of them, in messages ("race").
    pub whole: &'static str,
}

/// What a point of a plan asks of its family's runs.
#[derive(Clone, Copy, Debug)]
pub struct RunAt {
    /// The point.
    pub point: usize,
    /// The replicate.
    pub replicate: u64,
    /// The run's seed.
    pub seed: u64,
    /// Keep every k-th step of the run; 0 = none.
    pub trajectory_every: u64,
}

/// A model family. Implemented by the type a validated `[model]` section
/// becomes; registered by one line of [`with_families!`].
pub trait Family: Clone + std::fmt::Debug + PartialEq + Send + Sync + Sized {
    /// The keys of `[dynamics.KEY]` tables this family reads (its agents',
    /// and any other learner's it has).
    const AGENT_KEYS: &'static [&'static str];
    /// Top-level sections of its own, besides the ones every config has.
    const SECTIONS: &'static [&'static str] = &[];

    /// The model of a config: its `[model]` table (without `family`) and,
    /// for the family's own sections, the whole config table.
    fn parse(cx: &Cx, model: toml::Value, config: &toml::Table) -> Result<Self, ConfigError>;
    /// How many per-agent values a `[model]` table declares before it is
    /// parsed (a sector's specialists), so that a plan can refuse too many
    /// in all before it builds them; 0 when that does not grow.
    fn declared_size(_model: &toml::Value) -> u64 {
        0
    }

    /// How many agents learn.
    fn agents(&self) -> usize;
    /// Agent i in messages ("the generalist", "lab 3").
    fn agent_name(&self, i: usize) -> String;
    /// Agent i in the output ("generalist", "lab 3").
    fn agent_label(&self, i: usize) -> String;
    /// The tables that give its agents their own rules.
    fn agent_tables(&self) -> Vec<AgentTable>;
    /// The schedule its runs use when `[dynamics] schedule` is `requested`,
    /// or why that one does not fit.
    fn schedule(&self, requested: Option<Schedule>) -> Result<Schedule, String>;
    /// Whether `[dynamics] leader_every = k` fits, or why not.
    fn leader_every(&self, k: u64) -> Result<(), String>;
    /// How many values a point's rows carry per value of a plain point (a
    /// sector: 1 + K), for sizing blocks of points.
    fn width(&self) -> u64 {
        1
    }
    /// The steps one run of this model keeps a trajectory point for (its
    /// iterations; a regulated run's regulator steps), or why the run
    /// would be too long.
    fn steps(&self, cx: &Cx, d: &DynamicsConfig) -> Result<u64, ConfigError> {
        let _ = cx;
        Ok(d.termination.max_iterations)
    }

    /// Whether a point of this model can be solved and, with `dynamics`,
    /// run: limits, rules that fit their agents, a target that can be
    /// computed. Checked for every point before anything runs.
    fn validate(&self, dynamics: Option<&DynamicsConfig>) -> Result<(), String>;
    /// The exact solution of point `point`: its rows and, with `dynamics`,
    /// the target its runs are judged against.
    fn solve(
        &self,
        point: usize,
        dynamics: Option<&DynamicsConfig>,
    ) -> Result<PointSolution, SolveError>;
    /// One run of the point's learning game from a random start, judged
    /// against `target` (`solution`'s): its result, its outcome's distance to
    /// the target, and (a sector) how many specialists it has entering.
    fn simulate(
        &self,
        solution: &PointSolution,
        target: &Target,
        d: &DynamicsConfig,
        rng: &mut ChaCha8Rng,
        observer: &mut dyn Observer,
    ) -> Simulated;
    /// A profile of this model's actions as each agent's mixed strategy
    /// over its strategies (one-hot where an action is pure), for a finite
    /// game; `None` where actions are not strategies of a finite game.
    fn strategies(&self, _actions: &[f64]) -> Option<Vec<Vec<f64>>> {
        None
    }
    /// The SHA-256 of each file the model was read from (a normal-form
    /// game's `.nfg`), folded into the config's hash in a manifest so that
    /// `--resume` and `merge` cannot mix two versions of a file.
    fn inputs(&self) -> Vec<String> {
        Vec::new()
    }
    /// A run that is not one learning game from a random start (the
    /// openness family's learning regulator), when the point asks for one.
    fn outer_run(
        &self,
        _solution: &PointSolution,
        _d: &DynamicsConfig,
        _at: RunAt,
        _rng: &mut ChaCha8Rng,
    ) -> Option<(RunRow, Vec<TrajectoryRow>)> {
        None
    }
}

/// What [`Family::simulate`] gives back.
#[derive(Clone, Debug)]
pub struct Simulated {
    /// The run.
    pub result: RunResult,
    /// L∞ from its outcome to the nearest target profile.
    pub distance: Option<f64>,
    /// A sector: how many specialists the outcome has entering.
    pub entrants: Option<u64>,
    /// A finite game: each agent's mixed strategy at the end.
    pub strategies: Option<Vec<Vec<f64>>>,
}

/// The model families, one line each: `module => Variant(Type)`, where
/// `Type` implements [`Family`] and `Variant`, in snake case, is how
/// `model.family` spells it. Called with the name of a macro, it calls that
/// macro with the list: the core builds [`ModelConfig`] from it, and the
/// command line its `solve` dispatch, so adding a family touches its
/// folders and this line.
#[macro_export]
macro_rules! with_families {
    ($callback:ident) => {
        $callback! {
            openness => Openness($crate::openness::Openness),
            race => Race($crate::race::RaceGame),
            normal_form => NormalForm($crate::normal_form::NormalForm),
        }
    };
}

macro_rules! families {
    ($($module:ident => $variant:ident($ty:ty)),* $(,)?) => {
        /// The game of a config: one variant per family.
        #[derive(Clone, Debug, PartialEq)]
        pub enum ModelConfig {
            $(
                #[doc = concat!("Family `", stringify!($module), "`.")]
                $variant($ty)
            ),*
        }

        /// The families' names, as `model.family` and the output spell them.
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, serde::Serialize,
            strum::IntoStaticStr, strum::AsRefStr, strum::VariantNames,
            strum::VariantArray, strum::EnumString,
        )]
        #[serde(rename_all = "snake_case")]
        #[strum(serialize_all = "snake_case")]
        pub enum FamilyKind {
            $(
                #[doc = concat!("Family `", stringify!($module), "`.")]
                $variant
            ),*
        }

        impl FamilyKind {
            /// Its `[dynamics.KEY]` tables.
            pub fn agent_keys(self) -> &'static [&'static str] {
                match self {
                    $(FamilyKind::$variant => <$ty as Family>::AGENT_KEYS),*
                }
            }

            /// Its own top-level sections.
            pub fn sections(self) -> &'static [&'static str] {
                match self {
                    $(FamilyKind::$variant => <$ty as Family>::SECTIONS),*
                }
            }

            /// See [`Family::declared_size`].
            pub fn declared_size(self, model: &toml::Value) -> u64 {
                match self {
                    $(FamilyKind::$variant => <$ty as Family>::declared_size(model)),*
                }
            }

            /// See [`Family::parse`].
            pub(crate) fn parse(
                self,
                cx: &Cx,
                model: toml::Value,
                config: &toml::Table,
            ) -> Result<ModelConfig, ConfigError> {
                match self {
                    $(FamilyKind::$variant => Ok(ModelConfig::$variant(<$ty as Family>::parse(cx, model, config)?))),*
                }
            }
        }

        impl ModelConfig {
            /// The family of this model.
            pub fn family(&self) -> FamilyKind {
                match self {
                    $(ModelConfig::$variant(_) => FamilyKind::$variant),*
                }
            }
        }

        families!(@dispatch [$($variant),*] ;
            /// See [`Family::agents`].
            fn agents(&self) -> usize;
            /// See [`Family::agent_name`].
            fn agent_name(&self, i: usize) -> String;
            /// See [`Family::agent_label`].
            fn agent_label(&self, i: usize) -> String;
            /// See [`Family::agent_tables`].
            fn agent_tables(&self) -> Vec<AgentTable>;
            /// See [`Family::schedule`].
            fn schedule(&self, requested: Option<Schedule>) -> Result<Schedule, String>;
            /// See [`Family::leader_every`].
            fn leader_every(&self, k: u64) -> Result<(), String>;
            /// See [`Family::width`].
            fn width(&self) -> u64;
            /// See [`Family::steps`].
            fn steps(&self, cx: &Cx, d: &DynamicsConfig) -> Result<u64, ConfigError>;
            /// See [`Family::validate`].
            fn validate(&self, dynamics: Option<&DynamicsConfig>) -> Result<(), String>;
            /// See [`Family::solve`].
            fn solve(&self, point: usize, dynamics: Option<&DynamicsConfig>) -> Result<PointSolution, SolveError>;
            /// See [`Family::simulate`].
            fn simulate(&self, solution: &PointSolution, target: &Target, d: &DynamicsConfig, rng: &mut ChaCha8Rng, observer: &mut dyn Observer) -> Simulated;
            /// See [`Family::inputs`].
            fn inputs(&self) -> Vec<String>;
            /// See [`Family::strategies`].
            fn strategies(&self, actions: &[f64]) -> Option<Vec<Vec<f64>>>;
            /// See [`Family::outer_run`].
            fn outer_run(&self, solution: &PointSolution, d: &DynamicsConfig, at: RunAt, rng: &mut ChaCha8Rng) -> Option<(RunRow, Vec<TrajectoryRow>)>;
        );
    };
    (@dispatch $variants:tt ; $(
        $(#[$doc:meta])*
        fn $name:ident(&self $(, $arg:ident: $argty:ty)*) -> $ret:ty;
    )*) => {
        impl ModelConfig {
            $(families!(@method $variants $(#[$doc])* $name($($arg: $argty),*) -> $ret);)*
        }
    };
    (@method $variants:tt $(#[$doc:meta])* $name:ident($($arg:ident: $argty:ty),*) -> $ret:ty) => {
        $(#[$doc])*
        pub fn $name(&self $(, $arg: $argty)*) -> $ret {
            let model = self;
            families!(@match model, $variants, $name, ($($arg),*))
        }
    };
    (@match $model:ident, [$($variant:ident),*], $name:ident, $args:tt) => {
        match $model {
            $(ModelConfig::$variant(m) => families!(@call m, $name, $args)),*
        }
    };
    (@call $m:ident, $name:ident, ($($arg:ident),*)) => {
        Family::$name($m $(, $arg)*)
    };
}

with_families!(families);

#[cfg(test)]
mod tests {
    use super::FamilyKind;
    use strum::VariantArray;

    // A `[dynamics.KEY]` table or a top-level section names its family: two
    // families may not claim one key.
    #[test]
    fn no_two_families_claim_a_key() {
        for (i, a) in FamilyKind::VARIANTS.iter().enumerate() {
            for b in &FamilyKind::VARIANTS[i + 1..] {
                for key in a.agent_keys().iter().chain(a.sections()) {
                    assert!(
                        !b.agent_keys().contains(key) && !b.sections().contains(key),
                        "{a:?} and {b:?} both claim {key}"
                    );
                }
            }
        }
    }

    #[test]
    fn serde_and_strum_spell_every_family_alike() {
        for kind in FamilyKind::VARIANTS {
            let strum: &'static str = kind.into();
            assert_eq!(serde_json::to_string(kind).unwrap(), format!("\"{strum}\""));
            assert_eq!(strum.parse::<FamilyKind>().ok(), Some(*kind));
        }
    }
}
