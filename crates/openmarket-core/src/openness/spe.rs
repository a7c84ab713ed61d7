//! The subgame-perfect equilibrium of the openness game, by backward
//! induction (docs/model.md §A.3).
//!
//! Stage 3 (D's fine-tuning) has a closed form. Substituting it makes G's
//! continuation value V(ω) a polynomial of degree ≤ 3 in ω, so stage 2 is
//! an exact argmax over endpoints and critical points ([`Poly3`]). Stage 1
//! (bargaining over δ) has no closed form once regimes can switch, and is a
//! bracketed 1-D search ([`maximize_1d`]).

use serde::Serialize;

use super::bargain::{BARGAIN_GRID, BARGAIN_TOL, agreed_delta, best_delta};
use super::{Alpha0, BargainingKind, Lever, OpennessGame, PenaltyForm, Regime};
use super::{Regulation, policy};
use crate::math::{Poly3, maximize_1d};

/// G's stage-2 choice before it decides whether to exit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Choice {
    /// Nonbinding, comply or pay the penalty (exit is decided afterwards).
    pub regime: Regime,
    /// G's openness.
    pub omega: f64,
    /// G's value after any penalty.
    pub value: f64,
    /// The penalty G pays.
    pub paid: f64,
    /// ω^u: the choice without regulation.
    pub omega_unregulated: f64,
    /// Values closer than this are ties (relative to V's coefficients).
    pub tie: f64,
}

/// G's regulated choice when its value without penalty is `v(ω)`: the
/// unregulated maximiser if the threshold does not bind, otherwise the
/// better of complying and paying (compliance wins ties), as in
/// docs/model.md §A.3. The solver passes V with D's exact best response;
/// a learning generalist passes the value it has estimated.
pub fn regulated_choice(v: &Poly3, regulation: Option<Regulation>) -> Choice {
    let (wu, vu) = v.argmax_in(0.0, 1.0);
    let tie = 1e-12 * (1.0 + v.magnitude());
    let (regime, omega, g_value, paid) = match regulation {
        Some(reg) if reg.theta > wu => {
            let (wc, vc) = v.argmax_in(reg.theta, 1.0);
            // Best non-compliant choice: ω^u under the fixed form; under
            // the proportional form the penalty p·(θ−ω) is linear, so the
            // penalised value is again a polynomial on [0, θ].
            let (wn, vn, paid) = match reg.form {
                PenaltyForm::Fixed => (wu, vu - reg.penalty, reg.penalty),
                PenaltyForm::Proportional => {
                    let w = *v + Poly3::linear(-reg.penalty * reg.theta, reg.penalty);
                    let (wn, vn) = w.argmax_in(0.0, reg.theta);
                    (wn, vn, reg.penalty * (reg.theta - wn))
                }
            };
            if vc >= vn - tie {
                (Regime::Comply, wc, vc, 0.0)
            } else {
                (Regime::PayPenalty, wn, vn, paid)
            }
        }
        _ => (Regime::Nonbinding, wu, vu, 0.0),
    };
    Choice {
        regime,
        omega,
        value: g_value,
        paid,
        omega_unregulated: wu,
        tie,
    }
}

/// The subgame after δ is fixed (stages 2–4).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StageOutcome {
    /// The revenue share.
    pub delta: f64,
    /// The regime G's choice falls in.
    pub regime: Regime,
    /// G's openness; `None` when G exits.
    pub omega: Option<f64>,
    /// G's baseline performance; `None` when G exits with endogenous α0.
    pub alpha0: Option<f64>,
    /// D's performance; `None` when G exits.
    pub alpha1: Option<f64>,
    /// G's utility (0 on exit).
    pub u_g: f64,
    /// D's utility (0 on exit).
    pub u_d: f64,
    /// The penalty G pays.
    pub penalty_paid: f64,
    /// ω^u: G's choice without regulation at this δ.
    pub omega_unregulated: f64,
}

/// The subgame-perfect equilibrium with everything docs/model.md §A.3 reports.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Equilibrium {
    /// The equilibrium regime.
    pub regime: Regime,
    /// The rule that set δ.
    pub bargaining: BargainingKind,
    /// G's revenue share.
    pub delta: f64,
    /// G's openness; `None` when G exits.
    pub omega: Option<f64>,
    /// G's baseline performance; `None` when G exits with endogenous α0.
    pub alpha0: Option<f64>,
    /// D's fine-tuned performance; `None` when G exits.
    pub alpha1: Option<f64>,
    /// G's utility.
    pub u_g: f64,
    /// D's utility.
    pub u_d: f64,
    /// The penalty G pays.
    pub penalty_paid: f64,
    /// U_G + U_D + penalty: the penalty is a transfer to the regulator.
    pub total_surplus: f64,
    /// ω^u at the equilibrium δ.
    pub omega_unregulated: f64,
    /// p̄(θ) at the equilibrium δ; `None` without regulation.
    pub indifference_penalty: Option<f64>,
    /// θ̄(p) at the equilibrium δ; the effective range is (ω^u, θ̄(p)].
    pub theta_max: Option<f64>,
    /// Both players at least as well off as unregulated, one strictly.
    pub pareto_improvement: bool,
    /// Unregulated equilibrium utility of G under the same bargaining rule.
    pub u_g_unregulated: f64,
    /// Unregulated equilibrium utility of D under the same bargaining rule.
    pub u_d_unregulated: f64,
    /// Finite-difference ∂ω/∂p (δ re-bargained).
    pub domega_dpenalty: Option<f64>,
    /// Finite-difference ∂ω/∂θ (δ re-bargained).
    pub domega_dtheta: Option<f64>,
    /// Which instrument moves ω here.
    pub lever: Lever,
}

impl OpennessGame {
    /// G's regulated choice at δ, before the exit decision.
    pub fn regulated_choice(&self, delta: f64) -> Choice {
        regulated_choice(&self.value_poly(delta), self.regulation)
    }

    /// Stages 2–4 at a given δ: G's regulated choice and D's response.
    pub fn stage_outcome(&self, delta: f64) -> StageOutcome {
        let Choice {
            regime,
            omega,
            value: g_value,
            paid,
            omega_unregulated: wu,
            tie,
        } = self.regulated_choice(delta);
        if g_value < -tie {
            return StageOutcome {
                delta,
                regime: Regime::Exit,
                omega: None,
                alpha0: match self.alpha0 {
                    Alpha0::Exogenous(a0) => Some(a0),
                    Alpha0::Endogenous => None,
                },
                alpha1: None,
                u_g: 0.0,
                u_d: 0.0,
                penalty_paid: 0.0,
                omega_unregulated: wu,
            };
        }
        StageOutcome {
            delta,
            regime,
            omega: Some(omega),
            alpha0: Some(self.alpha0_at(delta, omega)),
            alpha1: Some(self.alpha1_at(delta, omega)),
            u_g: g_value,
            u_d: self.u_d_at(delta, omega),
            penalty_paid: paid,
            omega_unregulated: wu,
        }
    }

    /// Stage 1: the bargained δ and the stage outcome it leads to.
    pub fn bargain(&self) -> StageOutcome {
        let delta = agreed_delta(
            self.bargaining,
            |d| {
                let o = self.stage_outcome(d);
                (o.u_g, o.u_d)
            },
            || self.utilitarian_closed_form(),
        );
        self.stage_outcome(delta)
    }

    /// With no openness channel (λ = κ = 0), ω does not interact with δ and
    /// the utilitarian δ has FTG's closed form: c1/(c0+c1) when G also
    /// chooses α0, and 0 when α0 is given (the sum then only rewards D's
    /// fine-tuning). Valid unless G exits there.
    pub fn utilitarian_closed_form(&self) -> Option<f64> {
        if self.lambda != 0.0 || self.kappa != 0.0 {
            return None;
        }
        let delta = match self.alpha0 {
            Alpha0::Endogenous => self.c1 / (self.c0 + self.c1),
            Alpha0::Exogenous(_) => 0.0,
        };
        (self.stage_outcome(delta).regime != Regime::Exit).then_some(delta)
    }

    /// Each player's best SPE utility over δ ∈ [0,1]: the ideal point of the
    /// Kalai–Smorodinsky solution.
    pub fn ideal_point(&self) -> (f64, f64) {
        let at = |d| {
            let o = self.stage_outcome(d);
            (o.u_g, o.u_d)
        };
        (best_delta(at, |g, _| g).1, best_delta(at, |_, d| d).1)
    }

    /// Bracketed search for the bargaining δ; public so tests can compare it
    /// with the closed forms.
    pub fn search_delta(&self, objective: impl Fn(&StageOutcome) -> f64) -> f64 {
        maximize_1d(
            |d| objective(&self.stage_outcome(d)),
            0.0,
            1.0,
            BARGAIN_GRID,
            BARGAIN_TOL,
        )
        .0
    }

    /// The full SPE with regime diagnostics, Pareto flag and lever sensitivities.
    pub fn solve(&self) -> Equilibrium {
        let o = self.bargain();
        let unreg = if self.regulation.is_some() {
            self.unregulated().bargain()
        } else {
            o
        };
        let (indifference_penalty, theta_max) = match &self.regulation {
            Some(reg) => (
                Some(self.indifference_penalty(o.delta, reg)),
                Some(self.theta_max(o.delta, reg)),
            ),
            None => (None, None),
        };
        let tol = 1e-9 * (1.0 + unreg.u_g.abs() + unreg.u_d.abs());
        let pareto_improvement = self.regulation.is_some()
            && o.u_g >= unreg.u_g - tol
            && o.u_d >= unreg.u_d - tol
            && (o.u_g > unreg.u_g + tol || o.u_d > unreg.u_d + tol);
        let (domega_dpenalty, domega_dtheta) = self.lever_sensitivities(o.omega);
        Equilibrium {
            regime: o.regime,
            bargaining: self.bargaining.into(),
            delta: o.delta,
            omega: o.omega,
            alpha0: o.alpha0,
            alpha1: o.alpha1,
            u_g: o.u_g,
            u_d: o.u_d,
            penalty_paid: o.penalty_paid,
            total_surplus: o.u_g + o.u_d + o.penalty_paid,
            omega_unregulated: o.omega_unregulated,
            indifference_penalty,
            theta_max,
            pareto_improvement,
            u_g_unregulated: unreg.u_g,
            u_d_unregulated: unreg.u_d,
            domega_dpenalty,
            domega_dtheta,
            lever: policy::lever(o.regime, domega_dtheta),
        }
    }
}
