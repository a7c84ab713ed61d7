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
            Role::Leader => Box::new(FittedResponse {
                inertia: self.inertia,
                seen: Vec::new(),
                explored: 0,
            }),
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

/// A leader's best response to its fitted model of the follower.
struct FittedResponse {
    inertia: f64,
    /// (action, latest observed response), most recent last.
    seen: Vec<(f64, f64)>,
    explored: usize,
}

impl FittedResponse {
    /// The least-squares polynomial of degree ≤ 2 through `seen` (lower
    /// degree when fewer distinct actions are known).
    fn fit(&self) -> Poly3 {
        let degree = (self.seen.len().saturating_sub(1)).min(2);
        let k = degree + 1;
        // Normal equations in the monomials 1, ω, ω².
        let mut a = vec![vec![0.0; k]; k];
        let mut b = vec![0.0; k];
        for &(w, y) in &self.seen {
            let basis: Vec<f64> = (0..k).map(|d| w.powi(d as i32)).collect();
            for r in 0..k {
                b[r] += basis[r] * y;
                for c in 0..k {
                    a[r][c] += basis[r] * basis[c];
                }
            }
        }
        let coef = crate::finite::solve_linear(a, b).unwrap_or_else(|| vec![self.seen[0].1]);
        let mut c = [0.0; 4];
        c[..coef.len()].copy_from_slice(&coef);
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
        game.leader_response(me, &self.fit())
            .expect("plans give this rule only to leaders")
    }
    fn observe(&mut self, _: &dyn LearningGame, me: usize, profile: &[f64], _: &mut ChaCha8Rng) {
        let (w, response) = (profile[me], profile[1 - me]);
        self.seen.retain(|(x, _)| *x != w);
        self.seen.push((w, response));
        if self.seen.len() > KEEP {
            self.seen.remove(0);
        }
    }
}
