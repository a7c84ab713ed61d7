//! Logit (softmax) response.

use rand_chacha::ChaCha8Rng;

use super::{Context, FiniteActions, POINTS, Rule, sample_softmax};
use crate::domain::{Domain, Param, ParamValues};
use crate::dynamics::{Dynamics, LearningGame, normal};

const TEMPERATURE: Param = Param {
    key: "temperature",
    domain: Domain::Positive,
    default: 0.05,
};

/// Logit (softmax) response with temperature τ over the agent's actions
/// (an interval is discretised into `points` actions). Payoffs are observed
/// with N(0, σ²) noise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Logit {
    /// τ > 0.
    pub temperature: f64,
    /// Actions per interval.
    pub points: usize,
}

impl Rule for Logit {
    const PARAMS: &'static [Param] = &[TEMPERATURE, POINTS];
    fn from_params(v: &ParamValues) -> Self {
        Logit {
            temperature: v.get(&TEMPERATURE),
            points: v.get(&POINTS) as usize,
        }
    }
    fn build(&self, context: &Context) -> Box<dyn Dynamics> {
        Box::new(LogitState {
            rule: *self,
            noise: context.noise,
            finite: None,
        })
    }
}

struct LogitState {
    rule: Logit,
    noise: f64,
    finite: Option<FiniteActions>,
}

impl Dynamics for LogitState {
    fn init(&mut self, game: &dyn LearningGame, me: usize, _: &[f64], _: &mut ChaCha8Rng) {
        self.finite = Some(FiniteActions::new(game, me, self.rule.points));
    }
    fn update(
        &mut self,
        game: &dyn LearningGame,
        me: usize,
        profile: &[f64],
        _: u64,
        rng: &mut ChaCha8Rng,
    ) -> f64 {
        let f = self.finite.as_mut().expect("init before update");
        let scores = &mut f.buf[..];
        for (s, &a) in scores.iter_mut().zip(&f.actions) {
            let u = game.payoff(me, a, profile)
                + if self.noise > 0.0 {
                    self.noise * normal(rng)
                } else {
                    0.0
                };
            *s = u / self.rule.temperature;
        }
        f.actions[sample_softmax(scores, rng)]
    }
}
