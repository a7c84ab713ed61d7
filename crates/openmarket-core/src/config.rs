//! TOML configuration: parsing, and validation into the typed models.
//!
//! Two layers. serde (with `deny_unknown_fields`) checks structure: unknown
//! keys, types, missing fields; `serde_path_to_error` supplies the dotted
//! path. Then every number is checked against its domain. Either way the
//! error is one line naming the file, the dotted field, the value and the
//! allowed range, so a user can fix a config without reading the source.

use std::fmt;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::dynamics::{Schedule, Termination};
use crate::openness::{Alpha0, BargainingRule, OpennessGame, PenaltyForm, Regulation};
use crate::race::{Actions, Leakage, Nontrivial, RaceGame, Utility};

/// A config error: `origin: message`, where the message names the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct ConfigError {
    pub origin: String,
    /// Dotted path of the offending field, when there is one.
    pub field: Option<String>,
    pub message: String,
}

/// A validated configuration (one sweep point).
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub model: ModelConfig,
    /// `[dynamics]`; absent = the config is only solved, not simulated.
    pub dynamics: Option<DynamicsConfig>,
    pub runs: RunsConfig,
    pub output: OutputConfig,
}

/// `[dynamics]`: the update rule, schedule and termination of every run.
#[derive(Clone, Debug, PartialEq)]
pub struct DynamicsConfig {
    pub rule: RuleConfig,
    pub schedule: Schedule,
    pub termination: Termination,
    /// σ of the observation noise on payoffs (logit, Hedge).
    pub noise: f64,
    /// Openness market: G moves every k-th iteration (two timescales).
    pub leader_every: u64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RuleConfig {
    BestResponse { inertia: f64 },
    EpsilonGreedy { epsilon: f64 },
    Logit { temperature: f64, points: usize },
    FictitiousPlay,
    Gradient { step: f64, decay: f64 },
    Hedge { eta: f64, points: usize },
}

impl RuleConfig {
    pub fn name(&self) -> &'static str {
        match self {
            RuleConfig::BestResponse { .. } => "best_response",
            RuleConfig::EpsilonGreedy { .. } => "epsilon_greedy",
            RuleConfig::Logit { .. } => "logit",
            RuleConfig::FictitiousPlay => "fictitious_play",
            RuleConfig::Gradient { .. } => "gradient",
            RuleConfig::Hedge { .. } => "hedge",
        }
    }
}

/// `[runs]`: seeded replicates per sweep point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunsConfig {
    pub seeds_per_point: u64,
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

#[derive(Clone, Debug, PartialEq)]
pub enum ModelConfig {
    Openness(OpennessGame),
    Race(RaceGame),
}

const TOP_LEVEL: &[&str] = &["model", "dynamics", "sweep", "runs", "output"];
const FAMILIES: &[&str] = &["openness", "race"];

/// Read and validate a config file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        origin: origin.clone(),
        field: None,
        message: format!("cannot read file: {e}"),
    })?;
    parse(&text, &origin)
}

/// Validate config text; `origin` names it in error messages.
pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
    parse_table(&parse_toml(text, origin)?, origin)
}

/// TOML text to a table, with one-line syntax errors.
pub fn parse_toml(text: &str, origin: &str) -> Result<toml::Table, ConfigError> {
    let cx = Cx { origin };
    toml::from_str(text).map_err(|e| cx.syntax(text, &e))
}

/// Validate one point's table (the `[sweep]` section, if any, is left to
/// `plan::expand` and ignored here).
pub fn parse_table(table: &toml::Table, origin: &str) -> Result<Config, ConfigError> {
    let cx = Cx { origin };
    for key in table.keys() {
        if key == "study" {
            return Err(cx.err(
                "study",
                "holds several models: `openmarket run` expands [[study]] sections; `solve` needs a single-model config".into(),
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
    let family = match model.get("family") {
        Some(toml::Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(cx.err(
                "model.family",
                format!("= {other} must be a string, one of {}", list(FAMILIES)),
            ));
        }
        None => {
            return Err(cx.err(
                "model.family",
                format!("is missing; one of {}", list(FAMILIES)),
            ));
        }
    };
    let model = match family {
        "openness" => ModelConfig::Openness(openness(&cx, model.clone())?),
        "race" => ModelConfig::Race(race(&cx, model.clone())?),
        other => {
            let hint = suggestion(other, FAMILIES)
                .map(|s| format!("; did you mean \"{s}\"?"))
                .unwrap_or_default();
            return Err(cx.err(
                "model.family",
                format!(
                    "= \"{other}\" is not a model family; one of {}{hint}",
                    list(FAMILIES)
                ),
            ));
        }
    };
    let dynamics = match table.get("dynamics") {
        Some(v) => Some(dynamics(&cx, v.clone())?),
        None => None,
    };
    let runs: RawRuns = match table.get("runs") {
        Some(v) => cx.section("runs", v.clone())?,
        None => RawRuns::default(),
    };
    if runs.seeds_per_point == 0 {
        return Err(cx.err(
            "runs.seeds_per_point",
            "= 0 is out of range [1, inf)".into(),
        ));
    }
    let output: RawOutput = match table.get("output") {
        Some(v) => cx.section("output", v.clone())?,
        None => RawOutput::default(),
    };
    Ok(Config {
        model,
        dynamics,
        runs: RunsConfig {
            seeds_per_point: runs.seeds_per_point,
            master_seed: runs.master_seed,
        },
        output: OutputConfig {
            dir: output.dir,
            trajectory_every: output.trajectory_every,
        },
    })
}

/// The context of one parse: where errors point.
struct Cx<'a> {
    origin: &'a str,
}

impl Cx<'_> {
    /// `message` continues the field name: "= 3 is out of range …",
    /// "is missing …" or ": invalid type …".
    fn err(&self, field: &str, message: String) -> ConfigError {
        let sep = if message.starts_with(':') { "" } else { " " };
        ConfigError {
            origin: self.origin.to_string(),
            field: Some(field.to_string()),
            message: format!("{field}{sep}{message}"),
        }
    }

    fn unknown(&self, field: &str, expected: &[&str]) -> ConfigError {
        let hint = suggestion(field.rsplit('.').next().unwrap_or(field), expected)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_else(|| format!("; expected one of {}", list(expected)));
        self.err(field, format!("is not a known key{hint}"))
    }

    fn syntax(&self, text: &str, e: &toml::de::Error) -> ConfigError {
        let at = e
            .span()
            .map(|span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!(" at line {line}, column {col}")
            })
            .unwrap_or_default();
        let msg = e.message().trim().replace('\n', " ");
        ConfigError {
            origin: self.origin.to_string(),
            field: None,
            message: format!("TOML syntax error{at}: {msg}"),
        }
    }

    /// Deserialize a section into its raw struct, mapping serde's errors to
    /// one-line messages with the dotted path.
    fn section<T: DeserializeOwned>(
        &self,
        prefix: &str,
        value: toml::Value,
    ) -> Result<T, ConfigError> {
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let at = if path == "." || path.is_empty() {
                prefix.to_string()
            } else {
                format!("{prefix}.{path}")
            };
            // toml appends "in `key`" on a second line; the path already says it.
            let full = e.inner().to_string();
            let msg = full
                .lines()
                .next()
                .unwrap_or_default()
                .replace("expected f64", "expected a number");
            let ticked: Vec<&str> = msg.split('`').skip(1).step_by(2).collect();
            if msg.starts_with("unknown field") {
                let unknown = ticked.first().copied().unwrap_or("?");
                let field = if at.ends_with(unknown) {
                    at.clone()
                } else {
                    format!("{at}.{unknown}")
                };
                self.unknown(&field, &ticked[1..])
            } else if msg.starts_with("missing field") {
                let missing = ticked.first().copied().unwrap_or("?");
                self.err(&format!("{at}.{missing}"), "is missing (required)".into())
            } else if msg.starts_with("unknown variant") {
                let got = ticked.first().copied().unwrap_or("?");
                let hint = suggestion(got, &ticked[1..])
                    .map(|s| format!("; did you mean \"{s}\"?"))
                    .unwrap_or_default();
                self.err(
                    &at,
                    format!(
                        "= \"{got}\" is not allowed; one of {}{hint}",
                        list(&ticked[1..])
                    ),
                )
            } else {
                self.err(&at, format!(": {msg}"))
            }
        })
    }
}

fn list(options: &[&str]) -> String {
    options
        .iter()
        .map(|o| format!("\"{o}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The closest known key, if it is close enough to be a likely typo.
pub fn suggestion<'a>(got: &str, options: &[&'a str]) -> Option<&'a str> {
    options
        .iter()
        .map(|o| (strsim::jaro_winkler(got, o), *o))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, o)| o)
}

/// Allowed range of a real parameter.
#[derive(Clone, Copy, Debug)]
pub enum Domain {
    /// [0, ∞)
    NonNegative,
    /// (0, ∞)
    Positive,
    /// [0, 1]
    Unit,
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Domain::NonNegative => "[0, inf)",
            Domain::Positive => "(0, inf)",
            Domain::Unit => "[0, 1]",
        })
    }
}

impl Domain {
    pub fn contains(&self, v: f64) -> bool {
        match self {
            Domain::NonNegative => v >= 0.0 && v.is_finite(),
            Domain::Positive => v > 0.0 && v.is_finite(),
            Domain::Unit => (0.0..=1.0).contains(&v),
        }
    }
}

impl Cx<'_> {
    fn check(&self, field: &str, v: f64, domain: Domain) -> Result<f64, ConfigError> {
        if v.is_nan() {
            Err(self.err(
                field,
                "= nan is not a number; allowed range ".to_string() + &domain.to_string(),
            ))
        } else if !domain.contains(v) {
            Err(self.err(field, format!("= {v} is out of range {domain}")))
        } else {
            Ok(v)
        }
    }
}

// ---------------------------------------------------------------- openness

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOpenness {
    #[allow(dead_code)]
    family: String,
    alpha0: RawAlpha0,
    r: f64,
    c0: f64,
    c1: f64,
    #[serde(default)]
    epsilon: f64,
    #[serde(default = "one")]
    lambda: f64,
    #[serde(default)]
    kappa: f64,
    #[serde(default)]
    operation_cost: f64,
    #[serde(default)]
    bargaining: RawBargaining,
    regulation: Option<RawRegulation>,
}

fn one() -> f64 {
    1.0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBargaining {
    rule: RawRule,
    delta: Option<f64>,
}

impl Default for RawBargaining {
    fn default() -> Self {
        RawBargaining {
            rule: RawRule::Fixed,
            delta: None,
        }
    }
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum RawRule {
    Fixed,
    Nash,
    Utilitarian,
    Egalitarian,
    KalaiSmorodinsky,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegulation {
    theta: f64,
    penalty: f64,
    #[serde(default = "fixed_form")]
    penalty_form: PenaltyFormRaw,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum PenaltyFormRaw {
    Fixed,
    Proportional,
}

fn fixed_form() -> PenaltyFormRaw {
    PenaltyFormRaw::Fixed
}

/// `alpha0 = 0.2` or `alpha0 = "endogenous"`.
enum RawAlpha0 {
    Value(f64),
    Endogenous,
}

impl<'de> Deserialize<'de> for RawAlpha0 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = RawAlpha0;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or \"endogenous\"")
            }
            fn visit_f64<E>(self, v: f64) -> Result<RawAlpha0, E> {
                Ok(RawAlpha0::Value(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawAlpha0, E> {
                Ok(RawAlpha0::Value(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<RawAlpha0, E> {
                Ok(RawAlpha0::Value(v as f64))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawAlpha0, E> {
                if v == "endogenous" {
                    Ok(RawAlpha0::Endogenous)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(v), &self))
                }
            }
        }
        d.deserialize_any(V)
    }
}

fn openness(cx: &Cx, model: toml::Value) -> Result<OpennessGame, ConfigError> {
    let raw: RawOpenness = cx.section("model", model)?;
    let alpha0 = match raw.alpha0 {
        RawAlpha0::Value(v) => {
            Alpha0::Exogenous(cx.check("model.alpha0", v, Domain::NonNegative)?)
        }
        RawAlpha0::Endogenous => Alpha0::Endogenous,
    };
    let bargaining = match (raw.bargaining.rule, raw.bargaining.delta) {
        (RawRule::Fixed, d) => BargainingRule::Fixed(cx.check(
            "model.bargaining.delta",
            d.unwrap_or(0.5),
            Domain::Unit,
        )?),
        (_, Some(_)) => {
            return Err(cx.err(
                "model.bargaining.delta",
                "is set, but only rule = \"fixed\" takes a delta; other rules bargain over it"
                    .into(),
            ));
        }
        (RawRule::Nash, None) => BargainingRule::Nash,
        (RawRule::Utilitarian, None) => BargainingRule::Utilitarian,
        (RawRule::Egalitarian, None) => BargainingRule::Egalitarian,
        (RawRule::KalaiSmorodinsky, None) => BargainingRule::KalaiSmorodinsky,
    };
    let regulation = match raw.regulation {
        None => None,
        Some(reg) => Some(Regulation {
            theta: cx.check("model.regulation.theta", reg.theta, Domain::Unit)?,
            penalty: cx.check("model.regulation.penalty", reg.penalty, Domain::NonNegative)?,
            form: match reg.penalty_form {
                PenaltyFormRaw::Fixed => PenaltyForm::Fixed,
                PenaltyFormRaw::Proportional => PenaltyForm::Proportional,
            },
        }),
    };
    Ok(OpennessGame {
        alpha0,
        r: cx.check("model.r", raw.r, Domain::Positive)?,
        c0: cx.check("model.c0", raw.c0, Domain::Positive)?,
        c1: cx.check("model.c1", raw.c1, Domain::Positive)?,
        epsilon: cx.check("model.epsilon", raw.epsilon, Domain::NonNegative)?,
        lambda: cx.check("model.lambda", raw.lambda, Domain::Unit)?,
        kappa: cx.check("model.kappa", raw.kappa, Domain::NonNegative)?,
        operation_cost: cx.check(
            "model.operation_cost",
            raw.operation_cost,
            Domain::NonNegative,
        )?,
        bargaining,
        regulation,
    })
}

// -------------------------------------------------------------------- race

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRace {
    #[allow(dead_code)]
    family: String,
    #[serde(default = "lead")]
    utility: RawUtility,
    #[serde(default = "discrete")]
    actions: RawActions,
    head_start: Vec<f64>,
    boost: Vec<f64>,
    cost: Option<Vec<f64>>,
    #[serde(default = "one")]
    prize: f64,
    #[serde(default)]
    rho: f64,
    #[serde(default = "some_open")]
    nontrivial: RawNontrivial,
    leakage: RawLeakage,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawUtility {
    Lead,
    Gap,
    Share,
}

fn lead() -> RawUtility {
    RawUtility::Lead
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawActions {
    Discrete,
    Continuous,
}

fn discrete() -> RawActions {
    RawActions::Discrete
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawNontrivial {
    SomeOpen,
    NotAllEqual,
    Any,
}

fn some_open() -> RawNontrivial {
    RawNontrivial::SomeOpen
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLeakage {
    preset: RawPreset,
    /// A number, or a list (one per lab) for `opener`.
    beta: Option<toml::Value>,
    matrix: Option<Vec<Vec<f64>>>,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
enum RawPreset {
    Uniform,
    Opener,
    Proportional,
    CatchUp,
    Matrix,
}

impl Cx<'_> {
    fn check_list(
        &self,
        field: &str,
        values: &[f64],
        n: usize,
        domain: Domain,
    ) -> Result<Vec<f64>, ConfigError> {
        if values.len() != n {
            return Err(self.err(
                field,
                format!(
                    "has {} entries but model.head_start has {n}: one per lab",
                    values.len()
                ),
            ));
        }
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| self.check(&format!("{field}[{i}]"), v, domain))
            .collect()
    }

    fn number(&self, field: &str, v: &toml::Value) -> Result<f64, ConfigError> {
        match v {
            toml::Value::Float(f) => Ok(*f),
            toml::Value::Integer(i) => Ok(*i as f64),
            other => Err(self.err(
                field,
                format!(": invalid type: {}, expected a number", other.type_str()),
            )),
        }
    }
}

/// Most labs a race config may declare; enumeration stops at 30 labs anyway.
pub const MAX_LABS: usize = 1000;

fn race(cx: &Cx, model: toml::Value) -> Result<RaceGame, ConfigError> {
    let raw: RawRace = cx.section("model", model)?;
    let n = raw.head_start.len();
    if n < 2 {
        return Err(cx.err(
            "model.head_start",
            format!("has {n} entries; a race needs at least 2 labs"),
        ));
    }
    if n > MAX_LABS {
        return Err(cx.err(
            "model.head_start",
            format!("has {n} entries; at most {MAX_LABS} labs"),
        ));
    }
    let head_start = cx.check_list("model.head_start", &raw.head_start, n, Domain::Positive)?;
    let boost = cx.check_list("model.boost", &raw.boost, n, Domain::NonNegative)?;
    let cost = match &raw.cost {
        Some(c) => cx.check_list("model.cost", c, n, Domain::NonNegative)?,
        None => vec![0.0; n],
    };
    let beta = |need: &str| -> Result<f64, ConfigError> {
        let v = raw.leakage.beta.as_ref().ok_or_else(|| {
            cx.err(
                "model.leakage.beta",
                format!("is missing: preset = \"{need}\" needs a number"),
            )
        })?;
        cx.check(
            "model.leakage.beta",
            cx.number("model.leakage.beta", v)?,
            Domain::NonNegative,
        )
    };
    let leakage = match raw.leakage.preset {
        RawPreset::Uniform => Leakage::Uniform(beta("uniform")?),
        RawPreset::Proportional => Leakage::Proportional(beta("proportional")?),
        RawPreset::CatchUp => Leakage::CatchUp(beta("catch_up")?),
        RawPreset::Opener => {
            let list = match &raw.leakage.beta {
                Some(toml::Value::Array(a)) => a
                    .iter()
                    .enumerate()
                    .map(|(j, v)| cx.number(&format!("model.leakage.beta[{j}]"), v))
                    .collect::<Result<Vec<_>, _>>()?,
                Some(_) => {
                    return Err(cx.err(
                        "model.leakage.beta",
                        "must be a list (one β_j per lab) for preset = \"opener\"".into(),
                    ));
                }
                None => {
                    return Err(cx.err(
                        "model.leakage.beta",
                        "is missing: preset = \"opener\" needs a list, one β_j per lab".into(),
                    ));
                }
            };
            Leakage::Opener(cx.check_list("model.leakage.beta", &list, n, Domain::NonNegative)?)
        }
        RawPreset::Matrix => {
            let m = raw.leakage.matrix.as_ref().ok_or_else(|| {
                cx.err("model.leakage.matrix", "is missing: preset = \"matrix\" needs an n×n matrix (row = opener j, column = receiver i)".into())
            })?;
            if m.len() != n {
                return Err(cx.err(
                    "model.leakage.matrix",
                    format!(
                        "has {} rows but model.head_start has {n}: one row per lab",
                        m.len()
                    ),
                ));
            }
            for (j, row) in m.iter().enumerate() {
                let field = format!("model.leakage.matrix[{j}]");
                cx.check_list(&field, row, n, Domain::NonNegative)?;
                if row[j] != 0.0 {
                    return Err(cx.err(
                        &format!("{field}[{j}]"),
                        format!("= {} must be 0: a lab does not leak to itself", row[j]),
                    ));
                }
            }
            Leakage::Matrix(m.clone())
        }
    };
    let leak = leakage.build(&head_start);
    Ok(RaceGame {
        head_start,
        boost,
        cost,
        leak,
        utility: match raw.utility {
            RawUtility::Lead => Utility::Lead,
            RawUtility::Gap => Utility::Gap,
            RawUtility::Share => Utility::Share,
        },
        prize: cx.check("model.prize", raw.prize, Domain::Positive)?,
        rho: cx.check("model.rho", raw.rho, Domain::NonNegative)?,
        actions: match raw.actions {
            RawActions::Discrete => Actions::Discrete,
            RawActions::Continuous => Actions::Continuous,
        },
        nontrivial: match raw.nontrivial {
            RawNontrivial::SomeOpen => Nontrivial::SomeOpen,
            RawNontrivial::NotAllEqual => Nontrivial::NotAllEqual,
            RawNontrivial::Any => Nontrivial::Any,
        },
    })
}

// --------------------------------------------------- dynamics, runs, output

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDynamics {
    rule: RawRuleName,
    #[serde(default = "simultaneous")]
    schedule: RawSchedule,
    #[serde(default = "thousand")]
    max_iterations: u64,
    #[serde(default = "default_tol")]
    tol: f64,
    #[serde(default = "five")]
    window: u64,
    #[serde(default = "one")]
    inertia: f64,
    #[serde(default = "tenth")]
    epsilon: f64,
    #[serde(default = "default_temperature")]
    temperature: f64,
    #[serde(default = "default_points")]
    points: u64,
    #[serde(default = "half")]
    step: f64,
    #[serde(default)]
    decay: f64,
    #[serde(default = "half")]
    eta: f64,
    #[serde(default)]
    noise: f64,
    #[serde(default = "one_u")]
    leader_every: u64,
}

fn simultaneous() -> RawSchedule {
    RawSchedule::Simultaneous
}
fn thousand() -> u64 {
    1000
}
fn default_tol() -> f64 {
    1e-9
}
fn five() -> u64 {
    5
}
fn tenth() -> f64 {
    0.1
}
fn default_temperature() -> f64 {
    0.05
}
fn default_points() -> u64 {
    101
}
fn half() -> f64 {
    0.5
}
fn one_u() -> u64 {
    1
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum RawRuleName {
    BestResponse,
    EpsilonGreedy,
    Logit,
    FictitiousPlay,
    Gradient,
    Hedge,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum RawSchedule {
    Simultaneous,
    RoundRobin,
    RandomOrder,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuns {
    #[serde(default = "one_u")]
    seeds_per_point: u64,
    #[serde(default)]
    master_seed: u64,
}

impl Default for RawRuns {
    fn default() -> Self {
        RawRuns {
            seeds_per_point: 1,
            master_seed: 0,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    dir: Option<std::path::PathBuf>,
    #[serde(default)]
    trajectory_every: u64,
}

impl Cx<'_> {
    fn at_least_one(&self, field: &str, v: u64) -> Result<u64, ConfigError> {
        if v == 0 {
            Err(self.err(field, "= 0 is out of range [1, inf)".into()))
        } else {
            Ok(v)
        }
    }
}

fn dynamics(cx: &Cx, value: toml::Value) -> Result<DynamicsConfig, ConfigError> {
    let raw: RawDynamics = cx.section("dynamics", value)?;
    let points = cx.at_least_one("dynamics.points", raw.points)?;
    if points < 2 {
        return Err(cx.err(
            "dynamics.points",
            format!("= {points} is out of range [2, inf)"),
        ));
    }
    let points = points as usize;
    let rule = match raw.rule {
        RawRuleName::BestResponse => RuleConfig::BestResponse {
            inertia: cx.check("dynamics.inertia", raw.inertia, Domain::Unit)?,
        },
        RawRuleName::EpsilonGreedy => RuleConfig::EpsilonGreedy {
            epsilon: cx.check("dynamics.epsilon", raw.epsilon, Domain::Unit)?,
        },
        RawRuleName::Logit => RuleConfig::Logit {
            temperature: cx.check("dynamics.temperature", raw.temperature, Domain::Positive)?,
            points,
        },
        RawRuleName::FictitiousPlay => RuleConfig::FictitiousPlay,
        RawRuleName::Gradient => RuleConfig::Gradient {
            step: cx.check("dynamics.step", raw.step, Domain::Positive)?,
            decay: cx.check("dynamics.decay", raw.decay, Domain::NonNegative)?,
        },
        RawRuleName::Hedge => RuleConfig::Hedge {
            eta: cx.check("dynamics.eta", raw.eta, Domain::Positive)?,
            points,
        },
    };
    Ok(DynamicsConfig {
        rule,
        schedule: match raw.schedule {
            RawSchedule::Simultaneous => Schedule::Simultaneous,
            RawSchedule::RoundRobin => Schedule::RoundRobin,
            RawSchedule::RandomOrder => Schedule::RandomOrder,
        },
        termination: Termination {
            max_iterations: cx.at_least_one("dynamics.max_iterations", raw.max_iterations)?,
            tol: cx.check("dynamics.tol", raw.tol, Domain::NonNegative)?,
            window: cx.at_least_one("dynamics.window", raw.window)?,
            stop_on_cycle: true,
        },
        noise: cx.check("dynamics.noise", raw.noise, Domain::NonNegative)?,
        leader_every: cx.at_least_one("dynamics.leader_every", raw.leader_every)?,
    })
}
