//! Exact best response, with optional inertia.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::{Context, Rule};
use crate::domain::{Domain, Param, ParamValues};
use crate::dynamics::{Dynamics, LearningGame};

const INERTIA: Param = Param {
    key: "inertia",
    domain: Domain::Unit,
    default: 1.0,
};

/// Exact best response; with inertia η < 1 an agent moves only with
/// probability η.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BestResponse {
    /// The probability of moving each iteration.
    pub inertia: f64,
}

impl Rule for BestResponse {
    const PARAMS: &'static [Param] = &[INERTIA];
    fn from_params(v: &ParamValues) -> Self {
        BestResponse {
            inertia: v.get(&INERTIA),
        }
    }
    fn build(&self, _: &Context) -> Box<dyn Dynamics> {
        Box::new(*self)
    }
}

impl Dynamics for BestResponse {
    fn update(
        &mut self,
        game: &dyn LearningGame,
        me: usize,
        profile: &[f64],
        _: u64,
        rng: &mut ChaCha8Rng,
    ) -> f64 {
        if self.inertia >= 1.0 || rng.random_bool(self.inertia) {
            game.best_response(me, profile)
        } else {
            profile[me]
        }
    }
    fn deterministic(&self) -> bool {
        self.inertia >= 1.0
    }
}
