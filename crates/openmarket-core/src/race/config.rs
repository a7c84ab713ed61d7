//! `[model]` of family `race`: the TOML shape, turned into [`RaceParams`]
//! and checked by [`RaceGame::new`].

use serde::Deserialize;

use crate::config::error::{ConfigError, Cx};
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
