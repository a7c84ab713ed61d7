//! `[regulator]`: a regulator that learns (θ, p) against an objective, and
//! `[dynamics.regulator]`, its rule.

use serde::Deserialize;

use super::rules::RegulatorRule;
use super::{Objective, ObjectiveKind, RegulatorConfig, SearchBox};
use crate::config::error::{ConfigError, Cx};
use crate::domain::Domain;
use crate::openness::{PenaltyForm, Regulation};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "regulator table")]
struct RawRegulator {
    objective: ObjectiveKind,
    weights: Option<RawWeights>,
    #[serde(default = "unit")]
    theta: [f64; 2],
    #[serde(default = "unit")]
    penalty: [f64; 2],
    #[serde(default = "hundred")]
    inner_iterations: u64,
    #[serde(default = "thousand")]
    outer_iterations: u64,
    #[serde(default = "milli")]
    tol: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "weights table")]
struct RawWeights {
    #[serde(default)]
    openness: f64,
    #[serde(default)]
    performance: f64,
    #[serde(default)]
    surplus: f64,
}

fn unit() -> [f64; 2] {
    [0.0, 1.0]
}
fn hundred() -> u64 {
    100
}
fn thousand() -> u64 {
    1000
}
fn milli() -> f64 {
    1e-3
}

/// Most regulator steps a run may take.
const MAX_OUTER: u64 = 1_000_000;
/// Most market iterations per regulator step.
const MAX_INNER: u64 = 10_000_000;

/// `[regulator]` of an openness game or a sector whose own regulation is
/// `regulation` (its penalty form is the search's), with the rule
/// `[dynamics.regulator]` gave (or UCB1).
pub(crate) fn regulator(
    cx: &Cx,
    value: &toml::Value,
    regulation: Option<Regulation>,
    rule: Option<RegulatorRule>,
) -> Result<RegulatorConfig, ConfigError> {
    let raw: RawRegulator = cx.section("regulator", value.clone())?;
    let objective = match (raw.objective, raw.weights) {
        (ObjectiveKind::Weighted, Some(w)) => {
            for (key, v) in [
                ("openness", w.openness),
                ("performance", w.performance),
                ("surplus", w.surplus),
            ] {
                cx.check(&format!("regulator.weights.{key}"), v, Domain::NonNegative)?;
            }
            if w.openness + w.performance + w.surplus == 0.0 {
                return Err(cx.err(
                    "regulator.weights",
                    "are all 0: the objective would be 0 everywhere (give at least one weight > 0)"
                        .into(),
                ));
            }
            Objective::Weighted {
                openness: w.openness,
                performance: w.performance,
                surplus: w.surplus,
            }
        }
        (ObjectiveKind::Weighted, None) => {
            return Err(cx.err(
                "regulator.weights",
                "is missing: objective = \"weighted\" needs weights = { openness = …, performance = …, surplus = … }".into(),
            ));
        }
        (_, Some(_)) => {
            return Err(cx.err(
                "regulator.weights",
                "is set, but only objective = \"weighted\" takes weights".into(),
            ));
        }
        (ObjectiveKind::Openness, None) => Objective::Openness,
        (ObjectiveKind::Performance, None) => Objective::Performance,
        (ObjectiveKind::Surplus, None) => Objective::Surplus,
    };
    let range =
        |field: &str, [lo, hi]: [f64; 2], domain: Domain| -> Result<[f64; 2], ConfigError> {
            cx.check(&format!("{field}[0]"), lo, domain)?;
            cx.check(&format!("{field}[1]"), hi, domain)?;
            if !hi.is_finite() {
                return Err(cx.err(&format!("{field}[1]"), format!("= {hi} must be finite")));
            }
            if lo > hi {
                return Err(cx.err(field, format!("= [{lo}, {hi}] must have low ≤ high")));
            }
            Ok([lo, hi])
        };
    let search = SearchBox {
        theta: range("regulator.theta", raw.theta, Domain::Unit)?,
        penalty: range("regulator.penalty", raw.penalty, Domain::NonNegative)?,
        form: regulation.map_or(PenaltyForm::Fixed, |r| r.form),
    };
    let rule = rule.unwrap_or_default();
    rule.check(&search).map_err(|why| {
        cx.err(
            "dynamics.regulator",
            format!("({}): {why}", <&str>::from(rule)),
        )
    })?;
    let outer = cx.at_least_one("regulator.outer_iterations", raw.outer_iterations)?;
    if outer > MAX_OUTER {
        return Err(cx.err(
            "regulator.outer_iterations",
            format!("= {outer} is out of range [1, {MAX_OUTER}]"),
        ));
    }
    Ok(RegulatorConfig {
        objective,
        search,
        inner_iterations: {
            let inner = cx.at_least_one("regulator.inner_iterations", raw.inner_iterations)?;
            if inner > MAX_INNER {
                return Err(cx.err(
                    "regulator.inner_iterations",
                    format!("= {inner} is out of range [1, {MAX_INNER}]"),
                ));
            }
            inner
        },
        outer_iterations: outer,
        tol: cx.check("regulator.tol", raw.tol, Domain::Positive)?,
        rule,
    })
}

/// `[dynamics.regulator]`: the rule table.
pub(crate) fn rule(cx: &Cx, value: &toml::Value) -> Result<RegulatorRule, ConfigError> {
    // The rule is an internally tagged enum, through which serde loses the
    // key's name; a non-finite number is named here instead.
    if let Some(t) = value.as_table() {
        for (key, v) in t {
            if let toml::Value::Float(x) = v
                && !x.is_finite()
            {
                return Err(cx.err(
                    &format!("dynamics.regulator.{key}"),
                    format!("= {x} is not a finite number"),
                ));
            }
        }
    }
    cx.section("dynamics.regulator", value.clone())
}
