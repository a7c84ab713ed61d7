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
//! it is a fixed point this module does not solve). The shares are either
//! given per specialist (a fixed rule, each δ_k its own), or one δ common
//! to all, bargained between G and the sector as one party whose utility
//! is the sum of the specialists' (net of entry costs, entrants only) by
//! the rule's own criterion ([`Sector::bargain`]).

use serde::Serialize;

use super::bargain::agreed_delta;
use super::{BargainingRule, Lever, PenaltyForm, Regime, Regulation};
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
    /// `None`: each specialist's δ_k is given. `Some(rule)` (not `Fixed`):
    /// one δ for all, bargained by `rule`.
    pub bargaining: Option<BargainingRule>,
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
    /// G's regulated choice of ω before its exit decision (= `omega`
    /// unless G exits).
    pub choice: f64,
    /// G's utility (0 on exit).
    pub u_g: f64,
    /// The penalty G pays.
    pub penalty_paid: f64,
    /// ω^u: G's choice without regulation.
    pub omega_unregulated: f64,
    /// How many specialists enter.
    pub entrants: usize,
    /// The common δ, when it was bargained.
    pub delta: Option<f64>,
    /// The regulator's diagnostics at this δ; `None` without regulation.
    pub policy: Option<SectorPolicy>,
    /// Each specialist's outcome, in order.
    pub specialists: Vec<SpecialistOutcome>,
}

/// The regulator's diagnostics of a sector, defined as for one specialist
/// (docs/model.md §A.3) on the sector's V.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SectorPolicy {
    /// p̄(θ): the least penalty at which G complies with θ (0 when θ does
    /// not bind).
    pub indifference_penalty: f64,
    /// θ̄(p): the largest threshold G still complies with at the penalty p;
    /// thresholds in (ω^u, θ̄(p)] bind and are complied with.
    pub theta_max: f64,
    /// The instrument that moves ω here: the threshold when G complies at
    /// ω = θ, the penalty when G pays it, none otherwise.
    pub lever: Lever,
}

/// A piece of V: on [lo, hi] the entrants are fixed and V is `poly`.
#[derive(Clone, Debug)]
struct Piece {
    lo: f64,
    hi: f64,
    poly: Poly3,
    /// The specialists cut at `lo` and at `hi` (empty at 0 and 1): the only
    /// ones whose entry at an end can differ from the piece's.
    at_lo: std::ops::Range<usize>,
    at_hi: std::ops::Range<usize>,
}

impl Specialist {
    /// s_k(ω) = δ_k·(1 − λ_k·ω), G's share of its revenue.
    pub fn share(&self) -> Poly3 {
        Poly3::linear(self.delta, -self.delta * self.lambda)
    }

    /// α1_k*(ω) as a polynomial: its best fine-tuning once it enters.
    pub fn response(&self, alpha0: f64) -> Poly3 {
        let t = Poly3::constant(1.0) - self.share();
        Poly3::constant(alpha0)
            + (t * Poly3::linear(1.0, self.kappa)).scale(self.r / (2.0 * self.c1))
    }

    /// u_k(ω) − F_k: positive where it enters.
    pub fn surplus(&self, alpha0: f64) -> Poly3 {
        let t = Poly3::constant(1.0) - self.share();
        (t.scale(self.r * alpha0)
            + (t * t * Poly3::linear(1.0, self.kappa)).scale(self.r * self.r / (4.0 * self.c1)))
            - Poly3::constant(self.entry_cost)
    }

    /// Surpluses within this of zero are ties, and ties enter.
    pub fn tie(&self, surplus: &Poly3) -> f64 {
        1e-12 * (1.0 + surplus.magnitude() + self.entry_cost)
    }

    /// Its payoff at ω when it plays α1: 0 for α1 ≤ 0 (it stays out),
    /// else (1 − s_k)·r_k·α1 − c1_k·(α1 − α0)²/(1 + κ_k·ω) − F_k.
    pub fn payoff(&self, alpha0: f64, omega: f64, alpha1: f64) -> f64 {
        if alpha1 <= 0.0 {
            return 0.0;
        }
        let t = 1.0 - self.delta * (1.0 - self.lambda * omega);
        let d = alpha1 - alpha0;
        t * self.r * alpha1 - self.c1 * d * d / (1.0 + self.kappa * omega) - self.entry_cost
    }

    /// What G earns from it if it enters: s_k·r_k·α1_k*(ω).
    pub fn revenue(&self, alpha0: f64) -> Poly3 {
        (self.share() * self.response(alpha0)).scale(self.r)
    }
}

/// One specialist's polynomials in ω, computed once per solve or per
/// market: its entry and best response, and G's revenue from it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Terms {
    /// u_k(ω) − F_k.
    pub surplus: Poly3,
    /// s_k·r_k·α1_k*(ω).
    pub revenue: Poly3,
    /// α1_k*(ω), once it enters.
    pub response: Poly3,
    /// Surpluses within this of zero are ties (they enter).
    pub tie: f64,
}

impl Terms {
    /// Whether it enters at ω when it best-responds (ties enter).
    pub fn enters(&self, omega: f64) -> bool {
        self.surplus.eval(omega) >= -self.tie
    }

    /// Its best response at ω: α1_k*(ω) if it enters, else 0 (out).
    pub fn respond(&self, omega: f64) -> f64 {
        if self.enters(omega) {
            self.response.eval(omega)
        } else {
            0.0
        }
    }
}

impl Sector {
    /// Every specialist's [`Terms`], in order.
    pub fn terms(&self) -> Vec<Terms> {
        self.specialists
            .iter()
            .map(|s| {
                let surplus = s.surplus(self.alpha0);
                Terms {
                    surplus,
                    revenue: s.revenue(self.alpha0),
                    response: s.response(self.alpha0),
                    tie: s.tie(&surplus),
                }
            })
            .collect()
    }

    /// G's value without penalty and without any specialist.
    pub fn base(&self) -> Poly3 {
        Poly3::linear(
            -self.operation_cost - self.c0 * self.alpha0 * self.alpha0,
            self.epsilon + self.operation_cost,
        )
    }

    /// The penalty G pays at ω.
    pub fn penalty_at(&self, omega: f64) -> f64 {
        self.regulation.map_or(0.0, |reg| reg.penalty_at(omega))
    }

    /// V(ω): G's value without penalty, entry decided at ω.
    pub fn value_at(&self, omega: f64) -> f64 {
        self.value_with(&self.terms(), omega)
    }

    fn value_with(&self, terms: &[Terms], omega: f64) -> f64 {
        self.base().eval(omega)
            + terms
                .iter()
                .filter(|t| t.enters(omega))
                .map(|t| t.revenue.eval(omega))
                .sum::<f64>()
    }

    /// The pieces of V on [0, 1]: cut at every root of a surplus, each
    /// piece's entrants decided at its midpoint. The running polynomial
    /// changes only by the specialists whose surplus has a root at a cut.
    fn pieces(&self, terms: &[Terms]) -> (Vec<Piece>, Vec<(f64, usize)>) {
        let mut cuts: Vec<(f64, usize)> = terms
            .iter()
            .enumerate()
            .flat_map(|(k, t)| {
                // Cut where the surplus crosses zero. (A surplus whose
                // maximum lies within the tie band below zero, touching
                // it without a root, is not cut: a measure-zero case in
                // which that specialist is missed on a sliver of ω.)
                t.surplus
                    .roots_in(0.0, 1.0)
                    .into_iter()
                    .filter(|&w| w > 0.0 && w < 1.0)
                    .map(move |w| (w, k))
            })
            .collect();
        cuts.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Cuts grouped by position (several specialists, or a double root,
        // at one ω): group g is cuts[starts[g]..starts[g + 1]].
        let mut starts: Vec<usize> = Vec::new();
        for (i, c) in cuts.iter().enumerate() {
            if i == 0 || cuts[i - 1].0 != c.0 {
                starts.push(i);
            }
        }
        starts.push(cuts.len());
        let groups = starts.len() - 1;
        let mut inside = vec![false; terms.len()];
        let mut poly = self.base();
        let mut pieces = Vec::with_capacity(groups + 1);
        for j in 0..=groups {
            // Piece j runs from group j − 1's ω (or 0) to group j's (or 1).
            let at_lo = if j == 0 {
                0..0
            } else {
                starts[j - 1]..starts[j]
            };
            let at_hi = if j == groups {
                0..0
            } else {
                starts[j]..starts[j + 1]
            };
            let lo = if j == 0 { 0.0 } else { cuts[at_lo.start].0 };
            let hi = if j == groups {
                1.0
            } else {
                cuts[at_hi.start].0
            };
            let mid = 0.5 * (lo + hi);
            // The first piece decides every specialist; later ones only
            // those cut at their start.
            let first = 0..if j == 0 { terms.len() } else { 0 };
            let changed = first.chain(cuts[at_lo.clone()].iter().map(|c| c.1));
            for k in changed {
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
            pieces.push(Piece {
                lo,
                hi,
                poly,
                at_lo,
                at_hi,
            });
        }
        (pieces, cuts)
    }

    /// The exact maximiser of V + `extra` over [lo, hi] (ties to the
    /// smallest ω), and its value. Inside a piece V is the piece's
    /// polynomial; at a cut it also counts the specialists cut there that
    /// enter at the cut but not inside the piece (a cut's specialists are
    /// the only ones whose entry changes there), so judging every
    /// candidate costs O(1) plus its cut's size, and the whole search
    /// O(K). The winner's value is then computed from scratch, free of the
    /// running sum's rounding.
    fn best(
        &self,
        terms: &[Terms],
        split: (&[Piece], &[(f64, usize)]),
        lo: f64,
        hi: f64,
        extra: Poly3,
    ) -> (f64, f64) {
        let (pieces, _) = split;
        let mut candidates = Vec::new();
        for p in pieces.iter().filter(|p| p.hi >= lo && p.lo <= hi) {
            let (a, b) = (p.lo.max(lo), p.hi.min(hi));
            let f = p.poly + extra;
            let (w, v) = f.argmax_in(a, b);
            let judged = |w: f64, v: f64| self.judged(terms, split, p, w, v, extra);
            candidates.push((w, judged(w, v)));
            // Both ends: a piece's polynomial may peak at an end where V
            // itself is higher (a specialist enters exactly there).
            candidates.push((a, judged(a, f.eval(a))));
            candidates.push((b, judged(b, f.eval(b))));
        }
        let scale = pieces
            .iter()
            .map(|p| p.poly.magnitude())
            .fold(0.0, f64::max);
        let (w, _) = smallest_maximiser(candidates.into_iter(), scale + extra.magnitude());
        (w, self.value_with(terms, w) + extra.eval(w))
    }

    /// V + `extra` at ω in piece `p`, given the piece's own value `v`
    /// there: inside the piece they agree; at a cut V also counts the
    /// specialists cut there that enter at the cut but not inside the
    /// piece (a cut's specialists are the only ones whose entry changes
    /// there).
    fn judged(
        &self,
        terms: &[Terms],
        (_, cuts): (&[Piece], &[(f64, usize)]),
        p: &Piece,
        w: f64,
        v: f64,
        extra: Poly3,
    ) -> f64 {
        let at_cut = |cut: &std::ops::Range<usize>| -> f64 {
            let mid = 0.5 * (p.lo + p.hi);
            cuts[cut.clone()]
                .iter()
                .map(|&(_, k)| {
                    let t = &terms[k];
                    let inside = t.enters(mid);
                    let enters = t.enters(w);
                    if enters && !inside {
                        t.revenue.eval(w)
                    } else {
                        0.0
                    }
                })
                .sum()
        };
        if w == 0.0 || w == 1.0 {
            // A surplus may touch its cost exactly at an end of [0, 1],
            // where no cut is recorded.
            self.value_with(terms, w) + extra.eval(w)
        } else if w == p.lo {
            v + at_cut(&p.at_lo)
        } else if w == p.hi {
            v + at_cut(&p.at_hi)
        } else {
            v
        }
    }

    /// p̄(θ), θ̄(p) and the lever at this market's shares (docs/sector.md).
    fn policy_in(
        &self,
        terms: &[Terms],
        split: (&[Piece], &[(f64, usize)]),
        o: &SectorOutcome,
    ) -> Option<SectorPolicy> {
        let reg = self.regulation?;
        let (wu, vu) = self.best(terms, split, 0.0, 1.0, Poly3::ZERO);
        let indifference =
            |theta: f64| self.indifference_in(terms, split, reg.form, (wu, vu), theta);
        let theta_max = match reg.form {
            // max_{ω ≥ θ} V ≥ V(ω^u) − p holds up to the largest ω with
            // V(ω) ≥ V(ω^u) − p.
            PenaltyForm::Fixed => self.last_at_least(terms, split, wu, vu - reg.penalty),
            // No closed form (compliance need not be monotone in θ): scan,
            // then bisect the last crossing, as for one specialist.
            PenaltyForm::Proportional => {
                let complies = |theta: f64| indifference(theta) <= reg.penalty;
                const SCAN: usize = 4096;
                let at = |k: usize| wu + (1.0 - wu) * k as f64 / SCAN as f64;
                match (0..=SCAN).rev().find(|&k| complies(at(k))) {
                    None => wu,
                    Some(SCAN) => 1.0,
                    Some(k) => {
                        let (mut a, mut b) = (at(k), at(k + 1));
                        for _ in 0..100 {
                            let m = 0.5 * (a + b);
                            if complies(m) { a = m } else { b = m }
                        }
                        a
                    }
                }
            }
        };
        let lever = match (o.regime, o.omega) {
            (Regime::Comply, Some(w)) if (w - reg.theta).abs() <= 1e-12 => Lever::Threshold,
            (Regime::PayPenalty, _) => Lever::Penalty,
            _ => Lever::None,
        };
        Some(SectorPolicy {
            indifference_penalty: indifference(reg.theta),
            theta_max,
            lever,
        })
    }

    /// p̄(θ) under `form`, given G's unregulated choice and value.
    fn indifference_in(
        &self,
        terms: &[Terms],
        split: (&[Piece], &[(f64, usize)]),
        form: PenaltyForm,
        (wu, vu): (f64, f64),
        theta: f64,
    ) -> f64 {
        if theta <= wu {
            return 0.0;
        }
        let (_, vc) = self.best(terms, split, theta, 1.0, Poly3::ZERO);
        match form {
            PenaltyForm::Fixed => (vu - vc).max(0.0),
            PenaltyForm::Proportional => self.proportional_indifference(terms, split, theta, vc),
        }
    }

    /// p̄(θ) alone, at this market's shares and threshold (0 unregulated):
    /// the least penalty at which G complies.
    pub fn indifference_penalty(&self) -> f64 {
        let Some(reg) = self.regulation else {
            return 0.0;
        };
        let terms = self.terms();
        let (pieces, cuts) = self.pieces(&terms);
        let split = (pieces.as_slice(), cuts.as_slice());
        let best = self.best(&terms, split, 0.0, 1.0, Poly3::ZERO);
        self.indifference_in(&terms, split, reg.form, best, reg.theta)
    }

    /// The largest ω in [from, 1] with V(ω) ≥ level (`from` if none).
    fn last_at_least(
        &self,
        terms: &[Terms],
        split: (&[Piece], &[(f64, usize)]),
        from: f64,
        level: f64,
    ) -> f64 {
        for p in split.0.iter().rev().filter(|p| p.hi >= from) {
            let (a, b) = (p.lo.max(from), p.hi);
            let judged = |w: f64| self.judged(terms, split, p, w, p.poly.eval(w), Poly3::ZERO);
            if judged(b) >= level {
                return b;
            }
            // V is the piece's polynomial inside, continuous there, and
            // below the level at b: its last crossing inside is a root.
            if let Some(&r) = (p.poly - Poly3::constant(level)).roots_in(a, b).last() {
                return r;
            }
            if judged(a) >= level {
                return a;
            }
        }
        from
    }

    /// p̄(θ) under the proportional form: the supremum over ω < θ of
    /// (V(ω) − V^c)/(θ − ω), taken piece by piece at the stationary points
    /// (roots of V′(θ − ω) + V − V^c), the pieces' ends, and the limit
    /// ω → θ (−V′(θ⁻)) when V^c is attained at θ.
    fn proportional_indifference(
        &self,
        terms: &[Terms],
        split: (&[Piece], &[(f64, usize)]),
        theta: f64,
        vc: f64,
    ) -> f64 {
        let mut best = 0.0_f64;
        for p in split.0.iter().filter(|p| p.lo < theta) {
            let (a, b) = (p.lo, p.hi.min(theta));
            let slope = |w: f64, v: f64| (v - vc) / (theta - w);
            let stationary =
                p.poly.derivative() * Poly3::linear(theta, -1.0) + p.poly - Poly3::constant(vc);
            for w in stationary.roots_in(a, b).into_iter().chain([a, b]) {
                if w < theta {
                    let v = self.judged(terms, split, p, w, p.poly.eval(w), Poly3::ZERO);
                    best = best.max(slope(w, v));
                }
            }
            if b == theta && vc - p.poly.eval(theta) <= 1e-12 * (1.0 + p.poly.magnitude()) {
                best = best.max(-p.poly.derivative().eval(theta));
            }
        }
        best
    }

    /// Stages 2–4 at the given shares, with the regulator's diagnostics.
    fn stage_outcome_with_policy(&self) -> SectorOutcome {
        let terms = self.terms();
        let (pieces, cuts) = self.pieces(&terms);
        let split = (pieces.as_slice(), cuts.as_slice());
        let mut o = self.outcome_in(&terms, split);
        o.policy = self.policy_in(&terms, split, &o);
        o
    }

    /// The subgame-perfect outcome: G's regulated choice of ω (compliance
    /// wins ties, as for one specialist), G's exit if its value is
    /// negative, and each specialist's entry and fine-tuning at that ω.
    /// Stages 2–4 at the given shares, without the regulator's
    /// diagnostics (as [`OpennessGame::stage_outcome`] at a given δ).
    ///
    /// [`OpennessGame::stage_outcome`]: super::OpennessGame::stage_outcome
    pub fn stage_outcome(&self) -> SectorOutcome {
        let terms = self.terms();
        let (pieces, cuts) = self.pieces(&terms);
        self.outcome_in(&terms, (pieces.as_slice(), cuts.as_slice()))
    }

    fn outcome_in(&self, terms: &[Terms], split: (&[Piece], &[(f64, usize)])) -> SectorOutcome {
        let pieces = split.0;
        let scale = pieces
            .iter()
            .map(|p| p.poly.magnitude())
            .fold(0.0, f64::max);
        let tie = 1e-12 * (1.0 + scale);
        let (wu, vu) = self.best(terms, split, 0.0, 1.0, Poly3::ZERO);
        let (regime, omega, value, paid) = match self.regulation {
            Some(reg) if reg.theta > wu => {
                let (wc, vc) = self.best(terms, split, reg.theta, 1.0, Poly3::ZERO);
                let (wn, vn, paid) = match reg.form {
                    PenaltyForm::Fixed => (wu, vu - reg.penalty, reg.penalty),
                    PenaltyForm::Proportional => {
                        let extra = Poly3::linear(-reg.penalty * reg.theta, reg.penalty);
                        let (wn, vn) = self.best(terms, split, 0.0, reg.theta, extra);
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
                choice: omega,
                u_g: 0.0,
                penalty_paid: 0.0,
                omega_unregulated: wu,
                entrants: 0,
                delta: None,
                policy: None,
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
        let specialists: Vec<SpecialistOutcome> = terms
            .iter()
            .map(|t| {
                let surplus = t.surplus.eval(omega);
                if surplus >= -t.tie {
                    SpecialistOutcome {
                        enters: true,
                        alpha1: t.response.eval(omega),
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
            choice: omega,
            u_g: value,
            penalty_paid: paid,
            omega_unregulated: wu,
            entrants: specialists.iter().filter(|s| s.enters).count(),
            delta: None,
            policy: None,
            specialists,
        }
    }

    /// G's and every specialist's actions at the outcome: (ω, α1_1 … α1_K),
    /// α1_k = 0 for a specialist that stays out; ω is G's choice before it
    /// exits, if it does.
    pub fn actions(outcome: &SectorOutcome) -> Vec<f64> {
        std::iter::once(outcome.choice)
            .chain(outcome.specialists.iter().map(|s| s.alpha1))
            .collect()
    }

    /// G's choice ω and every specialist's best response to it, G kept in
    /// (α1_k*(ω) for an entrant, 0 for one that stays out): the SPE profile
    /// the dynamics, which have no exit, are compared with.
    pub fn kept_in(&self, omega: f64) -> Vec<f64> {
        std::iter::once(omega)
            .chain(self.terms().iter().map(|t| t.respond(omega)))
            .collect()
    }

    /// The market the runs play when stage 1 agreed on `delta`: every
    /// share set to it, or the given shares when none was bargained.
    pub fn at_agreed(&self, delta: Option<f64>) -> Sector {
        match delta {
            Some(d) => self.at_delta(d),
            None => self.clone(),
        }
    }

    /// The same market with every specialist's share set to `delta`.
    pub fn at_delta(&self, delta: f64) -> Sector {
        let mut m = self.clone();
        for s in &mut m.specialists {
            s.delta = delta;
        }
        m
    }

    /// The SPE with stage 1 and the regulator's diagnostics (as
    /// [`OpennessGame::solve`]): given shares are solved as they are; a
    /// common δ is bargained between G and the sector (utility Σ_k U_Dk) by
    /// the rule's criterion, as for one specialist ([`super::bargain`]).
    ///
    /// [`OpennessGame::solve`]: super::OpennessGame::solve
    pub fn solve(&self) -> SectorOutcome {
        match self.bargained_delta() {
            None => self.stage_outcome_with_policy(),
            Some(delta) => SectorOutcome {
                delta: Some(delta),
                ..self.at_delta(delta).stage_outcome_with_policy()
            },
        }
    }

    /// The SPE with stage 1, without the regulator's diagnostics (as
    /// [`OpennessGame::bargain`]): what searches over regulations and
    /// shares evaluate.
    ///
    /// [`OpennessGame::bargain`]: super::OpennessGame::bargain
    pub fn bargain(&self) -> SectorOutcome {
        match self.bargained_delta() {
            None => self.stage_outcome(),
            Some(delta) => SectorOutcome {
                delta: Some(delta),
                ..self.at_delta(delta).stage_outcome()
            },
        }
    }

    /// The common δ of stage 1, when one is bargained.
    fn bargained_delta(&self) -> Option<f64> {
        let at = |d: f64| {
            let o = self.at_delta(d).stage_outcome();
            let u_s: f64 = o.specialists.iter().map(|s| s.u_d).sum();
            (o.u_g, u_s)
        };
        Some(agreed_delta(self.bargaining?, at, || None))
    }
}
