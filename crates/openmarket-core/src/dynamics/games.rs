//! The two model families as learning games.

use std::cell::RefCell;

use super::{LearningGame, Role, Space};
use crate::limits::{MAX_DYNAMIC_LABS, MAX_MIXED_LABS};
use crate::math::Poly3;
use crate::openness::{OpennessGame, PenaltyForm, regulated_choice};
use crate::race::{Actions, RaceGame, Utility};

/// The race: lab i's action is x_i ∈ {0,1} or [0,1].
///
/// In the discrete race a profile entry may be a mixed strategy, the
/// probability that the lab opens (fictitious play's empirical frequencies,
/// the logit dynamics' probabilities). Payoffs are then exact expectations
/// over the labs' independent mixed strategies; at a pure profile they are
/// the pure payoffs, computed as before.
pub struct RaceLearning<'a> {
    /// The race being played.
    pub game: &'a RaceGame,
    space: Space,
    cache: RefCell<ProgressCache>,
}

/// The progress vector of the last profile asked about. A best-response
/// sweep asks for every lab at one profile (simultaneous play) or at
/// profiles one lab apart (sequential play): one O(n²) computation per
/// sweep, or an O(n) update per changed lab, instead of O(n²) per lab.
struct ProgressCache {
    x: [f64; MAX_DYNAMIC_LABS],
    p: [f64; MAX_DYNAMIC_LABS],
    valid: bool,
    /// How many entries of `x` are not 0 or 1 (mixed strategies, interior
    /// actions): zero means the profile is pure, without another pass.
    mixed: usize,
    /// Incremental updates since the last full computation: a full one
    /// every [`REFRESH`] keeps rounding from accumulating.
    updates: u32,
}

const REFRESH: u32 = 64;

impl<'a> RaceLearning<'a> {
    /// The race as a learning game. Plans check the lab limits before any
    /// run ([`MAX_DYNAMIC_LABS`], and [`MAX_MIXED_LABS`] for mixed
    /// profiles); past them this panics.
    pub fn new(game: &'a RaceGame) -> Self {
        assert!(
            game.n() <= MAX_DYNAMIC_LABS,
            "at most {MAX_DYNAMIC_LABS} labs in the dynamics"
        );
        let space = match game.actions {
            Actions::Discrete => Space::Grid(vec![0.0, 1.0]),
            Actions::Continuous => Space::Interval(0.0, 1.0),
        };
        RaceLearning {
            game,
            space,
            cache: RefCell::new(ProgressCache {
                x: [0.0; MAX_DYNAMIC_LABS],
                p: [0.0; MAX_DYNAMIC_LABS],
                valid: false,
                mixed: 0,
                updates: 0,
            }),
        }
    }

    /// Progress at `x`, then `f` of it and of whether `x` is pure: from the
    /// cache when `x` is the last profile, updated when one or two labs
    /// changed, else computed afresh. No allocation.
    #[inline]
    fn with_progress<T>(&self, x: &[f64], f: impl FnOnce(&[f64], bool) -> T) -> T {
        let g = self.game;
        let n = g.n();
        let mut c = self.cache.borrow_mut();
        let c = &mut *c;
        let impure = |v: f64| (v != 0.0 && v != 1.0) as usize;
        let mut changed = 0;
        if c.valid {
            for (a, b) in x.iter().zip(&c.x[..n]) {
                changed += (a != b) as u32;
            }
        }
        if !c.valid || changed > 2 || c.updates + changed > REFRESH {
            g.progress_into(x, &mut c.p[..n]);
            c.x[..n].copy_from_slice(x);
            c.mixed = x.iter().map(|&v| impure(v)).sum();
            c.valid = true;
            c.updates = 0;
        } else if changed > 0 {
            for (j, &xj) in x.iter().enumerate() {
                let d = xj - c.x[j];
                if d != 0.0 {
                    g.shift_progress(j, d, &mut c.p[..n]);
                    c.mixed = c.mixed + impure(xj) - impure(c.x[j]);
                    c.x[j] = xj;
                }
            }
            c.updates += changed;
        }
        f(&c.p[..n], c.mixed == 0)
    }

    fn discrete(&self) -> bool {
        self.game.actions == Actions::Discrete
    }

    /// Whether every lab but `i` plays a pure action.
    fn others_pure(&self, i: usize, profile: &[f64]) -> bool {
        profile
            .iter()
            .enumerate()
            .all(|(j, &x)| j == i || x == 0.0 || x == 1.0)
    }

    /// Lab i's (expected) utilities of closed and open against the others.
    fn pair(&self, i: usize, profile: &[f64]) -> (f64, f64) {
        let xi = profile[i];
        let fused = self.with_progress(profile, |p, pure| {
            if pure {
                let (stay, switch) = self.game.stay_switch(i, xi, p);
                Some(if xi == 0.0 {
                    (stay, switch)
                } else {
                    (switch, stay)
                })
            } else if self.others_pure(i, profile) {
                Some((
                    self.game.deviation_utility(i, 0.0, xi, p),
                    self.game.deviation_utility(i, 1.0, xi, p),
                ))
            } else {
                None
            }
        });
        fused.unwrap_or_else(|| {
            assert!(self.game.n() <= MAX_MIXED_LABS);
            self.game.expected_pair(i, profile)
        })
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
        if self.discrete() {
            let (u0, u1) = self.pair(i, profile);
            // Exact at a pure a (0·u1 = 0), linear in a mixed one.
            (1.0 - a) * u0 + a * u1
        } else {
            self.with_progress(profile, |p, _| {
                self.game.deviation_utility(i, a, profile[i], p)
            })
        }
    }

    fn best_response(&self, i: usize, profile: &[f64]) -> f64 {
        if self.discrete() {
            let (u0, u1) = self.pair(i, profile);
            if u1 > u0 { 1.0 } else { 0.0 }
        } else {
            self.with_progress(profile, |p, _| self.game.best_response(i, profile, p).0)
        }
    }

    fn max_gain(&self, i: usize, profile: &[f64]) -> f64 {
        if self.discrete() {
            let (u0, u1) = self.pair(i, profile);
            let q = profile[i];
            (u0.max(u1) - ((1.0 - q) * u0 + q * u1)).max(0.0)
        } else {
            self.with_progress(profile, |p, _| self.game.max_gain(i, profile, p))
        }
    }

    fn nash_conv(&self, profile: &[f64]) -> f64 {
        // One progress vector for every lab.
        let pure_sum = self.with_progress(profile, |p, pure| {
            if self.discrete() && !pure {
                None
            } else if self.discrete() {
                (0..self.game.n())
                    .map(|i| {
                        let (stay, switch) = self.game.stay_switch(i, profile[i], p);
                        if switch > stay { switch - stay } else { 0.0 }
                    })
                    .sum::<f64>()
                    .into()
            } else {
                (0..self.game.n())
                    .map(|i| self.game.max_gain(i, profile, p))
                    .sum::<f64>()
                    .into()
            }
        });
        // Mixed profiles: exact expectations, lab by lab.
        pure_sum.unwrap_or_else(|| (0..self.game.n()).map(|i| self.max_gain(i, profile)).sum())
    }

    fn gradient(&self, i: usize, profile: &[f64]) -> f64 {
        let g = self.game;
        let x = profile[i];
        self.with_progress(profile, |p, _| match g.utility {
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
/// agent 0 is the generalist G (ω), agent 1 the specialist D (α1), playing
/// in stage order each iteration — G announces ω, then D, seeing it,
/// chooses α1 (docs/model.md §C).
///
/// Each agent's payoff is its own formula at the actions it observes:
/// U_G(ω, α1) with D's actual α1, U_D(ω, α1) at the ω D saw. G never sees
/// D's response function, only the response it gets; `leader_response`
/// maximises G's payoff against a response model the rule has fitted.
/// NashConv (reported, never used to act) is the Stackelberg one: G's gain
/// against D's exact best response, plus D's gain at the ω it faces.
#[derive(Clone)]
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
        let alpha0_max = game.alpha0_at(delta, 0.0).max(game.alpha0_at(delta, 1.0));
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

    /// The subgame-perfect profile (ω*, α1*(ω*)) at this δ, G kept in.
    pub fn equilibrium(&self) -> Vec<f64> {
        vec![
            self.best_omega,
            self.game.alpha1_at(self.delta, self.best_omega),
        ]
    }

    /// W(ω) = V(ω) − penalty(ω): what G realises at ω once D best-responds.
    pub fn stackelberg_value(&self, omega: f64) -> f64 {
        self.value.eval(omega) - self.game.penalty_at(omega)
    }
}

impl LearningGame for OpennessMarket {
    fn agents(&self) -> usize {
        2
    }

    fn space(&self, i: usize) -> &Space {
        &self.spaces[i]
    }

    fn role(&self, i: usize) -> Role {
        if i == 0 { Role::Leader } else { Role::Follower }
    }

    fn payoff(&self, i: usize, a: f64, profile: &[f64]) -> f64 {
        if i == 0 {
            self.game.u_g(self.delta, a, profile[1])
        } else {
            self.game.u_d(self.delta, profile[0], a)
        }
    }

    /// D: α1*(ω) at the ω it sees. G: its myopic best response to D's
    /// current α1 by its own payoff formula (no rule of a leader uses it).
    fn best_response(&self, i: usize, profile: &[f64]) -> f64 {
        if i == 0 {
            let v = self
                .game
                .leader_value(self.delta, Poly3::constant(profile[1]));
            regulated_choice(&v, self.game.regulation).omega
        } else {
            self.game.alpha1_at(self.delta, profile[0])
        }
    }

    fn leader_response(&self, i: usize, response: &Poly3) -> Option<f64> {
        (i == 0).then(|| {
            let v = self.game.leader_value(self.delta, *response);
            regulated_choice(&v, self.game.regulation).omega
        })
    }

    fn gradient(&self, i: usize, profile: &[f64]) -> f64 {
        let g = &self.game;
        if i == 0 {
            let w = profile[0];
            let pen_slope = match g.regulation {
                Some(reg) if reg.form == PenaltyForm::Proportional && w < reg.theta => reg.penalty,
                _ => 0.0,
            };
            let v = g.leader_value(self.delta, Poly3::constant(profile[1]));
            v.derivative().eval(w) + pen_slope
        } else {
            let (omega, a1) = (profile[0], profile[1]);
            let s = self.delta * (1.0 - g.lambda * omega);
            (1.0 - s) * g.r
                - 2.0 * g.c1 * (a1 - g.alpha0_at(self.delta, omega)) / (1.0 + g.kappa * omega)
        }
    }

    fn active(&self, i: usize, t: u64) -> bool {
        i == 1 || t.is_multiple_of(self.leader_every)
    }

    // NashConv runs every iteration, so both gains are in closed form: G's
    // best Stackelberg value is fixed per point, and U_D is a concave
    // quadratic in α1 with curvature c1/(1+κω), whose peak α1*(ω) lies
    // inside D's space.
    fn max_gain(&self, i: usize, profile: &[f64]) -> f64 {
        let g = &self.game;
        let omega = profile[0];
        if i == 0 {
            (self.best_value - self.stackelberg_value(omega)).max(0.0)
        } else {
            let d = profile[1] - g.alpha1_at(self.delta, omega);
            g.c1 * d * d / (1.0 + g.kappa * omega)
        }
    }
}
