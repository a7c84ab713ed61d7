//! The race as a learning game: the labs' payoffs, best responses and
//! gains at a profile, with the progress vector cached between calls.

use std::cell::RefCell;

use super::{Actions, RaceGame, Utility};
use crate::dynamics::{LearningGame, Space};
use crate::limits::{MAX_DYNAMIC_LABS, MAX_MIXED_LABS};

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
