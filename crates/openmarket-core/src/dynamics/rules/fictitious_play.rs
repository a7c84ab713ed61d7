//! Fictitious play, as the current code runs it: best response to the
//! others' empirical average action.

use rand_chacha::ChaCha8Rng;

use super::{Context, Rule};
use crate::domain::{Param, ParamValues};
use crate::dynamics::{Dynamics, LearningGame};

/// Best response to the others' empirical average action. The outcome of a
/// run is the empirical average itself, the object that this rule makes
/// converge.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FictitiousPlay;

impl Rule for FictitiousPlay {
    const PARAMS: &'static [Param] = &[];
    fn from_params(_: &ParamValues) -> Self {
        FictitiousPlay
    }
    fn build(&self, _: &Context) -> Box<dyn Dynamics> {
        Box::new(AverageState::default())
    }
}

/// The empirical average of every agent's play, as agent `me` sees it.
#[derive(Default)]
struct AverageState {
    sums: Vec<f64>,
    count: f64,
    avg: Vec<f64>,
    me: usize,
}

impl Dynamics for AverageState {
    fn init(&mut self, _: &dyn LearningGame, me: usize, profile: &[f64], _: &mut ChaCha8Rng) {
        self.sums = profile.to_vec();
        self.avg = profile.to_vec();
        self.count = 1.0;
        self.me = me;
    }
    fn update(
        &mut self,
        game: &dyn LearningGame,
        me: usize,
        profile: &[f64],
        _: u64,
        _: &mut ChaCha8Rng,
    ) -> f64 {
        let own = self.avg[me];
        self.avg[me] = profile[me];
        let br = game.best_response(me, &self.avg);
        self.avg[me] = own;
        br
    }
    fn observe(&mut self, _: &dyn LearningGame, _: usize, profile: &[f64], _: &mut ChaCha8Rng) {
        self.count += 1.0;
        for ((s, a), x) in self.sums.iter_mut().zip(self.avg.iter_mut()).zip(profile) {
            *s += x;
            *a = *s / self.count;
        }
    }
    fn outcome(&self) -> Option<f64> {
        Some(self.avg[self.me])
    }
}
