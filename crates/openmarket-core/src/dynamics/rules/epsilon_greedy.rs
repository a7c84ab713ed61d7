//! Best response with random exploration.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::formula;
use super::{Context, Rule, not_leader};
use crate::domain::{Domain, Param, ParamValues};
use crate::dynamics::rate::{RateKind, Theory};
use crate::dynamics::{Dynamics, Role, Space, View};

const EPSILON: Param = Param {
    key: "epsilon",
    domain: Domain::Unit,
    default: 0.1,
};

/// Best response, except with probability ε a uniformly random action.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpsilonGreedy {
    /// The probability of a random action.
    pub epsilon: f64,
}

impl Rule for EpsilonGreedy {
    const PARAMS: &'static [Param] = &[EPSILON];
    fn theory(&self, _: Role) -> Option<Theory> {
        Some(Theory {
            kind: RateKind::Finite,
            expected: None,
            says: "none: ε-exploration keeps leaving the equilibrium",
        })
    }
    fn from_params(v: &ParamValues) -> Self {
        EpsilonGreedy {
            epsilon: v.get(&EPSILON),
        }
    }
    fn supports(&self, role: Role, _: &Space) -> Result<(), String> {
        not_leader(role)
    }
    fn build(&self, _: &Context) -> Box<dyn Dynamics> {
        Box::new(*self)
    }
}

impl Dynamics for EpsilonGreedy {
    fn settles(&self) -> bool {
        false
    }
    fn update(&mut self, view: &View, profile: &[f64], _: u64, rng: &mut ChaCha8Rng) -> f64 {
        if rng.random_bool(self.epsilon) {
            view.space().sample(rng)
        } else {
            formula(view).best_response(profile)
        }
    }
}
