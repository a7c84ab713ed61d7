//! Exact best response to what the agent observes, with optional inertia.
//!
//! A simultaneous player or a follower best-responds to the others'
//! current actions by its own payoff formula. A leader cannot: its payoff
//! depends on how the follower will respond. It best-responds instead to a
//! model of that response fitted to what it has seen — after a short
//! exploration, the follower's response α1(ω) is fitted by least squares
//! with a polynomial of degree 2, a class that holds the specialist's
//! exact best response — and chooses its action by its own payoff formula
//! against the fit ([`LearningGame::leader_response`]).

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::{Context, Rule};
use crate::domain::{Domain, Param, ParamValues};
use crate::dynamics::{Dynamics, LearningGame, Role};
use crate::math::Poly3;

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
    fn build(&self, context: &Context) -> Box<dyn Dynamics> {
        match context.role {
            Role::Leader => Box::new(FittedResponse::new(self.inertia)),
            _ => Box::new(*self),
        }
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

/// Observed (leader action, follower response) pairs kept for the fit: the
/// latest response at each of the most recent distinct actions.
const KEEP: usize = 16;
/// Exploratory moves before the first fit: enough to identify a quadratic.
const EXPLORE: usize = 3;

/// A leader's best response to its fitted model of the follower. Nothing
/// allocates per iteration, and the fit is redone only when an observation
/// changed it: once play settles, an update is a copy.
struct FittedResponse {
    inertia: f64,
    /// (action, latest observed response), most recent last.
    seen: [(f64, f64); KEEP],
    len: usize,
    explored: usize,
    /// The best response to the current fit, while no observation changed.
    choice: Option<f64>,
}

impl FittedResponse {
    fn new(inertia: f64) -> Self {
        FittedResponse {
            inertia,
            seen: [(0.0, 0.0); KEEP],
            len: 0,
            explored: 0,
            choice: None,
        }
    }

    /// The least-squares polynomial of degree ≤ 2 through the observations
    /// (lower degree when fewer distinct actions are known), from the 3×3
    /// normal equations.
    fn fit(&self) -> Poly3 {
        let seen = &self.seen[..self.len];
        let k = self.len.min(3);
        let mut a = [[0.0; 3]; 3];
        let mut b = [0.0; 3];
        for &(w, y) in seen {
            let basis = [1.0, w, w * w];
            for r in 0..k {
                b[r] += basis[r] * y;
                for c in 0..k {
                    a[r][c] += basis[r] * basis[c];
                }
            }
        }
        // Gaussian elimination with partial pivoting on the k×k system.
        for col in 0..k {
            let pivot = (col..k)
                .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
                .expect("k ≥ 1");
            if a[pivot][col].abs() < 1e-300 {
                return Poly3::constant(seen[self.len - 1].1);
            }
            a.swap(col, pivot);
            b.swap(col, pivot);
            let pivot_row = a[col];
            for r in col + 1..k {
                let f = a[r][col] / pivot_row[col];
                for (x, p) in a[r][col..k].iter_mut().zip(&pivot_row[col..k]) {
                    *x -= f * p;
                }
                b[r] -= f * b[col];
            }
        }
        let mut c = [0.0; 4];
        for r in (0..k).rev() {
            let s: f64 = (r + 1..k).map(|j| a[r][j] * c[j]).sum();
            c[r] = (b[r] - s) / a[r][r];
        }
        Poly3(c)
    }
}

impl Dynamics for FittedResponse {
    fn update(
        &mut self,
        game: &dyn LearningGame,
        me: usize,
        profile: &[f64],
        _: u64,
        rng: &mut ChaCha8Rng,
    ) -> f64 {
        if self.explored < EXPLORE {
            // One action in each third of [0, 1]: a well-conditioned fit.
            let third = self.explored as f64;
            self.explored += 1;
            return (third + rng.random_range(0.0..1.0)) / 3.0;
        }
        if self.inertia < 1.0 && !rng.random_bool(self.inertia) {
            return profile[me];
        }
        match self.choice {
            Some(w) => w,
            None => {
                let w = game
                    .leader_response(me, &self.fit())
                    .expect("plans give this rule only to leaders");
                self.choice = Some(w);
                w
            }
        }
    }
    fn observe(&mut self, _: &dyn LearningGame, me: usize, profile: &[f64], _: &mut ChaCha8Rng) {
        let (w, response) = (profile[me], profile[1 - me]);
        let seen = &mut self.seen[..self.len];
        if seen.last() == Some(&(w, response)) {
            return;
        }
        self.choice = None;
        match seen.iter().position(|(x, _)| *x == w) {
            // Move it to the back with its new response.
            Some(k) => {
                seen[k..].rotate_left(1);
                seen[self.len - 1] = (w, response);
            }
            None if self.len < KEEP => {
                self.seen[self.len] = (w, response);
                self.len += 1;
            }
            None => {
                self.seen.rotate_left(1);
                self.seen[KEEP - 1] = (w, response);
            }
        }
    }
}
