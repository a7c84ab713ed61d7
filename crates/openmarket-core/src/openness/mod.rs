//! The openness-regulation game (docs/model.md §A): a regulator's rule, a
//! generalist G choosing its openness ω, a specialist D fine-tuning to α1,
//! and the revenue share δ they bargain over.
//!
//! This module holds the game and its payoffs; [`spe`] solves it exactly by
//! backward induction and [`policy`] derives the regulator's diagnostics
//! (indifference curve, effective thresholds, lever).

mod bargain;
pub(crate) mod config;
mod family;
pub mod judge;
pub mod learning;
pub mod market;
pub mod policy;
pub mod regulator;
pub mod sector;
pub mod spe;

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::math::Poly3;

pub use family::Openness;
pub use market::Market;
pub use spe::{Choice, Equilibrium, StageOutcome, regulated_choice};

/// G's baseline performance: a parameter, or chosen by G (FTG's original game).
///
/// In a config: `alpha0 = 0.2` or `alpha0 = "endogenous"`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Alpha0 {
    /// α0 is given.
    Exogenous(f64),
    /// G chooses α0 at stage 2 (closed form α0* = s(ω)·r/(2c0)).
    Endogenous,
}

impl<'de> Deserialize<'de> for Alpha0 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Alpha0;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or \"endogenous\"")
            }
            fn visit_f64<E>(self, v: f64) -> Result<Alpha0, E> {
                Ok(Alpha0::Exogenous(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Alpha0, E> {
                Ok(Alpha0::Exogenous(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Alpha0, E> {
                Ok(Alpha0::Exogenous(v as f64))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Alpha0, E> {
                if v == "endogenous" {
                    Ok(Alpha0::Endogenous)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(v), &self))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// How G and D agree on the revenue share δ (stage 1).
///
/// In a config: `[model.bargaining] rule = "fixed", delta = 0.5`, or
/// `rule = "nash"` (and the other rules) without a delta.
#[derive(Clone, Copy, Debug, PartialEq, strum::EnumDiscriminants)]
#[strum_discriminants(
    name(BargainingKind),
    doc = "The name of a bargaining rule, as configs and output spell it.",
    derive(Serialize, Deserialize, strum::IntoStaticStr, strum::AsRefStr),
    serde(rename_all = "snake_case"),
    strum(serialize_all = "snake_case")
)]
pub enum BargainingRule {
    /// δ is given.
    Fixed(f64),
    /// argmax U_G·U_D, disagreement point (0, 0).
    Nash,
    /// argmax U_G + U_D.
    Utilitarian,
    /// U_G = U_D with the largest common value, computed as argmax min(U_G, U_D).
    Egalitarian,
    /// argmax min(U_G / U_G^max, U_D / U_D^max), ideal point over δ ∈ [0,1].
    KalaiSmorodinsky,
}

impl Default for BargainingRule {
    fn default() -> Self {
        BargainingRule::Fixed(0.5)
    }
}

impl<'de> Deserialize<'de> for BargainingRule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields, rename = "bargaining table")]
        struct Table {
            rule: BargainingKind,
            delta: Option<f64>,
        }
        let t = Table::deserialize(d)?;
        Ok(match (t.rule, t.delta) {
            (BargainingKind::Fixed, d) => BargainingRule::Fixed(d.unwrap_or(0.5)),
            (_, Some(_)) => {
                return Err(serde::de::Error::custom(
                    "delta is set, but only rule = \"fixed\" takes a delta; other rules bargain over it",
                ));
            }
            (BargainingKind::Nash, None) => BargainingRule::Nash,
            (BargainingKind::Utilitarian, None) => BargainingRule::Utilitarian,
            (BargainingKind::Egalitarian, None) => BargainingRule::Egalitarian,
            (BargainingKind::KalaiSmorodinsky, None) => BargainingRule::KalaiSmorodinsky,
        })
    }
}

/// The penalty G pays for openness below the threshold.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::AsRefStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum PenaltyForm {
    /// p·1[ω < θ]
    #[default]
    Fixed,
    /// p·(θ − ω)⁺
    Proportional,
}

/// The regulator's rule: threshold θ, penalty p and its form
/// (`[model.regulation] theta, penalty, penalty_form`).
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename = "regulation table")]
pub struct Regulation {
    /// The open-source threshold θ ∈ [0, 1].
    pub theta: f64,
    /// The penalty p ≥ 0.
    pub penalty: f64,
    /// How the penalty depends on ω.
    #[serde(rename = "penalty_form", default)]
    pub form: PenaltyForm,
}

impl Regulation {
    /// The penalty G pays at openness ω.
    pub fn penalty_at(&self, omega: f64) -> f64 {
        match self.form {
            PenaltyForm::Fixed if omega < self.theta => self.penalty,
            PenaltyForm::Fixed => 0.0,
            PenaltyForm::Proportional => self.penalty * (self.theta - omega).max(0.0),
        }
    }
}

/// All parameters of one openness game. Field names are the config keys of
/// `[model]` (docs/model.md §A.2 gives their meaning and domains); the
/// config layer checks every value against its domain.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename = "openness model")]
pub struct OpennessGame {
    /// G's baseline performance α0, given or chosen.
    pub alpha0: Alpha0,
    /// Revenue per unit of performance, r > 0.
    pub r: f64,
    /// G's production cost coefficient c0 > 0.
    pub c0: f64,
    /// D's fine-tuning cost coefficient c1 > 0.
    pub c1: f64,
    /// G's reputational benefit of openness ε ≥ 0 (default 0).
    #[serde(default)]
    pub epsilon: f64,
    /// Revenue leakage to D through openness, λ ∈ [0, 1] (default 1).
    #[serde(default = "one")]
    pub lambda: f64,
    /// How much openness cheapens fine-tuning, κ ≥ 0 (default 0).
    #[serde(default)]
    pub kappa: f64,
    /// G's cost of serving a closed model, o ≥ 0 (default 0).
    #[serde(default)]
    pub operation_cost: f64,
    /// How δ is set (default: fixed at 0.5).
    #[serde(default)]
    pub bargaining: BargainingRule,
    /// The regulator's rule; `None` = unregulated.
    #[serde(default)]
    pub regulation: Option<Regulation>,
}

pub(crate) fn one() -> f64 {
    1.0
}

/// The equilibrium regime (docs/model.md §A.3).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::AsRefStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Regime {
    /// The threshold is at or below G's unregulated choice.
    Nonbinding,
    /// G raises ω to meet the threshold.
    Comply,
    /// G keeps its choice and pays (deadweight loss).
    PayPenalty,
    /// G's best value is negative: it leaves, and both get 0.
    Exit,
}

/// Which policy lever moves G's release decision at the margin.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::AsRefStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Lever {
    /// G complies with a binding threshold: raising θ raises ω.
    Threshold,
    /// G pays the penalty: only raising p (to p̄(θ)) changes ω.
    Penalty,
    /// Regulation does not bind, or G exits.
    None,
}

impl OpennessGame {
    /// α0 when it is given (exogenous); `None` when G chooses it.
    pub fn alpha0_value(&self) -> Option<f64> {
        match self.alpha0 {
            Alpha0::Exogenous(a) => Some(a),
            Alpha0::Endogenous => None,
        }
    }

    /// G's effective revenue share s(ω) = δ(1 − λω), as a polynomial in ω.
    fn share(&self, delta: f64) -> Poly3 {
        Poly3::linear(delta, -delta * self.lambda)
    }

    /// G's continuation value V(ω) at δ: U_G with D's best response
    /// substituted and no penalty.
    pub fn value_poly(&self, delta: f64) -> Poly3 {
        let s = self.share(delta);
        let t = Poly3::constant(1.0) - s;
        let finetune = Poly3::linear(1.0, self.kappa);
        let sq = self.r * self.r;
        let revenue_on_gain = (s * t * finetune).scale(sq / (2.0 * self.c1));
        let openness = Poly3::linear(-self.operation_cost, self.epsilon + self.operation_cost);
        let base = match self.alpha0 {
            Alpha0::Exogenous(a0) => s.scale(self.r * a0) - Poly3::constant(self.c0 * a0 * a0),
            // α0* = s·r/(2c0) turns s·r·α0 − c0·α0² into s²·r²/(4c0).
            Alpha0::Endogenous => (s * s).scale(sq / (4.0 * self.c0)),
        };
        base + revenue_on_gain + openness
    }

    pub(crate) fn share_at(&self, delta: f64, omega: f64) -> f64 {
        delta * (1.0 - self.lambda * omega)
    }

    /// G's baseline performance at ω: the parameter, or G's choice s(ω)·r/(2c0).
    pub fn alpha0_at(&self, delta: f64, omega: f64) -> f64 {
        match self.alpha0 {
            Alpha0::Exogenous(a0) => a0,
            Alpha0::Endogenous => self.share_at(delta, omega) * self.r / (2.0 * self.c0),
        }
    }

    /// D's best response α1*(ω) = α0 + (1 − s)·r·(1 + κω)/(2c1).
    pub fn alpha1_at(&self, delta: f64, omega: f64) -> f64 {
        let t = 1.0 - self.share_at(delta, omega);
        self.alpha0_at(delta, omega) + t * self.r * (1.0 + self.kappa * omega) / (2.0 * self.c1)
    }

    /// D's utility at its best response: (1−s)·r·α0 + (1−s)²·r²·(1+κω)/(4c1).
    pub fn u_d_at(&self, delta: f64, omega: f64) -> f64 {
        let t = 1.0 - self.share_at(delta, omega);
        t * self.r * self.alpha0_at(delta, omega)
            + t * t * self.r * self.r * (1.0 + self.kappa * omega) / (4.0 * self.c1)
    }

    /// D's payoff U_D(ω, α1) = (1 − s)·r·α1 − c1·(α1 − α0)²/(1 + κω).
    pub fn u_d(&self, delta: f64, omega: f64, alpha1: f64) -> f64 {
        let t = 1.0 - self.share_at(delta, omega);
        let a0 = self.alpha0_at(delta, omega);
        t * self.r * alpha1 - self.c1 * (alpha1 - a0).powi(2) / (1.0 + self.kappa * omega)
    }

    /// G's payoff U_G(ω, α1) = s·r·α1 + εω − o(1 − ω) − c0·α0² − pen(ω),
    /// with α0 as G sets it at ω (the parameter, or its endogenous choice).
    pub fn u_g(&self, delta: f64, omega: f64, alpha1: f64) -> f64 {
        let a0 = self.alpha0_at(delta, omega);
        self.share_at(delta, omega) * self.r * alpha1 + self.epsilon * omega
            - self.operation_cost * (1.0 - omega)
            - self.c0 * a0 * a0
            - self.penalty_at(omega)
    }

    /// G's payoff without penalty when D answers ω with `alpha1(ω)`, a
    /// polynomial of degree ≤ 2: s·r·α1(ω) + εω − o(1 − ω) − c0·α0(ω)², a
    /// polynomial of degree ≤ 3. With D's exact best response it is V(ω); a
    /// learning generalist passes the response it has fitted.
    pub fn leader_value(&self, delta: f64, alpha1: Poly3) -> Poly3 {
        let s = self.share(delta);
        let openness = Poly3::linear(-self.operation_cost, self.epsilon + self.operation_cost);
        let cost = match self.alpha0 {
            Alpha0::Exogenous(a0) => Poly3::constant(self.c0 * a0 * a0),
            Alpha0::Endogenous => (s * s).scale(self.r * self.r / (4.0 * self.c0)),
        };
        (s * alpha1).scale(self.r) + openness - cost
    }

    /// D's exact best response α1*(ω) as a polynomial of degree ≤ 2.
    pub fn response_poly(&self, delta: f64) -> Poly3 {
        let s = self.share(delta);
        let t = Poly3::constant(1.0) - s;
        let gain = (t * Poly3::linear(1.0, self.kappa)).scale(self.r / (2.0 * self.c1));
        let a0 = match self.alpha0 {
            Alpha0::Exogenous(a0) => Poly3::constant(a0),
            Alpha0::Endogenous => s.scale(self.r / (2.0 * self.c0)),
        };
        a0 + gain
    }

    /// The penalty G pays at ω (0 without regulation).
    pub fn penalty_at(&self, omega: f64) -> f64 {
        self.regulation.map_or(0.0, |reg| reg.penalty_at(omega))
    }

    /// The same game with regulation removed (the Pareto benchmark).
    pub fn unregulated(&self) -> OpennessGame {
        OpennessGame {
            regulation: None,
            ..*self
        }
    }
}
