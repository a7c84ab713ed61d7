//! TOML configuration: parsing, and validation into the typed models.
//!
//! Two layers. serde (with `deny_unknown_fields`) checks structure: unknown
//! keys, types, missing fields; `serde_path_to_error` supplies the dotted
//! path. Then every number is checked against its domain. Either way the
//! error is one line naming the file, the dotted field, the value and the
//! allowed range ([`ConfigError`]). Each family parses its own `[model]`
//! (and any section of its own) in its folder; here are the sections every
//! config shares.

mod dynamics;
pub(crate) mod error;
pub(crate) mod strict;

use std::path::Path;

pub use error::Cx;
pub use error::{ConfigError, suggestion};

pub use crate::dynamics::DynamicsConfig;
pub use crate::family::{FamilyKind, ModelConfig};
use crate::limits::{MAX_CONFIG_BYTES, MAX_TRAJECTORY_ROWS};

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

/// The sections every config may have; a family may add its own.
const SHARED: &[&str] = &["model", "dynamics", "sweep", "runs", "output"];

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
    // Every family's own sections are known keys; another family's is
    // refused once the model's family is known.
    let mut top: Vec<&str> = SHARED.to_vec();
    for kind in <FamilyKind as strum::VariantArray>::VARIANTS {
        top.extend(kind.sections());
    }
    for key in table.keys() {
        if key == "study" {
            return Err(cx.err(
                "study",
                "holds several models: [[study]] sections are expanded by a plan (`openmarket run`); solving needs a single-model config".into(),
            ));
        }
        if !top.contains(&key.as_str()) {
            return Err(cx.unknown(key, &top));
        }
    }
    let model = table.get("model").ok_or_else(|| {
        cx.err(
            "model",
            "is missing: every config needs a [model] section".into(),
        )
    })?;
    let families = <FamilyKind as strum::VariantNames>::VARIANTS;
    let family = match model.get("family") {
        Some(toml::Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(cx.err(
                "model.family",
                format!(
                    "= {} must be a string, one of {}",
                    error::shorten(&other.to_string()),
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
    let Ok(kind) = family.parse::<FamilyKind>() else {
        let hint = suggestion(family, families)
            .map(|s| format!("; did you mean \"{s}\"?"))
            .unwrap_or_default();
        return Err(cx.err(
            "model.family",
            format!(
                "= \"{}\" is not a model family; one of {}{hint}",
                error::shorten(family),
                error::list(families)
            ),
        ));
    };
    for other in <FamilyKind as strum::VariantArray>::VARIANTS {
        if let Some(key) = other
            .sections()
            .iter()
            .find(|k| !kind.sections().contains(k) && table.contains_key(**k))
        {
            return Err(cx.err(
                key,
                format!(
                    "is a section of the {} family; this model is {}",
                    <&str>::from(other),
                    <&str>::from(kind)
                ),
            ));
        }
    }
    let model = kind.parse(&cx, model.clone(), table)?;
    let config = Config {
        dynamics: match table.get("dynamics") {
            Some(v) => Some(dynamics::dynamics(&cx, v.clone(), &model)?),
            None => None,
        },
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
    let steps = c.model.steps(cx, d)?;
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
