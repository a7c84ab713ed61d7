//! Hedge (multiplicative weights), a no-regret learner.

use rand_chacha::ChaCha8Rng;

use super::{Context, FiniteActions, POINTS, Rule, sample_softmax};
use crate::domain::{Domain, Param, ParamValues};
use crate::dynamics::{Dynamics, LearningGame, normal};

const ETA: Param = Param {
    key: "eta",
    domain: Domain::Positive,
    default: 0.5,
};

/// Hedge over the agent's finite actions (an interval is discretised into
/// `points` actions), with full-information feedback: after each iteration
/// every action's payoff against the others' realised actions raises its
/// log-weight by η·u. Its average regret is reported.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hedge {
    /// The learning rate η.
    pub eta: f64,
    /// Actions per interval.
    pub points: usize,
}

impl Rule for Hedge {
    const PARAMS: &'static [Param] = &[ETA, POINTS];
    fn from_params(v: &ParamValues) -> Self {
        Hedge {
            eta: v.get(&ETA),
            points: v.get(&POINTS) as usize,
        }
    }
    fn build(&self, context: &Context) -> Box<dyn Dynamics> {
        Box::new(HedgeState {
            rule: *self,
            noise: context.noise,
            finite: None,
            log_weights: Vec::new(),
            cumulative: Vec::new(),
            realised: 0.0,
            rounds: 0.0,
        })
    }
}

struct HedgeState {
    rule: Hedge,
    noise: f64,
    finite: Option<FiniteActions>,
    log_weights: Vec<f64>,
    /// Each action's payoff summed over the rounds (noise-free), for regret.
    cumulative: Vec<f64>,
    realised: f64,
    rounds: f64,
}

impl Dynamics for HedgeState {
    fn init(&mut self, game: &dyn LearningGame, me: usize, _: &[f64], _: &mut ChaCha8Rng) {
        let finite = FiniteActions::new(game, me, self.rule.points);
        self.log_weights = vec![0.0; finite.actions.len()];
        self.cumulative = self.log_weights.clone();
        self.realised = 0.0;
        self.rounds = 0.0;
        self.finite = Some(finite);
    }
    fn update(
        &mut self,
        _: &dyn LearningGame,
        _: usize,
        _: &[f64],
        _: u64,
        rng: &mut ChaCha8Rng,
    ) -> f64 {
        let f = self.finite.as_mut().expect("init before update");
        f.buf.copy_from_slice(&self.log_weights);
        f.actions[sample_softmax(&mut f.buf, rng)]
    }
    fn observe(
        &mut self,
        game: &dyn LearningGame,
        me: usize,
        profile: &[f64],
        rng: &mut ChaCha8Rng,
    ) {
        let f = self.finite.as_ref().expect("init before observe");
        self.rounds += 1.0;
        for (k, &a) in f.actions.iter().enumerate() {
            let u = game.payoff(me, a, profile);
            let seen = u + if self.noise > 0.0 {
                self.noise * normal(rng)
            } else {
                0.0
            };
            self.log_weights[k] += self.rule.eta * seen;
            self.cumulative[k] += u;
        }
        self.realised += game.payoff(me, profile[me], profile);
    }
    fn avg_regret(&self) -> Option<f64> {
        let best = self
            .cumulative
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        Some(if self.rounds > 0.0 {
            (best - self.realised) / self.rounds
        } else {
            0.0
        })
    }
}
