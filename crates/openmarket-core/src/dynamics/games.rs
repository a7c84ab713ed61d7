//! The two model families as learning games.

use super::{LearningGame, Space};
use crate::limits::MAX_DYNAMIC_LABS;
use crate::math::Poly3;
use crate::openness::{Alpha0, OpennessGame, PenaltyForm};
use crate::race::{Actions, RaceGame, Utility};

/// The race: lab i's action is x_i ∈ {0,1} or [0,1].
pub struct RaceLearning<'a> {
    /// The race being played.
    pub game: &'a RaceGame,
    space: Space,
}

impl<'a> RaceLearning<'a> {
    /// The race as a learning game. Plans check the lab limit before any
    /// run ([`MAX_DYNAMIC_LABS`]); past it this panics.
    pub fn new(game: &'a RaceGame) -> Self {
        assert!(
            game.n() <= MAX_DYNAMIC_LABS,
            "at most {MAX_DYNAMIC_LABS} labs in the dynamics"
        );
        let space = match game.actions {
            Actions::Discrete => Space::Grid(vec![0.0, 1.0]),
            Actions::Continuous => Space::Interval(0.0, 1.0),
        };
        RaceLearning { game, space }
    }

    /// Progress at `x` into a stack buffer, then `f` of it: no allocation.
    #[inline]
    fn with_progress<T>(&self, x: &[f64], f: impl FnOnce(&[f64]) -> T) -> T {
        let mut buf = [0.0; MAX_DYNAMIC_LABS];
        let p = &mut buf[..self.game.n()];
        self.game.progress_into(x, p);
        f(p)
    }
}

impl LearningGame for RaceLearning<'_> {
    fn agents(&self) -> usize {
        self.game.n()
    }

    fn space(&self, _i: usize) -> &Space {
        &self.space
    }

    fn payoff(&self, i: usize, a: f64, profile: &[f64]) -> f64 {
        self.with_progress(profile, |p| {
            self.game.deviation_utility(i, a, profile[i], p)
        })
    }

    fn best_response(&self, i: usize, profile: &[f64]) -> f64 {
        self.with_progress(profile, |p| self.game.best_response(i, profile, p).0)
    }

    fn max_gain(&self, i: usize, profile: &[f64]) -> f64 {
        self.with_progress(profile, |p| self.game.max_gain(i, profile, p))
    }

    fn nash_conv(&self, profile: &[f64]) -> f64 {
        self.with_progress(profile, |p| {
            (0..self.game.n())
                .map(|i| self.game.max_gain(i, profile, p))
                .sum()
        })
    }

    fn gradient(&self, i: usize, profile: &[f64]) -> f64 {
        let g = self.game;
        let x = profile[i];
        self.with_progress(profile, |p| match g.utility {
            // Piecewise linear: the right derivative (left at x = 1).
            Utility::Lead | Utility::Gap => {
                let h = 1e-7;
                let (lo, hi) = if x + h <= 1.0 { (x, x + h) } else { (x - h, x) };
                (g.deviation_utility(i, hi, x, p) - g.deviation_utility(i, lo, x, p)) / (hi - lo)
            }
            // d/dy [V(P⁰ + a·y)/(T⁰ + Δ·y)] − c = V·g/(T⁰ + Δ·y)² − c.
            Utility::Share => {
                let (gain, t0, delta) = g.share_gain_sign(i, x, p);
                g.prize * gain / (t0 + delta * x).powi(2) - g.cost[i]
            }
        })
    }
}

/// The openness game as a learning market at a fixed δ and regulation:
/// agent 0 is the generalist G (ω), agent 1 the specialist D (α1).
///
/// D responds to the ω it observes with its own rule. G is the leader: the
/// payoff of a candidate ω is what G realises once D has responded to it,
/// W(ω) = V(ω) − penalty(ω), so G's learning converges to the SPE and not
/// to the equilibrium of a simultaneous game. `leader_every = k` lets G
/// move only every k-th iteration (two timescales).
pub struct OpennessMarket {
    /// The game's parameters.
    pub game: OpennessGame,
    /// The revenue share the market runs at.
    pub delta: f64,
    /// G moves every k-th iteration.
    pub leader_every: u64,
    value: Poly3,
    spaces: [Space; 2],
    /// G's choice in the SPE at this δ (ignoring exit: the dynamics keep G in).
    best_omega: f64,
    /// W(best_omega): what G realises there.
    best_value: f64,
}

impl OpennessMarket {
    /// The market at revenue share `delta`.
    pub fn new(game: OpennessGame, delta: f64, leader_every: u64) -> Self {
        let value = game.value_poly(delta);
        let alpha0_max = match game.alpha0 {
            Alpha0::Exogenous(a0) => a0,
            Alpha0::Endogenous => delta * game.r / (2.0 * game.c0),
        };
        // α1* ≤ α0 + r(1+κ)/(2c1); twice that leaves room for exploration.
        let alpha1_max = alpha0_max + game.r * (1.0 + game.kappa) / game.c1;
        let choice = game.regulated_choice(delta);
        let (best_omega, best_value) = (choice.omega, choice.value);
        OpennessMarket {
            game,
            delta,
            leader_every: leader_every.max(1),
            value,
            spaces: [Space::Interval(0.0, 1.0), Space::Interval(0.0, alpha1_max)],
            best_omega,
            best_value,
        }
    }

    /// The equilibrium profile (ω*, α1*(ω*)) the dynamics should reach.
    pub fn equilibrium(&self) -> Vec<f64> {
        vec![
            self.best_omega,
            self.game.alpha1_at(self.delta, self.best_omega),
        ]
    }

    fn alpha0(&self, omega: f64) -> f64 {
        self.game.alpha0_at(self.delta, omega)
    }
}

impl LearningGame for OpennessMarket {
    fn agents(&self) -> usize {
        2
    }

    fn space(&self, i: usize) -> &Space {
        &self.spaces[i]
    }

    fn payoff(&self, i: usize, a: f64, profile: &[f64]) -> f64 {
        let g = &self.game;
        if i == 0 {
            self.value.eval(a) - g.penalty_at(a)
        } else {
            let omega = profile[0];
            let s = self.delta * (1.0 - g.lambda * omega);
            (1.0 - s) * g.r * a - g.c1 * (a - self.alpha0(omega)).powi(2) / (1.0 + g.kappa * omega)
        }
    }

    fn best_response(&self, i: usize, profile: &[f64]) -> f64 {
        if i == 0 {
            self.best_omega
        } else {
            self.game.alpha1_at(self.delta, profile[0])
        }
    }

    fn gradient(&self, i: usize, profile: &[f64]) -> f64 {
        let g = &self.game;
        if i == 0 {
            let w = profile[0];
            let pen_slope = match g.regulation {
                Some(reg) if reg.form == PenaltyForm::Proportional && w < reg.theta => reg.penalty,
                _ => 0.0,
            };
            self.value.derivative().eval(w) + pen_slope
        } else {
            let (omega, a1) = (profile[0], profile[1]);
            let s = self.delta * (1.0 - g.lambda * omega);
            (1.0 - s) * g.r - 2.0 * g.c1 * (a1 - self.alpha0(omega)) / (1.0 + g.kappa * omega)
        }
    }

    fn active(&self, i: usize, t: u64) -> bool {
        i == 1 || t.is_multiple_of(self.leader_every)
    }

    // NashConv runs every iteration, so both gains are in closed form: G's
    // best value is fixed per point, and U_D is a concave quadratic in α1
    // with curvature c1/(1+κω), whose peak α1*(ω) lies inside D's space.
    fn max_gain(&self, i: usize, profile: &[f64]) -> f64 {
        let g = &self.game;
        let omega = profile[0];
        if i == 0 {
            (self.best_value - self.payoff(0, omega, profile)).max(0.0)
        } else {
            let d = profile[1] - g.alpha1_at(self.delta, omega);
            g.c1 * d * d / (1.0 + g.kappa * omega)
        }
    }
}
