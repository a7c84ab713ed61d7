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

pub(crate) mod config;
pub mod optimal;
pub mod rules;
pub(crate) mod run;

use serde::{Deserialize, Serialize};

use crate::openness::market::Market;
use crate::openness::sector::{Sector, SectorOutcome};
use crate::openness::{OpennessGame, PenaltyForm, Regulation, StageOutcome};
use optimal::OptimalRegulation;

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

/// A market the regulator acts on: G with one specialist ([`OpennessGame`])
/// or with a sector ([`Sector`]); [`Market`] dispatches to them.
pub trait Regulable: Sized {
    /// The same market under the regulation (θ, p), of `search`'s form.
    fn regulated(&self, search: &SearchBox, theta: f64, penalty: f64) -> Self;
    /// What the SPE gives the regulator (`None` when G exits): a sector's
    /// specialists' performance and utilities summed.
    fn spe_outcome(&self) -> Option<Outcome>;
    /// The exact optimal regulation for `objective` over `search`
    /// ([`optimal`]).
    fn optimal_regulation(&self, objective: Objective, search: &SearchBox) -> OptimalRegulation;
    /// The objective at (θ, p) under the SPE.
    fn objective_at(
        &self,
        objective: &Objective,
        search: &SearchBox,
        theta: f64,
        penalty: f64,
    ) -> f64 {
        objective.score(self.regulated(search, theta, penalty).spe_outcome())
    }
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

impl Regulable for OpennessGame {
    fn regulated(&self, search: &SearchBox, theta: f64, penalty: f64) -> Self {
        OpennessGame {
            regulation: Some(search.regulation(theta, penalty)),
            ..*self
        }
    }
    fn spe_outcome(&self) -> Option<Outcome> {
        outcome(&self.bargain())
    }
    fn optimal_regulation(&self, objective: Objective, search: &SearchBox) -> OptimalRegulation {
        optimal::pair(self, objective, search)
    }
}

impl Regulable for Sector {
    fn regulated(&self, search: &SearchBox, theta: f64, penalty: f64) -> Self {
        Sector {
            regulation: Some(search.regulation(theta, penalty)),
            ..self.clone()
        }
    }
    fn spe_outcome(&self) -> Option<Outcome> {
        sector_outcome(&self.bargain())
    }
    fn optimal_regulation(&self, objective: Objective, search: &SearchBox) -> OptimalRegulation {
        optimal::sector(self, objective, search)
    }
}

impl Regulable for Market {
    fn regulated(&self, search: &SearchBox, theta: f64, penalty: f64) -> Self {
        match self {
            Market::Pair(g) => Market::Pair(g.regulated(search, theta, penalty)),
            Market::Sector(m) => Market::Sector(m.regulated(search, theta, penalty)),
        }
    }
    fn spe_outcome(&self) -> Option<Outcome> {
        match self {
            Market::Pair(g) => g.spe_outcome(),
            Market::Sector(m) => m.spe_outcome(),
        }
    }
    fn optimal_regulation(&self, objective: Objective, search: &SearchBox) -> OptimalRegulation {
        match self {
            Market::Pair(g) => g.optimal_regulation(objective, search),
            Market::Sector(m) => m.optimal_regulation(objective, search),
        }
    }
    fn objective_at(
        &self,
        objective: &Objective,
        search: &SearchBox,
        theta: f64,
        penalty: f64,
    ) -> f64 {
        match self {
            Market::Pair(g) => g.objective_at(objective, search, theta, penalty),
            Market::Sector(m) => m.objective_at(objective, search, theta, penalty),
        }
    }
}
