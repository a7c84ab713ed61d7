//! Games with two actions per player, held as their table of pure payoffs.
//!
//! With q_j the probability that player j plays action 1, player i's gain
//! from action 1 over action 0,
//! Δ_i(q) = E[u_i(1, x_{−i}) − u_i(0, x_{−i})], is multilinear in q_{−i}.
//! Everything the mixed solvers need follows from that: on a box, a
//! multilinear function takes its extremes at the corners, and it is
//! linear in each coordinate, so corner values come from the pure table by
//! one interpolation per coordinate.

use super::{FiniteGame, Mixed};

/// Most players a binary game is built for: the table holds n·2^n payoffs.
pub const MAX_PLAYERS: usize = 20;

/// A finite game with two actions (0 and 1) per player.
#[derive(Clone, Debug, PartialEq)]
pub struct BinaryGame {
    n: usize,
    /// `u[x·n + i]` = u_i at the pure profile x (bit j = player j's action).
    u: Vec<f64>,
}

impl BinaryGame {
    /// The game whose payoffs `payoffs(x, out)` writes for each pure
    /// profile x (bit j of x is player j's action; `out[i]` = u_i).
    pub fn from_payoffs(n: usize, mut payoffs: impl FnMut(u64, &mut [f64])) -> BinaryGame {
        assert!((1..=MAX_PLAYERS).contains(&n), "1 to {MAX_PLAYERS} players");
        let mut u = vec![0.0; n << n];
        for (x, chunk) in u.chunks_mut(n).enumerate() {
            payoffs(x as u64, chunk);
        }
        BinaryGame { n, u }
    }

    /// The number of players.
    pub fn players(&self) -> usize {
        self.n
    }

    /// u_i at the pure profile x.
    pub fn payoff(&self, i: usize, x: u64) -> f64 {
        self.u[x as usize * self.n + i]
    }

    /// Player i's gain from action 1 over 0 at the pure profile x (x's bit
    /// i ignored).
    pub fn pure_gain(&self, i: usize, x: u64) -> f64 {
        let bit = 1u64 << i;
        self.payoff(i, x | bit) - self.payoff(i, x & !bit)
    }

    /// Δ_i(q): player i's expected gain from action 1 over action 0 when
    /// the others play action 1 with probabilities q (q_i ignored).
    pub fn gain(&self, i: usize, q: &[f64]) -> f64 {
        let n = self.n;
        // Sum over the others' pure profiles, weighted by their probability;
        // zero-probability branches are skipped.
        let mut total = 0.0;
        for x in 0..(1u64 << n) {
            if x & (1 << i) != 0 {
                continue;
            }
            let mut w = 1.0;
            for (j, &qj) in q.iter().enumerate() {
                if j != i {
                    w *= if x & (1 << j) != 0 { qj } else { 1.0 - qj };
                    if w == 0.0 {
                        break;
                    }
                }
            }
            if w != 0.0 {
                total += w * self.pure_gain(i, x);
            }
        }
        total
    }

    /// u_i(q): player i's expected payoff at the mixed profile q.
    pub fn expected(&self, i: usize, q: &[f64]) -> f64 {
        let mut total = 0.0;
        for x in 0..(1u64 << self.n) {
            let mut w = 1.0;
            for (j, &qj) in q.iter().enumerate() {
                w *= if x & (1 << j) != 0 { qj } else { 1.0 - qj };
            }
            if w != 0.0 {
                total += w * self.payoff(i, x);
            }
        }
        total
    }

    /// Player i's regret at q: (Δ_i)⁺·(1 − q_i) + (−Δ_i)⁺·q_i.
    pub fn regret(&self, i: usize, q: &[f64]) -> f64 {
        let d = self.gain(i, q);
        if d > 0.0 { d * (1.0 - q[i]) } else { -d * q[i] }
    }

    /// NashConv at q.
    pub fn nash_conv(&self, q: &[f64]) -> f64 {
        (0..self.n).map(|i| self.regret(i, q)).sum()
    }

    /// The largest regret at q: the ε of an ε-Nash equilibrium.
    pub fn max_regret(&self, q: &[f64]) -> f64 {
        (0..self.n).map(|i| self.regret(i, q)).fold(0.0, f64::max)
    }
}

impl FiniteGame for BinaryGame {
    fn players(&self) -> usize {
        self.n
    }
    fn actions(&self, _: usize) -> usize {
        2
    }
    fn expected_payoffs(&self, i: usize, sigma: &Mixed, out: &mut [f64]) {
        let mut q: Vec<f64> = (0..self.n).map(|j| sigma.agent(j)[1]).collect();
        q[i] = 0.0;
        out[0] = self.expected(i, &q);
        q[i] = 1.0;
        out[1] = self.expected(i, &q);
    }
}

/// A multilinear function of m variables held as its values at the 2^m
/// corners of the unit cube (bit k of the index = variable k at 1).
#[derive(Clone, Debug)]
pub(crate) struct Multilinear {
    pub(crate) m: usize,
    pub(crate) corners: Vec<f64>,
}

impl Multilinear {
    /// The value at q (m coordinates): collapse one coordinate at a time,
    /// f = (1 − q_k)·f(q_k = 0) + q_k·f(q_k = 1).
    pub(crate) fn eval(&self, q: &[f64], buf: &mut Vec<f64>) -> f64 {
        buf.clear();
        buf.extend_from_slice(&self.corners);
        let mut len = buf.len();
        for &qk in q.iter().take(self.m) {
            len /= 2;
            for t in 0..len {
                buf[t] = (1.0 - qk) * buf[2 * t] + qk * buf[2 * t + 1];
            }
        }
        buf[0]
    }

    /// ∂f/∂q_k at q: f(q_k = 1) − f(q_k = 0), since f is linear in q_k.
    pub(crate) fn partial(&self, k: usize, q: &[f64], buf: &mut Vec<f64>) -> f64 {
        let mut at = q.to_vec();
        at[k] = 1.0;
        let hi = self.eval(&at, buf);
        at[k] = 0.0;
        hi - self.eval(&at, buf)
    }

    /// The values at the corners of the box [lo, hi]: interpolate each
    /// coordinate in place. The extremes of f over the box are among them.
    pub(crate) fn box_corners(&self, lo: &[f64], hi: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.extend_from_slice(&self.corners);
        for k in 0..self.m {
            let stride = 1 << k;
            for base in 0..out.len() {
                if base & stride != 0 {
                    continue;
                }
                let (f0, f1) = (out[base], out[base | stride]);
                out[base] = f0 + lo[k] * (f1 - f0);
                out[base | stride] = f0 + hi[k] * (f1 - f0);
            }
        }
    }

    /// The ranges of every ∂f/∂q_k over the box, from its corner values
    /// (`box_corners`): f is linear in q_k, so at any corner
    /// ∂f/∂q_k = (f(q_k = hi_k) − f(q_k = lo_k))/(hi_k − lo_k), and that is
    /// multilinear in the other coordinates, extreme at their corners.
    pub(crate) fn partial_ranges(corners: &[f64], lo: &[f64], hi: &[f64], out: &mut [(f64, f64)]) {
        for (k, range) in out.iter_mut().enumerate() {
            let stride = 1 << k;
            let width = hi[k] - lo[k];
            let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
            for base in 0..corners.len() {
                if base & stride == 0 {
                    let d = (corners[base | stride] - corners[base]) / width;
                    min = min.min(d);
                    max = max.max(d);
                }
            }
            *range = (min, max);
        }
    }
}
