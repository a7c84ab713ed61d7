//! `[model]` of family `race`: the TOML shape, turned into [`RaceParams`]
//! and checked by [`RaceGame::new`].

use serde::Deserialize;

use crate::config::error::{ConfigError, Cx};
use crate::race::solve::Question;
use crate::race::{Actions, Leakage, LeakagePreset, Nontrivial, RaceGame, RaceParams, Utility};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "race model")]
struct RawRace {
    #[serde(default)]
    utility: Utility,
    #[serde(default)]
    actions: Actions,
    head_start: Vec<f64>,
    boost: Vec<f64>,
    cost: Option<Vec<f64>>,
    #[serde(default = "one")]
    prize: f64,
    #[serde(default)]
    rho: f64,
    #[serde(default)]
    nontrivial: Nontrivial,
    leakage: RawLeakage,
}

fn one() -> f64 {
    1.0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "leakage table")]
struct RawLeakage {
    preset: LeakagePreset,
    /// A number, or a list (one per lab) for `opener`.
    beta: Option<toml::Value>,
    matrix: Option<Vec<Vec<f64>>>,
}

/// `[solve]`: what a plan asks of each point's pure equilibria.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "solve section")]
struct RawSolve {
    question: Question,
}

/// The race of a config: `[model]`, and the question of `[solve]`.
pub(crate) fn parse_config(
    cx: &Cx,
    model: toml::Value,
    table: &toml::Table,
) -> Result<RaceGame, ConfigError> {
    let game = parse(cx, model)?;
    let Some(solve) = table.get("solve") else {
        return Ok(game);
    };
    let raw: RawSolve = cx.section("solve", solve.clone())?;
    if raw.question != Question::All && table.contains_key("dynamics") {
        return Err(cx.err(
            "solve.question",
            format!(
                "= \"{}\" answers without listing the equilibria, but runs are judged against every pure NE: a plan with [dynamics] needs question = \"all\"",
                <&str>::from(raw.question)
            ),
        ));
    }
    if raw.question != Question::All && game.actions != Actions::Discrete {
        // The continuous race's count is of regime patterns, and its
        // existence answer comes from the same listing: nothing to gain.
        return Err(cx.err(
            "solve.question",
            format!(
                "= \"{}\" is asked of a discrete race (actions = \"discrete\"); a continuous race's equilibria are listed (question = \"all\")",
                <&str>::from(raw.question)
            ),
        ));
    }
    Ok(game.with_question(raw.question))
}

pub(crate) fn parse(cx: &Cx, mut model: toml::Value) -> Result<RaceGame, ConfigError> {
    if let toml::Value::Table(t) = &mut model {
        t.remove("family");
    }
    let raw: RawRace = cx.section("model", model)?;
    let n = raw.head_start.len();
    let beta = |need: &str| -> Result<f64, ConfigError> {
        let v = raw.leakage.beta.as_ref().ok_or_else(|| {
            cx.err(
                "model.leakage.beta",
                format!("is missing: preset = \"{need}\" needs a number"),
            )
        })?;
        cx.number("model.leakage.beta", v)
    };
    let leakage = match raw.leakage.preset {
        LeakagePreset::Uniform => Leakage::Uniform(beta("uniform")?),
        LeakagePreset::Proportional => Leakage::Proportional(beta("proportional")?),
        LeakagePreset::CatchUp => Leakage::CatchUp(beta("catch_up")?),
        LeakagePreset::Opener => match &raw.leakage.beta {
            Some(toml::Value::Array(a)) => Leakage::Opener(
                a.iter()
                    .enumerate()
                    .map(|(j, v)| cx.number(&format!("model.leakage.beta[{j}]"), v))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
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
        },
        LeakagePreset::Matrix => Leakage::Matrix(raw.leakage.matrix.clone().ok_or_else(|| {
            cx.err(
                "model.leakage.matrix",
                "is missing: preset = \"matrix\" needs an n×n matrix (row = opener j, column = receiver i)".into(),
            )
        })?),
    };
    RaceGame::new(RaceParams {
        cost: raw.cost.unwrap_or_else(|| vec![0.0; n]),
        head_start: raw.head_start,
        boost: raw.boost,
        leakage,
        utility: raw.utility,
        prize: raw.prize,
        rho: raw.rho,
        actions: raw.actions,
        nontrivial: raw.nontrivial,
    })
    .map_err(|e| cx.err(&format!("model.{}", e.field), e.reason))
}
