//! `[dynamics]`, `[runs]` and `[output]`.
//!
//! A `[dynamics]` table holds the shared settings (schedule, termination,
//! noise, two timescales) and the default rule: `rule = "..."` plus any
//! parameter a rule declares ([`all_params`]). Agents may have their own
//! rule tables — `[dynamics.generalist]` and `[dynamics.specialist]` in the
//! openness market, `[dynamics.lab.K]` for lab K of a race, and in a
//! sector `[dynamics.specialist]` for every specialist with
//! `[dynamics.specialist.K]` for specialist K — whose keys
//! override the top level's (a table without `rule` keeps the default rule
//! with its own parameters). Every parameter present is checked against its
//! range whether or not the chosen rule reads it, so a typo in a
//! swept-over rule's parameter is caught too.

use serde::Deserialize;

use super::error::{ConfigError, Cx};
use super::{DynamicsConfig, FamilyKind, ModelConfig, OutputConfig, RunsConfig};
use crate::concept::Concept;
use crate::domain::{Domain, ParamValues};
use crate::dynamics::rules::{RuleKind, all_params};
use crate::dynamics::{Schedule, StopRule, Termination};
use crate::family::{AgentTable, Numbered};
use crate::limits::{MAX_ITERATIONS, MAX_SEEDS};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "dynamics table")]
struct Shared {
    rule: Option<RuleKind>,
    schedule: Option<Schedule>,
    #[serde(default = "thousand")]
    max_iterations: u64,
    tol: Option<f64>,
    window: Option<u64>,
    #[serde(default)]
    noise: f64,
    #[serde(default)]
    response_noise: f64,
    #[serde(default = "one")]
    leader_every: u64,
    stop: Option<StopRule>,
}

/// The shared keys of `[dynamics]`, besides the rules' parameters and the
/// agents' tables.
const SHARED: &[&str] = &[
    "rule",
    "schedule",
    "max_iterations",
    "tol",
    "window",
    "noise",
    "response_noise",
    "leader_every",
    "stop",
];

fn thousand() -> u64 {
    1000
}
fn one() -> u64 {
    1
}

/// A rule table's parameter keys into checked values; `rule` is returned
/// apart; any other key is an error naming `prefix.key`.
fn rule_table(
    cx: &Cx,
    prefix: &str,
    table: &toml::Table,
    other: &[&str],
) -> Result<(Option<toml::Value>, ParamValues), ConfigError> {
    let params = all_params();
    let mut values = ParamValues::default();
    let mut rule = None;
    for (key, v) in table {
        let field = format!("{prefix}.{key}");
        if key == "rule" {
            rule = Some(v.clone());
        } else if let Some(p) = params.iter().find(|p| p.key == key) {
            values.set(p.key, cx.check(&field, cx.number(&field, v)?, p.domain)?);
        } else if !other.contains(&key.as_str()) {
            let mut known: Vec<&str> = std::iter::once("rule")
                .chain(other.iter().copied())
                .chain(params.iter().map(|p| p.key))
                .collect();
            // `rule` is also among the shared keys of `[dynamics]`.
            let mut seen = std::collections::HashSet::new();
            known.retain(|k| seen.insert(*k));
            return Err(cx.unknown(&field, &known));
        }
    }
    Ok((rule, values))
}

/// An agent's index written as configs write it: 0, 1, …, without sign
/// or leading zeros (so that no two keys name one agent).
fn agent_index(key: &str) -> Option<usize> {
    key.parse::<usize>().ok().filter(|k| k.to_string() == key)
}

/// Whether a key of `[dynamics.specialist]` is meant as a specialist's
/// index (a signed or unsigned run of digits) rather than a rule key.
fn looks_numbered(key: &str) -> bool {
    let digits = key.strip_prefix(['+', '-']).unwrap_or(key);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn rule_kind(cx: &Cx, field: &str, v: toml::Value) -> Result<RuleKind, ConfigError> {
    #[derive(Deserialize)]
    struct R {
        rule: RuleKind,
    }
    let mut t = toml::Table::new();
    t.insert("rule".into(), v);
    let r: R = cx.section(field, toml::Value::Table(t))?;
    Ok(r.rule)
}

/// A group's table: its shared rule keys, and its numbered tables.
type Group<'a> = (Numbered, toml::Table, Vec<(&'a String, &'a toml::Value)>);

/// `[dynamics]` of `model`: the shared settings, the default rule, and the
/// rule tables of its agents (`model`'s [`AgentTable`]s).
pub(crate) fn dynamics(
    cx: &Cx,
    value: toml::Value,
    model: &ModelConfig,
) -> Result<DynamicsConfig, ConfigError> {
    let toml::Value::Table(table) = value else {
        return Err(cx.err("dynamics", "must be a table".into()));
    };
    let family = model.family();
    let agent_keys = family.agent_keys();
    for other in <FamilyKind as strum::VariantArray>::VARIANTS {
        for key in other.agent_keys() {
            if !agent_keys.contains(key) && table.contains_key(*key) {
                return Err(cx.err(
                    &format!("dynamics.{key}"),
                    format!(
                        "is a table of the {} family; this model is {}",
                        <&str>::from(other),
                        <&str>::from(family)
                    ),
                ));
            }
        }
    }
    let other: Vec<&str> = SHARED.iter().chain(agent_keys).copied().collect();
    let (_, values) = rule_table(cx, "dynamics", &table, &other)?;
    let shared: toml::Table = table
        .iter()
        .filter(|(k, _)| SHARED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let raw: Shared = cx.section("dynamics", toml::Value::Table(shared))?;
    // A rule for a table without its own `rule`: the default, when there
    // is one.
    let inherit = |field: &str, from: Option<RuleKind>| {
        from.ok_or_else(|| {
            cx.err(
                &format!("{field}.rule"),
                "is missing, and [dynamics] gives no default rule".into(),
            )
        })
    };
    // The agents' own tables: (agent index, dotted name, table).
    let mut tables: Vec<(usize, String, &toml::Table)> = Vec::new();
    let as_table = |field: &str, v: &'_ toml::Value| -> Result<(), ConfigError> {
        if v.is_table() {
            Ok(())
        } else {
            Err(cx.err(field, format!("must be a table, not {}", v.type_str())))
        }
    };
    // The index N of `[dynamics.KEY.N]`, checked against the group.
    let index_of = |field: &str, index: &str, g: &Numbered| -> Result<usize, ConfigError> {
        let k = agent_index(index).ok_or_else(|| {
            cx.err(
                field,
                format!(
                    "names a {} by its index: [dynamics.{}.0], [dynamics.{}.1], …",
                    g.noun, g.key, g.key
                ),
            )
        })?;
        if k >= g.count {
            return Err(cx.err(
                field,
                format!(
                    "names {} {k}, but the {} has {} {}s (0 to {})",
                    g.noun,
                    g.whole,
                    g.count,
                    g.noun,
                    g.count - 1
                ),
            ));
        }
        Ok(k)
    };
    // A group's `[dynamics.KEY]`: its rule keys apply to every member; its
    // numbered tables, to one each.
    let mut group: Option<Group> = None;
    for spec in model.agent_tables() {
        match spec {
            AgentTable::One { key, agent } => {
                if let Some(v) = table.get(key) {
                    let field = format!("dynamics.{key}");
                    as_table(&field, v)?;
                    tables.push((agent, field, v.as_table().expect("checked")));
                }
            }
            AgentTable::Numbered(g) => {
                if let Some(v) = table.get(g.key) {
                    as_table(&format!("dynamics.{}", g.key), v)?;
                    for (index, t) in v.as_table().expect("checked") {
                        let field = format!("dynamics.{}.{index}", g.key);
                        let k = index_of(&field, index, &g)?;
                        as_table(&field, t)?;
                        tables.push((g.first + k, field, t.as_table().expect("checked")));
                    }
                }
            }
            AgentTable::Group(g) => {
                if let Some(v) = table.get(g.key) {
                    as_table(&format!("dynamics.{}", g.key), v)?;
                    let (numbered, shared): (Vec<_>, Vec<_>) = v
                        .as_table()
                        .expect("checked")
                        .iter()
                        .partition(|(key, _)| looks_numbered(key));
                    let shared = shared
                        .into_iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    group = Some((g, shared, numbered));
                }
            }
        }
    }
    let mut agents_rules = Vec::new();
    for (agent, field, t) in tables {
        let (rule, own) = rule_table(cx, &field, t, &[])?;
        let kind = match rule {
            Some(v) => rule_kind(cx, &field, v)?,
            None => inherit(&field, raw.rule)?,
        };
        agents_rules.push((agent, kind.configure(&values.overlay(&own))));
    }
    let mut followers = None;
    if let Some((g, shared, numbered)) = &group {
        let field = format!("dynamics.{}", g.key);
        let (rule, own) = rule_table(cx, &field, shared, &[])?;
        let kind = match rule {
            Some(v) => Some(rule_kind(cx, &field, v)?),
            None => raw.rule,
        };
        let common = values.overlay(&own);
        followers = kind.map(|kind| kind.configure(&common));
        for (index, v) in numbered {
            let field = format!("dynamics.{}.{index}", g.key);
            let k = index_of(&field, index, g)?;
            as_table(&field, v)?;
            let (rule, own) = rule_table(cx, &field, v.as_table().expect("checked"), &[])?;
            let kind = match rule {
                Some(v) => rule_kind(cx, &field, v)?,
                None => inherit(&field, kind)?,
            };
            agents_rules.push((g.first + k, kind.configure(&common.overlay(&own))));
        }
    }
    agents_rules.sort_by_key(|(a, _)| *a);
    // Without a default rule every agent needs one of its own (or its
    // group's); the default is then never read, and holds agent 0's.
    let default = match raw.rule {
        Some(kind) => kind.configure(&values),
        None => {
            let group = |i: usize| {
                group.as_ref().is_some_and(|(g, _, _)| {
                    followers.is_some() && (g.first..g.first + g.count).contains(&i)
                })
            };
            let own = |i: usize| agents_rules.iter().find(|(a, _)| *a == i).map(|(_, r)| *r);
            if let Some(i) = (0..model.agents()).find(|&i| own(i).is_none() && !group(i)) {
                return Err(cx.err(
                    "dynamics.rule",
                    format!(
                        "is missing, and {} has no rule of its own: give a default rule, or every agent a table with one",
                        model.agent_name(i)
                    ),
                ));
            }
            own(0).or(followers).expect("agent 0 has a rule")
        }
    };
    let schedule = model
        .schedule(raw.schedule)
        .map_err(|why| cx.err("dynamics.schedule", why))?;
    model
        .leader_every(raw.leader_every)
        .map_err(|why| cx.err("dynamics.leader_every", why))?;
    let max_iterations = cx.at_least_one("dynamics.max_iterations", raw.max_iterations)?;
    if max_iterations > MAX_ITERATIONS {
        return Err(cx.err(
            "dynamics.max_iterations",
            format!("= {max_iterations} is out of range [1, {MAX_ITERATIONS}]"),
        ));
    }
    // The default window shrinks with a very short run, so that
    // `max_iterations = 1` alone is valid.
    let window = match raw.window {
        Some(w) => cx.at_least_one("dynamics.window", w)?,
        None => max_iterations.min(5),
    };
    if window > max_iterations {
        return Err(cx.err(
            "dynamics.window",
            format!(
                "= {window} is more than max_iterations = {max_iterations}: no run could converge (allowed: [1, max_iterations])"
            ),
        ));
    }
    let tol = raw
        .tol
        .map(|t| cx.check("dynamics.tol", t, Domain::NonNegative))
        .transpose()?;
    Ok(DynamicsConfig {
        rule: default,
        agents: agents_rules,
        followers,
        schedule,
        termination: Termination {
            max_iterations,
            tol: tol.unwrap_or(Concept::PureNash.default_tol()),
            still: tol.unwrap_or(Concept::PureNash.default_tol()),
            window,
            stop_on_cycle: true,
            stop: raw.stop.unwrap_or_default(),
        },
        tol,
        stop: raw.stop,
        noise: cx.check("dynamics.noise", raw.noise, Domain::NonNegative)?,
        response_noise: cx.check(
            "dynamics.response_noise",
            raw.response_noise,
            Domain::NonNegative,
        )?,
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
    let seeds = cx.at_least_one("runs.seeds_per_point", raw.seeds_per_point)?;
    if seeds > MAX_SEEDS {
        return Err(cx.err(
            "runs.seeds_per_point",
            format!("= {seeds} is out of range [1, {MAX_SEEDS}]"),
        ));
    }
    Ok(RunsConfig {
        seeds_per_point: seeds,
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
    if let Some(dir) = &raw.dir {
        // The folder is renamed into place from `<dir>.partial`: it needs a
        // last component that names it.
        if dir.file_name().is_none() {
            return Err(cx.err(
                "output.dir",
                format!(
                    "= {:?} does not name a folder (e.g. \"output/quickstart\")",
                    dir.display().to_string()
                ),
            ));
        }
    }
    Ok(OutputConfig {
        dir: raw.dir,
        trajectory_every: raw.trajectory_every,
    })
}
