//! The openness-regulation game (MODEL.md part A), solved exactly by
//! backward induction.
//!
//! Stage 3 (D's fine-tuning) has a closed form. Substituting it makes G's
//! continuation value V(ω) a polynomial of degree ≤ 3 in ω, so stage 2 is
//! an exact argmax over endpoints and critical points ([`Poly3`]). Stage 1
//! (bargaining over δ) has no closed form once regimes can switch, and is a
//! bracketed 1-D search ([`maximize_1d`]).

use serde::Serialize;

use crate::math::{Poly3, maximize_1d};

/// G's baseline performance: a parameter, or chosen by G (FTG's original game).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Alpha0 {
    Exogenous(f64),
    Endogenous,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BargainingRule {
    /// δ is given.
    Fixed(f64),
    /// argmax U_G·U_D, disagreement point (0, 0).
    Nash,
    /// argmax U_G + U_D.
    Utilitarian,
    /// U_G = U_D with the largest common value, computed as argmax min(U_G, U_D).
    Egalitarian,
    /// argmax min(U_G / U_G^max, U_D / U_D^max), ideal point over δ ∈ [0,1].
    KalaiSmorodinsky,
}

impl BargainingRule {
    pub fn name(&self) -> &'static str {
        match self {
            BargainingRule::Fixed(_) => "fixed",
            BargainingRule::Nash => "nash",
            BargainingRule::Utilitarian => "utilitarian",
            BargainingRule::Egalitarian => "egalitarian",
            BargainingRule::KalaiSmorodinsky => "kalai_smorodinsky",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PenaltyForm {
    /// p·1[ω < θ]
    Fixed,
    /// p·(θ − ω)⁺
    Proportional,
}

impl PenaltyForm {
    pub fn name(&self) -> &'static str {
        match self {
            PenaltyForm::Fixed => "fixed",
            PenaltyForm::Proportional => "proportional",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Regulation {
    pub theta: f64,
    pub penalty: f64,
    pub form: PenaltyForm,
}

impl Regulation {
    pub fn penalty_at(&self, omega: f64) -> f64 {
        match self.form {
            PenaltyForm::Fixed if omega < self.theta => self.penalty,
            PenaltyForm::Fixed => 0.0,
            PenaltyForm::Proportional => self.penalty * (self.theta - omega).max(0.0),
        }
    }
}

/// All parameters of one openness game. Field names follow the config keys.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OpennessGame {
    pub alpha0: Alpha0,
    pub r: f64,
    pub c0: f64,
    pub c1: f64,
    pub epsilon: f64,
    pub lambda: f64,
    pub kappa: f64,
    pub operation_cost: f64,
    pub bargaining: BargainingRule,
    pub regulation: Option<Regulation>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    Nonbinding,
    Comply,
    PayPenalty,
    Exit,
}

impl Regime {
    pub fn name(&self) -> &'static str {
        match self {
            Regime::Nonbinding => "nonbinding",
            Regime::Comply => "comply",
            Regime::PayPenalty => "pay_penalty",
            Regime::Exit => "exit",
        }
    }
}

/// Which policy lever moves G's release decision at the margin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lever {
    /// G complies with a binding threshold: raising θ raises ω.
    Threshold,
    /// G pays the penalty: only raising p (to p̄(θ)) changes ω.
    Penalty,
    /// Regulation does not bind, or G exits.
    None,
}

impl Lever {
    pub fn name(&self) -> &'static str {
        match self {
            Lever::Threshold => "threshold",
            Lever::Penalty => "penalty",
            Lever::None => "none",
        }
    }
}

/// G's stage-2 choice before it decides whether to exit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Choice {
    pub regime: Regime,
    pub omega: f64,
    /// G's value after any penalty.
    pub value: f64,
    pub paid: f64,
    pub omega_unregulated: f64,
    /// Values closer than this are ties (relative to V's coefficients).
    pub tie: f64,
}

/// The subgame after δ is fixed (stages 2–4).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StageOutcome {
    pub delta: f64,
    pub regime: Regime,
    /// `None` when G exits.
    pub omega: Option<f64>,
    pub alpha0: Option<f64>,
    pub alpha1: Option<f64>,
    pub u_g: f64,
    pub u_d: f64,
    pub penalty_paid: f64,
    /// ω^u: G's choice without regulation at this δ.
    pub omega_unregulated: f64,
}

/// The subgame-perfect equilibrium with everything MODEL.md A.3 reports.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Equilibrium {
    pub regime: Regime,
    pub bargaining: &'static str,
    pub delta: f64,
    pub omega: Option<f64>,
    pub alpha0: Option<f64>,
    pub alpha1: Option<f64>,
    pub u_g: f64,
    pub u_d: f64,
    pub penalty_paid: f64,
    /// U_G + U_D + penalty: the penalty is a transfer to the regulator.
    pub total_surplus: f64,
    pub omega_unregulated: f64,
    /// p̄(θ) at the equilibrium δ; `None` without regulation.
    pub indifference_penalty: Option<f64>,
    /// θ̄(p) at the equilibrium δ; the effective range is (ω^u, θ̄(p)].
    pub theta_max: Option<f64>,
    pub pareto_improvement: bool,
    /// Unregulated equilibrium utilities under the same bargaining rule.
    pub u_g_unregulated: f64,
    pub u_d_unregulated: f64,
    pub domega_dpenalty: Option<f64>,
    pub domega_dtheta: Option<f64>,
    pub lever: Lever,
}

/// Grid cells scanned before golden-section refinement in bargaining.
const BARGAIN_GRID: usize = 512;
/// Width to which δ is bracketed (MODEL.md asks for 1e-9).
const BARGAIN_TOL: f64 = 1e-11;
/// Step of the finite differences ∂ω/∂p and ∂ω/∂θ.
pub const LEVER_STEP: f64 = 1e-4;

impl OpennessGame {
    /// α0 when it is given (exogenous); `None` when G chooses it.
    pub fn alpha0_value(&self) -> Option<f64> {
        match self.alpha0 {
            Alpha0::Exogenous(a) => Some(a),
            Alpha0::Endogenous => None,
        }
    }

    /// G's effective revenue share s(ω) = δ(1 − λω).
    fn share(&self, delta: f64) -> Poly3 {
        Poly3::linear(delta, -delta * self.lambda)
    }

    /// G's continuation value V(ω) at δ: U_G with D's best response
    /// substituted and no penalty.
    pub fn value_poly(&self, delta: f64) -> Poly3 {
        let s = self.share(delta);
        let t = Poly3::constant(1.0) - s;
        let finetune = Poly3::linear(1.0, self.kappa);
        let sq = self.r * self.r;
        let revenue_on_gain = (s * t * finetune).scale(sq / (2.0 * self.c1));
        let openness = Poly3::linear(-self.operation_cost, self.epsilon + self.operation_cost);
        let base = match self.alpha0 {
            Alpha0::Exogenous(a0) => s.scale(self.r * a0) - Poly3::constant(self.c0 * a0 * a0),
            // α0* = s·r/(2c0) turns s·r·α0 − c0·α0² into s²·r²/(4c0).
            Alpha0::Endogenous => (s * s).scale(sq / (4.0 * self.c0)),
        };
        base + revenue_on_gain + openness
    }

    fn share_at(&self, delta: f64, omega: f64) -> f64 {
        delta * (1.0 - self.lambda * omega)
    }

    pub fn alpha0_at(&self, delta: f64, omega: f64) -> f64 {
        match self.alpha0 {
            Alpha0::Exogenous(a0) => a0,
            Alpha0::Endogenous => self.share_at(delta, omega) * self.r / (2.0 * self.c0),
        }
    }

    /// D's best response α1*(ω) = α0 + (1 − s)·r·(1 + κω)/(2c1).
    pub fn alpha1_at(&self, delta: f64, omega: f64) -> f64 {
        let t = 1.0 - self.share_at(delta, omega);
        self.alpha0_at(delta, omega) + t * self.r * (1.0 + self.kappa * omega) / (2.0 * self.c1)
    }

    /// D's utility at its best response: (1−s)·r·α0 + (1−s)²·r²·(1+κω)/(4c1).
    pub fn u_d_at(&self, delta: f64, omega: f64) -> f64 {
        let t = 1.0 - self.share_at(delta, omega);
        t * self.r * self.alpha0_at(delta, omega)
            + t * t * self.r * self.r * (1.0 + self.kappa * omega) / (4.0 * self.c1)
    }

    pub fn penalty_at(&self, omega: f64) -> f64 {
        self.regulation.map_or(0.0, |reg| reg.penalty_at(omega))
    }

    /// G's regulated choice at δ, before the exit decision.
    pub fn regulated_choice(&self, delta: f64) -> Choice {
        let v = self.value_poly(delta);
        let (wu, vu) = v.argmax_in(0.0, 1.0);
        let tie = 1e-12 * (1.0 + v.magnitude());
        let (regime, omega, g_value, paid) = match self.regulation {
            Some(reg) if reg.theta > wu => {
                let (wc, vc) = v.argmax_in(reg.theta, 1.0);
                // Best non-compliant choice: ω^u under the fixed form; under
                // the proportional form the penalty p·(θ−ω) is linear, so the
                // penalised value is again a polynomial on [0, θ].
                let (wn, vn, paid) = match reg.form {
                    PenaltyForm::Fixed => (wu, vu - reg.penalty, reg.penalty),
                    PenaltyForm::Proportional => {
                        let w = v + Poly3::linear(-reg.penalty * reg.theta, reg.penalty);
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

    /// The same game with regulation removed (the Pareto benchmark).
    pub fn unregulated(&self) -> OpennessGame {
        OpennessGame {
            regulation: None,
            ..*self
        }
    }

    /// Stage 1: the bargained δ and the stage outcome it leads to.
    pub fn bargain(&self) -> StageOutcome {
        let delta = match self.bargaining {
            BargainingRule::Fixed(d) => d,
            BargainingRule::Utilitarian => match self.utilitarian_closed_form() {
                Some(d) => d,
                None => self.search_delta(|o| o.u_g + o.u_d),
            },
            BargainingRule::Nash => self.search_delta(|o| o.u_g * o.u_d),
            BargainingRule::Egalitarian => self.search_delta(|o| o.u_g.min(o.u_d)),
            BargainingRule::KalaiSmorodinsky => {
                let (g_max, d_max) = self.ideal_point();
                // A player whose ideal is 0 gets 0 everywhere, so it does
                // not constrain the ratio.
                let ratio = |u: f64, m: f64| if m > 0.0 { u / m } else { f64::INFINITY };
                self.search_delta(|o| ratio(o.u_g, g_max).min(ratio(o.u_d, d_max)))
            }
        };
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

    /// Each player's best utility over δ ∈ [0,1]: the ideal point of the
    /// Kalai–Smorodinsky solution.
    pub fn ideal_point(&self) -> (f64, f64) {
        (
            self.best_over_delta(|o| o.u_g).1,
            self.best_over_delta(|o| o.u_d).1,
        )
    }

    fn best_over_delta(&self, objective: impl Fn(&StageOutcome) -> f64) -> (f64, f64) {
        maximize_1d(
            |d| objective(&self.stage_outcome(d)),
            0.0,
            1.0,
            BARGAIN_GRID,
            BARGAIN_TOL,
        )
    }

    /// Bracketed search for the bargaining δ; public so tests can compare it
    /// with the closed forms.
    pub fn search_delta(&self, objective: impl Fn(&StageOutcome) -> f64) -> f64 {
        self.best_over_delta(objective).0
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
        let lever = match o.regime {
            Regime::Comply if domega_dtheta.is_some_and(|d| d > 1e-3) => Lever::Threshold,
            Regime::PayPenalty => Lever::Penalty,
            _ => Lever::None,
        };
        Equilibrium {
            regime: o.regime,
            bargaining: self.bargaining.name(),
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
            lever,
        }
    }

    /// Finite differences of the equilibrium ω (δ re-bargained) in p and θ.
    /// θ steps backwards at the upper end of its domain.
    fn lever_sensitivities(&self, omega: Option<f64>) -> (Option<f64>, Option<f64>) {
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
