//! Projected gradient ascent on the agent's own payoff.

use rand_chacha::ChaCha8Rng;

use super::formula;
use super::{Context, DECAY, Rule, STEP, needs_interval, not_entrant, not_leader};
use crate::domain::{Param, ParamValues};
use crate::dynamics::rate::{RateKind, Theory};
use crate::dynamics::{Dynamics, Role, Space, View};

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
    fn theory(&self, _: Role) -> Option<Theory> {
        Some(if self.decay == 0.0 {
            Theory {
                kind: RateKind::Geometric,
                expected: None,
                says: "geometric for a strongly concave payoff and a small enough step",
            }
        } else {
            Theory {
                kind: RateKind::Power,
                expected: None,
                says: "none stated here for a decaying step",
            }
        })
    }
    fn from_params(v: &ParamValues) -> Self {
        GradientAscent {
            step: v.get(&STEP),
            decay: v.get(&DECAY),
        }
    }
    fn supports(&self, role: Role, space: &Space) -> Result<(), String> {
        not_leader(role)?;
        not_entrant(role)?;
        needs_interval(space)
    }
    fn build(&self, _: &Context) -> Box<dyn Dynamics> {
        Box::new(*self)
    }
}

impl Dynamics for GradientAscent {
    fn update(&mut self, view: &View, profile: &[f64], t: u64, _: &mut ChaCha8Rng) -> f64 {
        let gamma = self.step / (t as f64).powf(self.decay);
        view.space()
            .project(profile[view.me()] + gamma * formula(view).gradient(profile))
    }
    fn deterministic(&self) -> bool {
        true
    }
}
