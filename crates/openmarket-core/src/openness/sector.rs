//! One generalist and K specialists (docs/sector.md): the market of
//! Fine-Tuning Games, where G's openness ω is a shared input of a whole
//! downstream sector and each specialist enters or stays out.
//!
//! Specialist k has its own revenue r_k, fine-tuning cost c1_k, κ_k, λ_k,
//! revenue share δ_k and entry cost F_k ≥ 0. At ω it would fine-tune to
//! α1_k*(ω) = α0 + (1 − s_k)·r_k·(1 + κ_k·ω)/(2·c1_k), s_k = δ_k·(1 − λ_k·ω),
//! for the payoff u_k(ω) = (1 − s_k)·r_k·α0 + (1 − s_k)²·r_k²·(1 + κ_k·ω)/(4·c1_k);
//! it enters iff u_k(ω) ≥ F_k (ties enter). G earns s_k·r_k·α1_k from each
//! entrant, so its value without penalty is
//!
//!   V(ω) = ε·ω − o·(1 − ω) − c0·α0² + Σ_{k enters at ω} s_k(ω)·r_k·α1_k*(ω),
//!
//! a piecewise polynomial of degree ≤ 3 whose breakpoints are the roots of
//! u_k − F_k in (0, 1). Each term of the sum is ≥ 0, so V at a breakpoint
//! is at least the limit of either neighbouring piece: the supremum is
//! attained, and the exact argmax is the best of every piece's own exact
//! argmax (endpoints and critical points), judged by V itself.
//!
//! α0 is given here (G choosing α0 against a sector whose entry depends on
//! it is a fixed point this module does not solve), and δ_k are given (a
//! fixed bargaining rule per specialist).

use serde::Serialize;

use super::{PenaltyForm, Regime, Regulation};
use crate::math::{Poly3, smallest_maximiser};

/// One specialist of the sector.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Specialist {
    /// Revenue per unit of performance, r_k > 0.
    pub r: f64,
    /// Fine-tuning cost coefficient, c1_k > 0.
    pub c1: f64,
    /// How much openness cheapens its fine-tuning, κ_k ≥ 0.
    pub kappa: f64,
    /// Revenue leakage to it through openness, λ_k ∈ [0, 1].
    pub lambda: f64,
    /// G's revenue share from it, δ_k ∈ [0, 1].
    pub delta: f64,
    /// What entering costs it, F_k ≥ 0.
    pub entry_cost: f64,
}

/// G and the sector it supplies.
#[derive(Clone, Debug, PartialEq)]
pub struct Sector {
    /// G's baseline performance α0 ≥ 0.
    pub alpha0: f64,
    /// G's production cost coefficient c0 > 0.
    pub c0: f64,
    /// G's reputational benefit of openness ε ≥ 0.
    pub epsilon: f64,
    /// G's cost of serving a closed model o ≥ 0.
    pub operation_cost: f64,
    /// The regulator's rule; `None` = unregulated.
    pub regulation: Option<Regulation>,
    /// The specialists, in config order.
    pub specialists: Vec<Specialist>,
}

/// What one specialist does in equilibrium.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SpecialistOutcome {
    /// Whether it enters.
    pub enters: bool,
    /// Its fine-tuned performance (0 if it stays out).
    pub alpha1: f64,
    /// Its payoff net of the entry cost (0 if it stays out).
    pub u_d: f64,
}

/// The subgame-perfect outcome of the sector game.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SectorOutcome {
    /// Nonbinding, comply, pay the penalty, or exit.
    pub regime: Regime,
    /// G's openness; `None` when G exits.
    pub omega: Option<f64>,
    /// G's utility (0 on exit).
    pub u_g: f64,
    /// The penalty G pays.
    pub penalty_paid: f64,
    /// ω^u: G's choice without regulation.
    pub omega_unregulated: f64,
    /// How many specialists enter.
    pub entrants: usize,
    /// Each specialist's outcome, in order.
    pub specialists: Vec<SpecialistOutcome>,
}

/// A piece of V: on [lo, hi] the entrants are fixed and V is `poly`.
#[derive(Clone, Copy, Debug)]
struct Piece {
    lo: f64,
    hi: f64,
    poly: Poly3,
}

impl Specialist {
    fn share(&self) -> Poly3 {
        Poly3::linear(self.delta, -self.delta * self.lambda)
    }

    /// α1_k*(ω) as a polynomial.
    fn response(&self, alpha0: f64) -> Poly3 {
        let t = Poly3::constant(1.0) - self.share();
        Poly3::constant(alpha0)
            + (t * Poly3::linear(1.0, self.kappa)).scale(self.r / (2.0 * self.c1))
    }

    /// u_k(ω) − F_k: positive where it enters.
    fn surplus(&self, alpha0: f64) -> Poly3 {
        let t = Poly3::constant(1.0) - self.share();
        (t.scale(self.r * alpha0)
            + (t * t * Poly3::linear(1.0, self.kappa)).scale(self.r * self.r / (4.0 * self.c1)))
            - Poly3::constant(self.entry_cost)
    }

    /// What G earns from it if it enters: s_k·r_k·α1_k*(ω).
    fn revenue(&self, alpha0: f64) -> Poly3 {
        (self.share() * self.response(alpha0)).scale(self.r)
    }
}

/// Per-specialist polynomials, computed once per solve.
struct Terms {
    surplus: Poly3,
    revenue: Poly3,
    /// Surpluses within this of zero are ties (they enter).
    tie: f64,
}

impl Sector {
    fn terms(&self) -> Vec<Terms> {
        self.specialists
            .iter()
            .map(|s| {
                let surplus = s.surplus(self.alpha0);
                Terms {
                    surplus,
                    revenue: s.revenue(self.alpha0),
                    tie: 1e-12 * (1.0 + surplus.magnitude() + s.entry_cost),
                }
            })
            .collect()
    }

    /// G's value without penalty and without any specialist.
    fn base(&self) -> Poly3 {
        Poly3::linear(
            -self.operation_cost - self.c0 * self.alpha0 * self.alpha0,
            self.epsilon + self.operation_cost,
        )
    }

    /// V(ω): G's value without penalty, entry decided at ω.
    pub fn value_at(&self, omega: f64) -> f64 {
        self.value_with(&self.terms(), omega)
    }

    fn value_with(&self, terms: &[Terms], omega: f64) -> f64 {
        self.base().eval(omega)
            + terms
                .iter()
                .filter(|t| t.surplus.eval(omega) >= -t.tie)
                .map(|t| t.revenue.eval(omega))
                .sum::<f64>()
    }

    /// The pieces of V on [0, 1]: cut at every root of a surplus, each
    /// piece's entrants decided at its midpoint. The running polynomial
    /// changes only by the specialists whose surplus has a root at a cut.
    fn pieces(&self, terms: &[Terms]) -> Vec<Piece> {
        let mut cuts: Vec<(f64, usize)> = terms
            .iter()
            .enumerate()
            .flat_map(|(k, t)| {
                t.surplus
                    .roots_in(0.0, 1.0)
                    .into_iter()
                    .filter(|&w| w > 0.0 && w < 1.0)
                    .map(move |w| (w, k))
            })
            .collect();
        cuts.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Cuts grouped by position (several specialists, or a double root,
        // at one ω).
        let mut groups: Vec<(f64, Vec<usize>)> = Vec::new();
        for (w, k) in cuts {
            match groups.last_mut() {
                Some((at, ks)) if *at == w => ks.push(k),
                _ => groups.push((w, vec![k])),
            }
        }
        let mut inside = vec![false; terms.len()];
        let mut poly = self.base();
        let mut pieces = Vec::with_capacity(groups.len() + 1);
        let all: Vec<usize> = (0..terms.len()).collect();
        let ends = std::iter::once((0.0, &all))
            .chain(groups.iter().map(|(w, ks)| (*w, ks)))
            .collect::<Vec<_>>();
        for (j, &(lo, changed)) in ends.iter().enumerate() {
            let hi = ends.get(j + 1).map_or(1.0, |e| e.0);
            let mid = 0.5 * (lo + hi);
            for &k in changed {
                let enters = terms[k].surplus.eval(mid) >= -terms[k].tie;
                if enters != inside[k] {
                    inside[k] = enters;
                    poly = if enters {
                        poly + terms[k].revenue
                    } else {
                        poly - terms[k].revenue
                    };
                }
            }
            pieces.push(Piece { lo, hi, poly });
        }
        pieces
    }

    /// The exact maximiser of V + `extra` over [lo, hi] (ties to the
    /// smallest ω), judged by V itself at every piece's candidates.
    fn best(&self, terms: &[Terms], pieces: &[Piece], lo: f64, hi: f64, extra: Poly3) -> (f64, f64) {
        let mut candidates = Vec::new();
        for p in pieces.iter().filter(|p| p.hi >= lo && p.lo <= hi) {
            let (a, b) = (p.lo.max(lo), p.hi.min(hi));
            let (w, _) = (p.poly + extra).argmax_in(a, b);
            candidates.push(w);
            // Both ends: a piece's polynomial may peak at an end where V
            // itself is higher (a specialist enters exactly there).
            candidates.push(a);
            candidates.push(b);
        }
        let scale = pieces.iter().map(|p| p.poly.magnitude()).fold(0.0, f64::max);
        smallest_maximiser(
            candidates
                .into_iter()
                .map(|w| (w, self.value_with(terms, w) + extra.eval(w))),
            scale + extra.magnitude(),
        )
    }

    /// The subgame-perfect outcome: G's regulated choice of ω (compliance
    /// wins ties, as for one specialist), G's exit if its value is
    /// negative, and each specialist's entry and fine-tuning at that ω.
    pub fn solve(&self) -> SectorOutcome {
        let terms = self.terms();
        let pieces = self.pieces(&terms);
        let scale = pieces.iter().map(|p| p.poly.magnitude()).fold(0.0, f64::max);
        let tie = 1e-12 * (1.0 + scale);
        let (wu, vu) = self.best(&terms, &pieces, 0.0, 1.0, Poly3::ZERO);
        let (regime, omega, value, paid) = match self.regulation {
            Some(reg) if reg.theta > wu => {
                let (wc, vc) = self.best(&terms, &pieces, reg.theta, 1.0, Poly3::ZERO);
                let (wn, vn, paid) = match reg.form {
                    PenaltyForm::Fixed => (wu, vu - reg.penalty, reg.penalty),
                    PenaltyForm::Proportional => {
                        let extra = Poly3::linear(-reg.penalty * reg.theta, reg.penalty);
                        let (wn, vn) = self.best(&terms, &pieces, 0.0, reg.theta, extra);
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
        if value < -tie {
            return SectorOutcome {
                regime: Regime::Exit,
                omega: None,
                u_g: 0.0,
                penalty_paid: 0.0,
                omega_unregulated: wu,
                entrants: 0,
                specialists: vec![
                    SpecialistOutcome {
                        enters: false,
                        alpha1: 0.0,
                        u_d: 0.0,
                    };
                    self.specialists.len()
                ],
            };
        }
        let specialists: Vec<SpecialistOutcome> = self
            .specialists
            .iter()
            .zip(&terms)
            .map(|(s, t)| {
                let surplus = t.surplus.eval(omega);
                if surplus >= -t.tie {
                    SpecialistOutcome {
                        enters: true,
                        alpha1: s.response(self.alpha0).eval(omega),
                        u_d: surplus.max(0.0),
                    }
                } else {
                    SpecialistOutcome {
                        enters: false,
                        alpha1: 0.0,
                        u_d: 0.0,
                    }
                }
            })
            .collect();
        SectorOutcome {
            regime,
            omega: Some(omega),
            u_g: value,
            penalty_paid: paid,
            omega_unregulated: wu,
            entrants: specialists.iter().filter(|s| s.enters).count(),
            specialists,
        }
    }
}
