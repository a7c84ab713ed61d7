//! TOML configuration: parsing, and validation into the typed models.
//!
//! Two layers. serde (with `deny_unknown_fields`) checks structure: unknown
//! keys, types, missing fields; `serde_path_to_error` supplies the dotted
//! path. Then every number is checked against its domain. Either way the
//! error is one line naming the file, the dotted field, the value and the
//! allowed range ([`ConfigError`]). One module per model family, and one
//! for the sections every config shares.

mod dynamics;
pub(crate) mod error;
mod openness;
mod race;
mod regulator;
pub(crate) mod sector;
pub(crate) mod strict;

use std::path::Path;

pub(crate) use error::Cx;
pub use error::{ConfigError, suggestion};

use crate::dynamics::rules::RuleConfig;
use crate::dynamics::{Schedule, Termination};
use crate::limits::{MAX_CONFIG_BYTES, MAX_REGULATED_ITERATIONS, MAX_TRAJECTORY_ROWS};
use crate::openness::OpennessGame;
use crate::openness::sector::Sector;
use crate::race::RaceGame;
use crate::regulator::RegulatorConfig;

/// A validated configuration (one sweep point).
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// `[model]`: the game.
    pub model: ModelConfig,
    /// `[dynamics]`; absent = the config is only solved, not simulated.
    pub dynamics: Option<DynamicsConfig>,
    /// `[runs]`.
    pub runs: RunsConfig,
    /// `[output]`.
    pub output: OutputConfig,
    /// `[regulator]` (openness only): a regulator that learns (θ, p).
    pub regulator: Option<RegulatorConfig>,
}

/// `[dynamics]`: the update rules, schedule and termination of every run.
#[derive(Clone, Debug, PartialEq)]
pub struct DynamicsConfig {
    /// The rule of every agent without its own table.
    pub rule: RuleConfig,
    /// (agent, rule) for the agents with their own table, by agent index
    /// (openness: 0 = generalist, 1 = specialist; a sector: 1 + the
    /// specialist's index; race: the lab).
    pub agents: Vec<(usize, RuleConfig)>,
    /// A sector: the rule of every specialist without its own table
    /// (`[dynamics.specialist]`).
    pub followers: Option<RuleConfig>,
    /// The order of updates within an iteration.
    pub schedule: Schedule,
    /// When a run stops.
    pub termination: Termination,
    /// σ of the observation noise on payoffs (logit, Hedge).
    pub noise: f64,
    /// Openness market: G moves every k-th iteration (two timescales).
    pub leader_every: u64,
}

impl DynamicsConfig {
    /// Agent i's rule.
    pub fn rule_of(&self, i: usize) -> RuleConfig {
        self.agents
            .iter()
            .find(|(a, _)| *a == i)
            .map(|(_, r)| *r)
            .or(self.followers.filter(|_| i > 0))
            .unwrap_or(self.rule)
    }

    /// Every agent's rule, for a game of `agents` agents.
    pub fn rules(&self, agents: usize) -> Vec<RuleConfig> {
        (0..agents).map(|i| self.rule_of(i)).collect()
    }
}

/// `[runs]`: seeded replicates per sweep point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunsConfig {
    /// Runs per point, each with its own seed.
    pub seeds_per_point: u64,
    /// The seed every run's seed derives from.
    pub master_seed: u64,
}

/// `[output]`: where results go and how trajectories are sampled.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputConfig {
    /// `None`: `output/<config file stem>`.
    pub dir: Option<std::path::PathBuf>,
    /// Keep every k-th iteration of each run; 0 = no trajectories.
    pub trajectory_every: u64,
}

/// The game of a config.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelConfig {
    /// Family `openness`.
    Openness(OpennessGame),
    /// Family `race`.
    Race(RaceGame),
    /// Family `openness` with several specialists (`[[model.specialists]]`
    /// or `[model.population]`).
    Sector(Sector),
}

/// The model families, as `model.family` and the output spell them.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    serde::Serialize,
    strum::IntoStaticStr,
    strum::AsRefStr,
    strum::VariantNames,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Family {
    /// The openness-regulation game.
    Openness,
    /// The AI race.
    Race,
}

impl ModelConfig {
    /// The family of this model.
    pub fn family(&self) -> Family {
        match self {
            ModelConfig::Openness(_) | ModelConfig::Sector(_) => Family::Openness,
            ModelConfig::Race(_) => Family::Race,
        }
    }
}

const TOP_LEVEL: &[&str] = &["model", "dynamics", "sweep", "runs", "output", "regulator"];

/// Read and validate a config file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    parse(&read(path)?, &path.display().to_string())
}

/// A config file's text, refusing files larger than a config can be
/// ([`MAX_CONFIG_BYTES`]) before reading them whole.
pub fn read(path: &Path) -> Result<String, ConfigError> {
    use std::io::Read;
    let origin = path.display().to_string();
    let fail = |message: String| ConfigError {
        origin: origin.clone(),
        field: None,
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot read file: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("cannot read file: {e}")))?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(fail(format!(
            "is larger than {} MiB: not a config",
            MAX_CONFIG_BYTES >> 20
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        fail(format!(
            "is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Validate config text; `origin` names it in error messages.
pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
    parse_table(&parse_toml(text, origin)?, origin)
}

/// TOML text to a table, with one-line syntax errors.
pub(crate) fn parse_toml(text: &str, origin: &str) -> Result<toml::Table, ConfigError> {
    let cx = Cx { origin };
    toml::from_str(text).map_err(|e| cx.syntax(text, &e))
}

/// Validate one point's table (the `[sweep]` section, if any, is left to
/// `plan::expand` and ignored here).
pub(crate) fn parse_table(table: &toml::Table, origin: &str) -> Result<Config, ConfigError> {
    let cx = Cx { origin };
    for key in table.keys() {
        if key == "study" {
            return Err(cx.err(
                "study",
                "holds several models: [[study]] sections are expanded by a plan (`openmarket run`); solving needs a single-model config".into(),
            ));
        }
        if !TOP_LEVEL.contains(&key.as_str()) {
            return Err(cx.unknown(key, TOP_LEVEL));
        }
    }
    let model = table.get("model").ok_or_else(|| {
        cx.err(
            "model",
            "is missing: every config needs a [model] section".into(),
        )
    })?;
    let families = <Family as strum::VariantNames>::VARIANTS;
    let family = match model.get("family") {
        Some(toml::Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(cx.err(
                "model.family",
                format!(
                    "= {other} must be a string, one of {}",
                    error::list(families)
                ),
            ));
        }
        None => {
            return Err(cx.err(
                "model.family",
                format!("is missing; one of {}", error::list(families)),
            ));
        }
    };
    let model = match family.parse::<Family>() {
        Ok(Family::Openness) if sector::is_sector(model) => {
            ModelConfig::Sector(sector::sector(&cx, model.clone())?)
        }
        Ok(Family::Openness) => ModelConfig::Openness(openness::openness(&cx, model.clone())?),
        Ok(Family::Race) => ModelConfig::Race(race::race(&cx, model.clone())?),
        Err(_) => {
            let hint = suggestion(family, families)
                .map(|s| format!("; did you mean \"{s}\"?"))
                .unwrap_or_default();
            return Err(cx.err(
                "model.family",
                format!(
                    "= \"{family}\" is not a model family; one of {}{hint}",
                    error::list(families)
                ),
            ));
        }
    };
    let agents = match &model {
        ModelConfig::Openness(_) => 2,
        ModelConfig::Sector(m) => 1 + m.specialists.len(),
        ModelConfig::Race(g) => g.n(),
    };
    let regulator_rule = table
        .get("dynamics")
        .and_then(|d| d.get("regulator"))
        .map(|v| regulator::rule(&cx, v))
        .transpose()?;
    let regulator = match (table.get("regulator"), &model) {
        (None, _) => {
            if regulator_rule.is_some() {
                return Err(cx.err(
                    "dynamics.regulator",
                    "needs a [regulator] section: the objective and the search box".into(),
                ));
            }
            None
        }
        (Some(v), ModelConfig::Openness(g)) => {
            Some(regulator::regulator(&cx, v, g.regulation, regulator_rule)?)
        }
        (Some(v), ModelConfig::Sector(m)) => {
            Some(regulator::regulator(&cx, v, m.regulation, regulator_rule)?)
        }
        (Some(_), ModelConfig::Race(_)) => {
            return Err(cx.err(
                "regulator",
                "regulates the openness game; this model is a race".into(),
            ));
        }
    };
    let specialists = match &model {
        ModelConfig::Sector(m) => Some(m.specialists.len()),
        _ => None,
    };
    let config = Config {
        dynamics: match table.get("dynamics") {
            Some(v) => Some(dynamics::dynamics(
                &cx,
                v.clone(),
                model.family(),
                agents,
                specialists,
            )?),
            None => None,
        },
        regulator,
        model,
        runs: dynamics::runs(&cx, table.get("runs"))?,
        output: dynamics::output(&cx, table.get("output"))?,
    };
    budgets(&cx, &config)?;
    Ok(config)
}

/// What one run may cost: its iterations and the trajectory rows it keeps.
fn budgets(cx: &Cx, c: &Config) -> Result<(), ConfigError> {
    let Some(d) = &c.dynamics else {
        return Ok(());
    };
    // A regulated run's iterations are its regulator's steps × the market's
    // per step; its trajectory keeps the regulator's steps.
    let steps = match &c.regulator {
        Some(r) => {
            let total = r.inner_iterations.saturating_mul(r.outer_iterations);
            if total > MAX_REGULATED_ITERATIONS {
                return Err(cx.err(
                    "regulator.inner_iterations",
                    format!(
                        "× outer_iterations = {} × {} = {total} market iterations per run, more than {MAX_REGULATED_ITERATIONS}",
                        r.inner_iterations, r.outer_iterations
                    ),
                ));
            }
            r.outer_iterations
        }
        None => d.termination.max_iterations,
    };
    let every = c.output.trajectory_every;
    if every > 0 && steps / every > MAX_TRAJECTORY_ROWS {
        return Err(cx.err(
            "output.trajectory_every",
            format!(
                "= {every} keeps {} rows per run ({steps} steps), more than {MAX_TRAJECTORY_ROWS}: use at least {}",
                steps / every,
                steps.div_ceil(MAX_TRAJECTORY_ROWS)
            ),
        ));
    }
    Ok(())
}
