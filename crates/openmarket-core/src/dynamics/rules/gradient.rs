//! Projected gradient ascent.

use rand_chacha::ChaCha8Rng;

use super::{Capabilities, Context, Rule};
use crate::domain::{Domain, Param, ParamValues};
use crate::dynamics::{Dynamics, LearningGame};

const STEP: Param = Param {
    key: "step",
    domain: Domain::Positive,
    default: 0.5,
};
const DECAY: Param = Param {
    key: "decay",
    domain: Domain::NonNegative,
    default: 0.0,
};

/// Projected gradient ascent with step γ_t = step / t^decay. Intervals only.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradientAscent {
    /// γ_1.
    pub step: f64,
    /// The exponent of the step schedule.
    pub decay: f64,
}

impl Rule for GradientAscent {
    const PARAMS: &'static [Param] = &[STEP, DECAY];
    fn from_params(v: &ParamValues) -> Self {
        GradientAscent {
            step: v.get(&STEP),
            decay: v.get(&DECAY),
        }
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            needs_continuous: true,
        }
    }
    fn build(&self, _: &Context) -> Box<dyn Dynamics> {
        Box::new(*self)
    }
}

impl Dynamics for GradientAscent {
    fn update(
        &mut self,
        game: &dyn LearningGame,
        me: usize,
        profile: &[f64],
        t: u64,
        _: &mut ChaCha8Rng,
    ) -> f64 {
        let gamma = self.step / (t as f64).powf(self.decay);
        game.space(me)
            .project(profile[me] + gamma * game.gradient(me, profile))
    }
    fn deterministic(&self) -> bool {
        true
    }
}
