//! The regulator (docs/model.md §A.1, §C): the objective it pursues, the
//! box of regulations (θ, p) it may choose from, the exact optimal
//! regulation ([`optimal`]) that checks a learning regulator, and the
//! rules by which it learns ([`rules`]).
//!
//! A learning regulator moves in an outer loop: it announces (θ, p), δ is
//! agreed knowing them, the market learns for `inner_iterations`
//! iterations (or until it converges), and the regulator observes the
//! realised objective — G's openness, D's performance, or the surplus
//! U_G + U_D + penalty paid (a transfer) — scoring an exit 0. In a sector
//! the specialists' terms are summed: performance is Σ_k α1_k (0 for a
//! specialist that stays out) and U_D is Σ_k U_Dk, net of entry costs.

pub mod optimal;
pub mod rules;

use serde::{Deserialize, Serialize};

use crate::openness::sector::{Sector, SectorOutcome};
use crate::openness::{OpennessGame, PenaltyForm, Regulation, StageOutcome};

/// What the regulator maximises.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub enum Objective {
    /// G's openness ω.
    Openness,
    /// D's fine-tuned performance α1.
    Performance,
    /// U_G + U_D + the penalty paid (a transfer, so it cancels).
    Surplus,
    /// w_o·ω + w_p·α1 + w_s·surplus.
    Weighted {
        /// Weight of openness.
        openness: f64,
        /// Weight of performance.
        performance: f64,
        /// Weight of surplus.
        surplus: f64,
    },
}

/// The name of an objective, as configs and output spell it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::AsRefStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ObjectiveKind {
    /// [`Objective::Openness`].
    Openness,
    /// [`Objective::Performance`].
    Performance,
    /// [`Objective::Surplus`].
    Surplus,
    /// [`Objective::Weighted`].
    Weighted,
}

impl Objective {
    /// The objective's name.
    pub fn kind(&self) -> ObjectiveKind {
        match self {
            Objective::Openness => ObjectiveKind::Openness,
            Objective::Performance => ObjectiveKind::Performance,
            Objective::Surplus => ObjectiveKind::Surplus,
            Objective::Weighted { .. } => ObjectiveKind::Weighted,
        }
    }

    /// The objective's value at an outcome; `None` (G exits) scores 0.
    pub fn score(&self, outcome: Option<Outcome>) -> f64 {
        let Some(o) = outcome else {
            return 0.0;
        };
        let surplus = o.u_g + o.u_d + o.penalty_paid;
        match *self {
            Objective::Openness => o.omega,
            Objective::Performance => o.alpha1,
            Objective::Surplus => surplus,
            Objective::Weighted {
                openness,
                performance,
                surplus: w,
            } => openness * o.omega + performance * o.alpha1 + w * surplus,
        }
    }
}

/// What a regulation leads to, when G stays in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    /// G's openness.
    pub omega: f64,
    /// D's performance (a sector: the sum over its specialists).
    pub alpha1: f64,
    /// G's utility (after the penalty).
    pub u_g: f64,
    /// D's utility (a sector: the sum over its specialists).
    pub u_d: f64,
    /// The penalty G pays.
    pub penalty_paid: f64,
}

/// The regulations the regulator may choose from: θ ∈ [θ_lo, θ_hi] ⊆ [0, 1],
/// p ∈ [p_lo, p_hi] ⊆ [0, ∞), with the game's penalty form.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchBox {
    /// [θ_lo, θ_hi].
    pub theta: [f64; 2],
    /// [p_lo, p_hi].
    pub penalty: [f64; 2],
    /// How the penalty depends on ω.
    pub form: PenaltyForm,
}

impl SearchBox {
    /// The regulation at (θ, p).
    pub fn regulation(&self, theta: f64, penalty: f64) -> Regulation {
        Regulation {
            theta,
            penalty,
            form: self.form,
        }
    }

    /// The point of the box at unit coordinates (u, v) ∈ [0, 1]².
    pub fn at(&self, u: f64, v: f64) -> (f64, f64) {
        (
            self.theta[0] + u.clamp(0.0, 1.0) * (self.theta[1] - self.theta[0]),
            self.penalty[0] + v.clamp(0.0, 1.0) * (self.penalty[1] - self.penalty[0]),
        )
    }
}

/// `[regulator]`: a regulator that learns (θ, p).
#[derive(Clone, Debug, PartialEq)]
pub struct RegulatorConfig {
    /// What it maximises.
    pub objective: Objective,
    /// Where it searches.
    pub search: SearchBox,
    /// Market iterations per regulator step (fewer if the market converges).
    pub inner_iterations: u64,
    /// Regulator steps per run.
    pub outer_iterations: u64,
    /// A run has converged when its objective gap is at most this.
    pub tol: f64,
    /// How it learns (`[dynamics.regulator]`).
    pub rule: rules::RegulatorRule,
}

/// The game with the regulator's (θ, p).
pub fn regulated(
    game: &OpennessGame,
    search: &SearchBox,
    theta: f64,
    penalty: f64,
) -> OpennessGame {
    OpennessGame {
        regulation: Some(search.regulation(theta, penalty)),
        ..*game
    }
}

/// The SPE outcome of `game` (`None` when G exits).
pub fn spe_outcome(game: &OpennessGame) -> Option<Outcome> {
    outcome(&game.bargain())
}

/// What a stage outcome gives the regulator (`None` when G exits).
pub fn outcome(o: &StageOutcome) -> Option<Outcome> {
    Some(Outcome {
        omega: o.omega?,
        alpha1: o.alpha1?,
        u_g: o.u_g,
        u_d: o.u_d,
        penalty_paid: o.penalty_paid,
    })
}

/// The sector with the regulator's (θ, p).
pub fn regulated_sector(sector: &Sector, search: &SearchBox, theta: f64, penalty: f64) -> Sector {
    Sector {
        regulation: Some(search.regulation(theta, penalty)),
        ..sector.clone()
    }
}

/// What a sector's outcome gives the regulator (`None` when G exits): the
/// specialists' performance and utilities summed.
pub fn sector_outcome(o: &SectorOutcome) -> Option<Outcome> {
    Some(Outcome {
        omega: o.omega?,
        alpha1: o.specialists.iter().map(|s| s.alpha1).sum(),
        u_g: o.u_g,
        u_d: o.specialists.iter().map(|s| s.u_d).sum(),
        penalty_paid: o.penalty_paid,
    })
}
