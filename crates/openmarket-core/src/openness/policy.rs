//! The regulator's diagnostics of an openness game (docs/model.md §A.3):
//! the indifference curve p̄(θ), the effective threshold range (ω^u, θ̄(p)],
//! and which lever (threshold or penalty) moves G's choice.

use super::{Lever, OpennessGame, PenaltyForm, Regime, Regulation};
use crate::math::Poly3;

/// Step of the finite differences ∂ω/∂p and ∂ω/∂θ.
pub const LEVER_STEP: f64 = 1e-4;

impl OpennessGame {
    /// p̄(θ) at δ: the smallest penalty at which G complies with θ.
    pub fn indifference_penalty(&self, delta: f64, reg: &Regulation) -> f64 {
        let v = self.value_poly(delta);
        let (wu, vu) = v.argmax_in(0.0, 1.0);
        if reg.theta <= wu {
            return 0.0;
        }
        let (_, vc) = v.argmax_in(reg.theta, 1.0);
        match reg.form {
            PenaltyForm::Fixed => (vu - vc).max(0.0),
            PenaltyForm::Proportional => proportional_indifference(&v, reg.theta, vc),
        }
    }

    /// θ̄(p) at δ: the largest threshold G still complies with at penalty p.
    pub fn theta_max(&self, delta: f64, reg: &Regulation) -> f64 {
        let v = self.value_poly(delta);
        let (wu, vu) = v.argmax_in(0.0, 1.0);
        match reg.form {
            PenaltyForm::Fixed => {
                // max_{ω≥θ} V ≥ V(ω^u) − p holds up to the largest ω with
                // V(ω) ≥ V(ω^u) − p, a root of a cubic.
                let level = vu - reg.penalty;
                if v.eval(1.0) >= level {
                    1.0
                } else {
                    let roots = (v - Poly3::constant(level)).roots_in(wu, 1.0);
                    roots.last().copied().unwrap_or(wu)
                }
            }
            PenaltyForm::Proportional => {
                // No closed form: compliance need not be monotone in θ
                // (docs/openness-model.md). Scan, then bisect the last crossing.
                let complies = |theta: f64| {
                    let r = Regulation { theta, ..*reg };
                    self.indifference_penalty(delta, &r) <= reg.penalty
                };
                const SCAN: usize = 4096;
                let at = |k: usize| wu + (1.0 - wu) * k as f64 / SCAN as f64;
                let Some(k) = (0..=SCAN).rev().find(|&k| complies(at(k))) else {
                    return wu;
                };
                if k == SCAN {
                    return 1.0;
                }
                let (mut a, mut b) = (at(k), at(k + 1));
                for _ in 0..100 {
                    let m = 0.5 * (a + b);
                    if complies(m) { a = m } else { b = m }
                }
                a
            }
        }
    }

    /// Finite differences of the equilibrium ω (δ re-bargained) in p and θ.
    /// θ steps backwards at the upper end of its domain.
    pub(crate) fn lever_sensitivities(&self, omega: Option<f64>) -> (Option<f64>, Option<f64>) {
        let (Some(reg), Some(w)) = (self.regulation, omega) else {
            return (None, None);
        };
        let omega_with = |r: Regulation| {
            OpennessGame {
                regulation: Some(r),
                ..*self
            }
            .bargain()
            .omega
        };
        let h = LEVER_STEP;
        let dp = omega_with(Regulation {
            penalty: reg.penalty + h,
            ..reg
        })
        .map(|w2| (w2 - w) / h);
        let ht = if reg.theta + h <= 1.0 { h } else { -h };
        let dt = omega_with(Regulation {
            theta: reg.theta + ht,
            ..reg
        })
        .map(|w2| (w2 - w) / ht);
        (dp, dt)
    }
}

/// The lever that moves ω in `regime`, given ∂ω/∂θ.
pub(crate) fn lever(regime: Regime, domega_dtheta: Option<f64>) -> Lever {
    match regime {
        Regime::Comply if domega_dtheta.is_some_and(|d| d > 1e-3) => Lever::Threshold,
        Regime::PayPenalty => Lever::Penalty,
        _ => Lever::None,
    }
}

/// p̄(θ) under the proportional form: the least p with
/// V^c ≥ V(ω) − p·(θ − ω) for every ω < θ, i.e. the supremum over ω < θ of
/// the slope (V(ω) − V^c)/(θ − ω). Its stationary points solve
/// V′(ω)(θ − ω) + V(ω) − V^c = 0, a cubic; the supremum may also be the
/// limit ω → θ, which is −V′(θ) when V^c is attained at θ.
fn proportional_indifference(v: &Poly3, theta: f64, vc: f64) -> f64 {
    let slope = |w: f64| (v.eval(w) - vc) / (theta - w);
    let stationary = v.derivative() * Poly3::linear(theta, -1.0) + *v - Poly3::constant(vc);
    let mut best = 0.0_f64;
    for w in std::iter::once(0.0).chain(stationary.roots_in(0.0, theta)) {
        if w < theta {
            best = best.max(slope(w));
        }
    }
    if vc - v.eval(theta) <= 1e-12 * (1.0 + v.magnitude()) {
        best = best.max(-v.derivative().eval(theta));
    }
    best
}
