//! Best response to the others' time-averaged actions, on continuous
//! actions: the "fictitious play with mean beliefs" of continuous games.
//! It coincides with fictitious play only where payoffs are affine in the
//! others' actions (Fudenberg and Levine 1998, ch. 2), which the race's
//! are not; its fixed points are the pure Nash equilibria of the
//! continuous game, which is what it is judged against.

use super::fictitious_play::AverageState;
use super::{Context, Rule};
use crate::domain::{Param, ParamValues};
use crate::dynamics::rate::{RateKind, Theory};
use crate::dynamics::{Dynamics, Role, Space};

/// Best response to the others' average action; a run's outcome is the
/// average profile.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeanResponse;

impl Rule for MeanResponse {
    const PARAMS: &'static [Param] = &[];
    fn theory(&self, _: Role) -> Option<Theory> {
        Some(Theory {
            kind: RateKind::Power,
            expected: None,
            says: "none known in general (fictitious play's continuous cousin)",
        })
    }
    fn from_params(_: &ParamValues) -> Self {
        MeanResponse
    }
    fn supports(&self, role: Role, space: &Space) -> Result<(), String> {
        match (role, space) {
            (Role::Simultaneous { .. }, Space::Interval(..)) => Ok(()),
            (Role::Simultaneous { .. }, Space::Grid(_)) => Err(
                "is for continuous actions; on a finite game use \"fictitious_play\", which best-responds to the empirical mixed strategies".into(),
            ),
            _ => Err(
                "does not apply to the openness market: the specialist sees ω before it moves, and the generalist cannot evaluate actions it did not play".into(),
            ),
        }
    }
    fn build(&self, _: &Context) -> Box<dyn Dynamics> {
        Box::new(AverageState::default())
    }
}
