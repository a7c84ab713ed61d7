//! `[dynamics]`, `[runs]` and `[output]`.
//!
//! A `[dynamics]` table holds the shared settings (schedule, termination,
//! noise, two timescales) and a rule: `rule = "..."` plus any parameter a
//! rule declares ([`all_params`]). Every parameter present is checked
//! against its range whether or not the chosen rule reads it, so a typo in
//! a swept-over rule's parameter is caught too.

use serde::Deserialize;

use super::error::{ConfigError, Cx};
use super::{DynamicsConfig, OutputConfig, RunsConfig};
use crate::domain::{Domain, ParamValues};
use crate::dynamics::rules::{RuleKind, all_params};
use crate::dynamics::{Schedule, Termination};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "dynamics table")]
struct Shared {
    rule: RuleKind,
    #[serde(default)]
    schedule: Schedule,
    #[serde(default = "thousand")]
    max_iterations: u64,
    #[serde(default = "default_tol")]
    tol: f64,
    #[serde(default = "five")]
    window: u64,
    #[serde(default)]
    noise: f64,
    #[serde(default = "one")]
    leader_every: u64,
}

/// The shared keys of `[dynamics]`, besides the rules' parameters.
const SHARED: &[&str] = &[
    "rule",
    "schedule",
    "max_iterations",
    "tol",
    "window",
    "noise",
    "leader_every",
];

fn thousand() -> u64 {
    1000
}
fn default_tol() -> f64 {
    1e-9
}
fn five() -> u64 {
    5
}
fn one() -> u64 {
    1
}

pub(crate) fn dynamics(cx: &Cx, value: toml::Value) -> Result<DynamicsConfig, ConfigError> {
    let toml::Value::Table(table) = value else {
        return Err(cx.err("dynamics", "must be a table".into()));
    };
    let params = all_params();
    let mut shared = toml::Table::new();
    let mut values = ParamValues::default();
    for (key, v) in table {
        if SHARED.contains(&key.as_str()) {
            shared.insert(key, v);
        } else if let Some(p) = params.iter().find(|p| p.key == key) {
            let field = format!("dynamics.{key}");
            values.set(p.key, cx.check(&field, cx.number(&field, &v)?, p.domain)?);
        } else {
            let known: Vec<&str> = SHARED
                .iter()
                .copied()
                .chain(params.iter().map(|p| p.key))
                .collect();
            return Err(cx.unknown(&format!("dynamics.{key}"), &known));
        }
    }
    let raw: Shared = cx.section("dynamics", toml::Value::Table(shared))?;
    Ok(DynamicsConfig {
        rule: raw.rule.configure(&values),
        schedule: raw.schedule,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "runs table")]
struct RawRuns {
    #[serde(default = "one")]
    seeds_per_point: u64,
    #[serde(default)]
    master_seed: u64,
}

pub(crate) fn runs(cx: &Cx, value: Option<&toml::Value>) -> Result<RunsConfig, ConfigError> {
    let raw: RawRuns = match value {
        Some(v) => cx.section("runs", v.clone())?,
        None => RawRuns {
            seeds_per_point: 1,
            master_seed: 0,
        },
    };
    Ok(RunsConfig {
        seeds_per_point: cx.at_least_one("runs.seeds_per_point", raw.seeds_per_point)?,
        master_seed: raw.master_seed,
    })
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename = "output table")]
struct RawOutput {
    dir: Option<std::path::PathBuf>,
    #[serde(default)]
    trajectory_every: u64,
}

pub(crate) fn output(cx: &Cx, value: Option<&toml::Value>) -> Result<OutputConfig, ConfigError> {
    let raw: RawOutput = match value {
        Some(v) => cx.section("output", v.clone())?,
        None => RawOutput::default(),
    };
    Ok(OutputConfig {
        dir: raw.dir,
        trajectory_every: raw.trajectory_every,
    })
}
