//! A normal-form game as a learning game: player i's action is the index of
//! its strategy (as a float, the dynamics' action type), its payoff the
//! table's entry at the profile of indices.

use super::NormalForm;
use crate::dynamics::{LearningGame, Role, Space};
use crate::finite::{FiniteGame, Mixed};

/// The table, with each player's strides into it.
pub struct TableLearning<'a> {
    game: &'a NormalForm,
    spaces: Vec<Space>,
    /// Profile index = Σ_j x_j·stride[j] (Gambit's order).
    stride: Vec<usize>,
}

impl<'a> TableLearning<'a> {
    /// The game as its learners play it.
    pub fn new(game: &'a NormalForm) -> Self {
        let sizes = game.sizes();
        let mut stride = vec![1usize; sizes.len()];
        for j in 1..sizes.len() {
            stride[j] = stride[j - 1] * sizes[j - 1];
        }
        TableLearning {
            game,
            spaces: sizes
                .iter()
                .map(|&k| Space::Grid((0..k).map(|a| a as f64).collect()))
                .collect(),
            stride,
        }
    }

    /// The profile's index with player i at `a` (actions are whole numbers
    /// by construction: grid points).
    fn index(&self, i: usize, a: f64, profile: &[f64]) -> usize {
        profile
            .iter()
            .zip(&self.stride)
            .enumerate()
            .map(|(j, (&x, &s))| {
                if j == i {
                    a as usize * s
                } else {
                    x as usize * s
                }
            })
            .sum()
    }
}

impl LearningGame for TableLearning<'_> {
    fn agents(&self) -> usize {
        self.spaces.len()
    }
    fn space(&self, i: usize) -> &Space {
        &self.spaces[i]
    }
    fn payoff(&self, i: usize, a: f64, profile: &[f64]) -> f64 {
        self.game.game.payoff(self.index(i, a, profile), i)
    }
    /// The lowest-indexed best strategy (Gambit's order breaks ties).
    fn best_response(&self, i: usize, profile: &[f64]) -> f64 {
        let base = self.index(i, 0.0, profile);
        let k = self.game.game.strategies[i].len();
        let mut best = 0;
        let mut value = f64::NEG_INFINITY;
        for a in 0..k {
            let u = self.game.game.payoff(base + a * self.stride[i], i);
            if u > value {
                value = u;
                best = a;
            }
        }
        best as f64
    }
    fn gradient(&self, _: usize, _: &[f64]) -> f64 {
        0.0
    }
    fn role(&self, _: usize) -> Role {
        Role::Simultaneous { labels: true }
    }
    fn expected_payoffs(&self, i: usize, sigma: &Mixed, out: &mut [f64]) -> bool {
        self.game.game.expected_payoffs(i, sigma, out);
        true
    }
}
