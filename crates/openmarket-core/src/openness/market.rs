//! The openness market: the generalist G and the specialists it supplies.
//! One specialist is the pair of docs/model.md §A, which keeps its closed
//! forms (FTG's utilitarian δ, endogenous α0, the regulator's diagnostics
//! p̄(θ), θ̄(p) and lever sensitivities); K specialists with entry are the
//! sector of docs/sector.md.

use super::sector::Sector;
use super::{OpennessGame, Regime, Regulation};

/// G and one specialist, or G and a sector of K.
#[derive(Clone, Debug, PartialEq)]
pub enum Market {
    /// One specialist, which always takes part (docs/model.md §A).
    Pair(OpennessGame),
    /// K specialists, each of which enters or stays out (docs/sector.md).
    Sector(Sector),
}

impl Market {
    /// How many agents learn: G and each specialist.
    pub fn agents(&self) -> usize {
        1 + self.specialists()
    }

    /// How many specialists G supplies.
    pub fn specialists(&self) -> usize {
        match self {
            Market::Pair(_) => 1,
            Market::Sector(m) => m.specialists.len(),
        }
    }

    /// The regulator's rule in force; `None` = unregulated.
    pub fn regulation(&self) -> Option<Regulation> {
        match self {
            Market::Pair(g) => g.regulation,
            Market::Sector(m) => m.regulation,
        }
    }

    /// The market is a sector (its specialists may stay out).
    pub fn is_sector(&self) -> bool {
        matches!(self, Market::Sector(_))
    }

    /// G's baseline performance α0, when it is given.
    pub fn alpha0(&self) -> Option<f64> {
        match self {
            Market::Pair(g) => g.alpha0_value(),
            Market::Sector(m) => Some(m.alpha0),
        }
    }

    /// The revenue share stage 1 agrees on: the pair's δ (given or
    /// bargained); a sector's common δ when it is bargained.
    pub fn agreed_delta(&self) -> Option<f64> {
        match self {
            Market::Pair(g) => Some(g.bargain().delta),
            Market::Sector(m) => m.bargain().delta,
        }
    }

    /// The regime of the subgame-perfect equilibrium.
    pub fn regime(&self) -> Regime {
        match self {
            Market::Pair(g) => g.bargain().regime,
            Market::Sector(m) => m.bargain().regime,
        }
    }

    /// The penalty G pays at ω.
    pub fn penalty_at(&self, omega: f64) -> f64 {
        match self {
            Market::Pair(g) => g.penalty_at(omega),
            Market::Sector(m) => m.penalty_at(omega),
        }
    }
}
