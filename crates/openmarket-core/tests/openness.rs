//! The openness game checked against independent references: FTG's
//! published closed forms, a brute-force backward induction written from the
//! payoff definitions of docs/model.md §A.2 (no polynomials), dense grids over δ,
//! and the invariants of docs/model.md §A.3.

use openmarket_core::openness::{
    Alpha0, BargainingRule, OpennessGame, PenaltyForm, Regime, Regulation, StageOutcome,
};
use proptest::prelude::*;

fn game(alpha0: Alpha0, delta: f64) -> OpennessGame {
    OpennessGame {
        alpha0,
        r: 1.0,
        c0: 1.0,
        c1: 1.0,
        epsilon: 0.0,
        lambda: 0.0,
        kappa: 0.0,
        operation_cost: 0.0,
        bargaining: BargainingRule::Fixed(delta),
        regulation: None,
    }
}

// ------------------------------------------------------------ brute force

/// Maximiser of a concave function: bisection on the sign of a central
/// difference. Unlike comparing values, this is not limited to √ε, which
/// matters when one numerical optimum sits inside another. Both uses here
/// are quadratics, for which a central difference is exact at any step, so
/// a wide step keeps the inner problem's noise out of the outer one.
fn argmax_concave(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    let h = 1e-2;
    for _ in 0..64 {
        let m = 0.5 * (a + b);
        if f(m + h) > f(m - h) { a = m } else { b = m }
    }
    0.5 * (a + b)
}

/// Grid of `n` cells, then bisection on the sign of a wide central
/// difference around the best cell. `f` must be smooth on a neighbourhood of
/// [lo, hi] (each penalty piece is passed as its own smooth function). The
/// wide step keeps the derivative above the noise of the nested numerical
/// optimisations inside `f`.
fn grid_max(f: impl Fn(f64) -> f64 + Copy, lo: f64, hi: f64, n: usize) -> (f64, f64) {
    let mut best = (lo, f(lo));
    for k in 0..=n {
        let x = lo + (hi - lo) * k as f64 / n as f64;
        let v = f(x);
        if v > best.1 {
            best = (x, v);
        }
    }
    let cell = (hi - lo) / n as f64;
    let (mut a, mut b) = ((best.0 - cell).max(lo), (best.0 + cell).min(hi));
    let h = 1e-3;
    for _ in 0..64 {
        let m = 0.5 * (a + b);
        if f(m + h) > f(m - h) { a = m } else { b = m }
    }
    let x = 0.5 * (a + b);
    let refined = (x, f(x));
    if refined.1 > best.1 { refined } else { best }
}

struct Brute {
    omega: Option<f64>,
    alpha1: Option<f64>,
    u_g: f64,
    u_d: f64,
    regime: Regime,
}

/// Backward induction by numerical optimisation of the raw payoffs.
fn brute_stage(g: &OpennessGame, delta: f64) -> Brute {
    let s = |w: f64| delta * (1.0 - g.lambda * w);
    let u_d = |w: f64, a0: f64, a1: f64| {
        (1.0 - s(w)) * g.r * a1 - g.c1 * (a1 - a0).powi(2) / (1.0 + g.kappa * w)
    };
    // D: maximise over α1 ∈ [α0, α0 + r(1+κ)/c1], which contains the optimum.
    let best_a1 = |w: f64, a0: f64| {
        argmax_concave(
            |a1| u_d(w, a0, a1),
            a0,
            a0 + g.r * (1.0 + g.kappa) / g.c1 + 1.0,
        )
    };
    let u_g_no_pen = |w: f64, a0: f64| {
        let a1 = best_a1(w, a0);
        s(w) * g.r * a1 + g.epsilon * w - g.operation_cost * (1.0 - w) - g.c0 * a0 * a0
    };
    let a0_of = |w: f64| match g.alpha0 {
        Alpha0::Exogenous(a0) => a0,
        Alpha0::Endogenous => argmax_concave(|a0| u_g_no_pen(w, a0), 0.0, g.r / g.c0 + 1.0),
    };
    let v = |w: f64| u_g_no_pen(w, a0_of(w));
    let n = if matches!(g.alpha0, Alpha0::Endogenous) {
        400
    } else {
        2000
    };
    let (wu, vu) = grid_max(v, 0.0, 1.0, n);
    let (regime, w, val) = match g.regulation {
        Some(reg) if reg.theta > wu => {
            let (wc, vc) = grid_max(v, reg.theta, 1.0, n);
            let (wn, vn) = match reg.form {
                PenaltyForm::Fixed => (wu, vu - reg.penalty),
                PenaltyForm::Proportional => {
                    grid_max(|w| v(w) - reg.penalty * (reg.theta - w), 0.0, reg.theta, n)
                }
            };
            if vc >= vn - 1e-12 {
                (Regime::Comply, wc, vc)
            } else {
                (Regime::PayPenalty, wn, vn)
            }
        }
        _ => (Regime::Nonbinding, wu, vu),
    };
    if val < 0.0 {
        return Brute {
            omega: None,
            alpha1: None,
            u_g: 0.0,
            u_d: 0.0,
            regime: Regime::Exit,
        };
    }
    let a0 = a0_of(w);
    let a1 = best_a1(w, a0);
    Brute {
        omega: Some(w),
        alpha1: Some(a1),
        u_g: val,
        u_d: u_d(w, a0, a1),
        regime,
    }
}

fn arb_game() -> impl Strategy<Value = OpennessGame> {
    (
        (0.0..1.0f64, prop::bool::weighted(0.2)),
        (0.2..3.0f64, 0.2..3.0f64, 0.2..3.0f64),
        (
            0.0..0.5f64,
            0.0..=1.0f64,
            prop_oneof![Just(0.0), 0.0..2.0f64],
            0.0..0.3f64,
        ),
        (
            0.0..=1.0f64,
            prop::option::of((0.0..=1.0f64, 0.0..0.5f64, prop::bool::ANY)),
        ),
    )
        .prop_map(
            |((a0, endo), (r, c0, c1), (epsilon, lambda, kappa, o), (delta, reg))| OpennessGame {
                alpha0: if endo {
                    Alpha0::Endogenous
                } else {
                    Alpha0::Exogenous(a0)
                },
                r,
                c0,
                c1,
                epsilon,
                lambda,
                kappa,
                operation_cost: o,
                bargaining: BargainingRule::Fixed(delta),
                regulation: reg.map(|(theta, penalty, prop)| Regulation {
                    theta,
                    penalty,
                    form: if prop {
                        PenaltyForm::Proportional
                    } else {
                        PenaltyForm::Fixed
                    },
                }),
            },
        )
}

fn fixed_delta(g: &OpennessGame) -> f64 {
    match g.bargaining {
        BargainingRule::Fixed(d) => d,
        _ => unreachable!(),
    }
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 96,
        // Fixed seed: CI must be reproducible. Change it to explore.
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_122),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The exact SPE at fixed δ agrees with brute-force backward induction
    /// over the raw payoffs to 1e-6 (utilities) and ω to 1e-4.
    #[test]
    fn exact_stage_matches_brute_force(g in arb_game()) {
        let d = fixed_delta(&g);
        let exact = g.stage_outcome(d);
        let brute = brute_stage(&g, d);
        // A near-tie between two choices can flip either way; the values
        // still agree, and that is what the test requires then.
        prop_assert!(close(exact.u_g, brute.u_g, 1e-6), "U_G {} vs brute {}", exact.u_g, brute.u_g);
        if exact.regime == brute.regime {
            prop_assert!(close(exact.u_d, brute.u_d, 1e-6), "U_D {} vs brute {}", exact.u_d, brute.u_d);
            if let (Some(w), Some(wb)) = (exact.omega, brute.omega) {
                prop_assert!((w - wb).abs() < 1e-4, "ω {w} vs brute {wb}");
                prop_assert!(close(exact.alpha1.unwrap(), brute.alpha1.unwrap(), 1e-6));
            }
        } else {
            prop_assert!(close(exact.u_g, brute.u_g, 1e-9) || exact.u_g.abs() < 1e-9,
                "regimes differ ({:?} vs {:?}) without a tie", exact.regime, brute.regime);
        }
    }

    /// Each bargaining rule's δ is at least as good, for its own objective,
    /// as the best point of a 20,001-point grid over δ.
    #[test]
    fn bargaining_beats_dense_delta_grid(g in arb_game(), rule in 0usize..4) {
        let rules = [BargainingRule::Nash, BargainingRule::Utilitarian,
                     BargainingRule::Egalitarian, BargainingRule::KalaiSmorodinsky];
        let g = OpennessGame { bargaining: rules[rule], ..g };
        let grid: Vec<StageOutcome> = (0..=20_000).map(|k| g.stage_outcome(k as f64 / 20_000.0)).collect();
        // The ideal point may sit on a jump (where G stops exiting), which a
        // grid only approaches: check the solver's ideal is at least the
        // grid's, then judge the search with the solver's ideal.
        let (g_max, d_max) = g.ideal_point();
        prop_assert!(g_max >= grid.iter().map(|o| o.u_g).fold(f64::MIN, f64::max) - 1e-12);
        prop_assert!(d_max >= grid.iter().map(|o| o.u_d).fold(f64::MIN, f64::max) - 1e-12);
        let ratio = |u: f64, m: f64| if m > 0.0 { u / m } else { f64::INFINITY };
        let objective = |o: &StageOutcome| match rules[rule] {
            BargainingRule::Nash => o.u_g * o.u_d,
            BargainingRule::Utilitarian => o.u_g + o.u_d,
            BargainingRule::Egalitarian => o.u_g.min(o.u_d),
            _ => ratio(o.u_g, g_max).min(ratio(o.u_d, d_max)),
        };
        let best_grid = grid.iter().map(objective).fold(f64::MIN, f64::max);
        let chosen = g.bargain();
        prop_assert!(objective(&chosen) >= best_grid - 1e-9,
            "{:?}: δ = {} gives {}, grid has {}", rules[rule], chosen.delta, objective(&chosen), best_grid);
    }

    /// FTG with no openness channels: α0* = δr/(2c0), α1* = α0 + (1−δ)r/(2c1),
    /// and the utilitarian δ = c1/(c0+c1), found by the numerical search too.
    #[test]
    fn ftg_closed_forms(r in 0.2..3.0f64, c0 in 0.2..3.0f64, c1 in 0.2..3.0f64, delta in 0.0..=1.0f64) {
        let g = OpennessGame { r, c0, c1, ..game(Alpha0::Endogenous, delta) };
        let o = g.stage_outcome(delta);
        let a0 = delta * r / (2.0 * c0);
        prop_assert!(close(o.alpha0.unwrap(), a0, 1e-12));
        prop_assert!(close(o.alpha1.unwrap(), a0 + (1.0 - delta) * r / (2.0 * c1), 1e-12));
        let searched = g.search_delta(|o| o.u_g + o.u_d);
        prop_assert!((searched - c1 / (c0 + c1)).abs() < 1e-9, "search {searched} vs {}", c1 / (c0 + c1));
        let solved = OpennessGame { bargaining: BargainingRule::Utilitarian, ..g }.solve();
        prop_assert!((solved.delta - c1 / (c0 + c1)).abs() < 1e-12);
    }

    /// docs/model.md §A.3 invariants at fixed δ: compliance is monotone in p, and
    /// U_G never rises with θ or p.
    #[test]
    fn compliance_monotone_and_u_g_nonincreasing(
        g in arb_game(), theta in 0.0..=1.0f64, p1 in 0.0..0.5f64, p2 in 0.0..0.5f64,
        t2 in 0.0..=1.0f64, prop_form in prop::bool::ANY,
    ) {
        let d = fixed_delta(&g);
        let form = if prop_form { PenaltyForm::Proportional } else { PenaltyForm::Fixed };
        let with = |theta, penalty| OpennessGame { regulation: Some(Regulation { theta, penalty, form }), ..g }.stage_outcome(d);
        let (lo, hi) = (p1.min(p2), p1.max(p2));
        let (a, b) = (with(theta, lo), with(theta, hi));
        if a.regime == Regime::Comply {
            prop_assert_eq!(b.regime, Regime::Comply);
        }
        prop_assert!(b.u_g <= a.u_g + 1e-12, "U_G rose with p: {} -> {}", a.u_g, b.u_g);
        let (tl, th) = (theta.min(t2), theta.max(t2));
        let (a, b) = (with(tl, lo), with(th, lo));
        prop_assert!(b.u_g <= a.u_g + 1e-12, "U_G rose with θ: {} -> {}", a.u_g, b.u_g);
        let free = OpennessGame { regulation: None, ..g }.stage_outcome(d);
        prop_assert!(a.u_g <= free.u_g + 1e-12);
    }

    /// In the deadweight-loss region (fixed penalty, G pays) ω, α1 and U_D
    /// equal their unregulated values and U_G falls by exactly p.
    #[test]
    fn deadweight_loss_region(g in arb_game(), theta in 0.0..=1.0f64, p in 0.0..0.5f64) {
        let d = fixed_delta(&g);
        let reg = Regulation { theta, penalty: p, form: PenaltyForm::Fixed };
        let o = OpennessGame { regulation: Some(reg), ..g }.stage_outcome(d);
        let free = OpennessGame { regulation: None, ..g }.stage_outcome(d);
        if o.regime == Regime::PayPenalty {
            prop_assert_eq!(o.omega, free.omega);
            prop_assert_eq!(o.alpha1, free.alpha1);
            prop_assert_eq!(o.u_d, free.u_d);
            prop_assert!((free.u_g - o.u_g - p).abs() < 1e-15);
            prop_assert_eq!(o.penalty_paid, p);
        }
    }

    /// Lower-α0 models are released more openly: ω^u is non-increasing in α0.
    #[test]
    fn omega_u_nonincreasing_in_alpha0(g in arb_game(), a in 0.0..2.0f64, b in 0.0..2.0f64) {
        let d = fixed_delta(&g);
        let at = |a0| OpennessGame { alpha0: Alpha0::Exogenous(a0), regulation: None, ..g }.stage_outcome(d).omega_unregulated;
        let (lo, hi) = (a.min(b), a.max(b));
        prop_assert!(at(hi) <= at(lo) + 1e-12, "ω^u({hi}) = {} > ω^u({lo}) = {}", at(hi), at(lo));
    }

    /// p̄(θ) is the compliance threshold: p̄ + η complies, p̄ − η does not.
    /// θ̄(p) bounds the thresholds complied with (fixed form).
    #[test]
    fn indifference_curve_is_the_compliance_boundary(g in arb_game(), theta in 0.0..=1.0f64, prop_form in prop::bool::ANY) {
        let d = fixed_delta(&g);
        let form = if prop_form { PenaltyForm::Proportional } else { PenaltyForm::Fixed };
        let reg = Regulation { theta, penalty: 0.0, form };
        let pbar = g.indifference_penalty(d, &reg);
        let regime = |theta, penalty| {
            OpennessGame { regulation: Some(Regulation { theta, penalty, form }), ..g }.stage_outcome(d).regime
        };
        let binding = theta > g.stage_outcome(d).omega_unregulated;
        // Under the proportional form G's gain from deviating just below θ
        // is of order η², so η must clear the solver's tie tolerance.
        let eta = 1e-4;
        let above = regime(theta, pbar + eta);
        prop_assert!(matches!(above, Regime::Comply | Regime::Nonbinding | Regime::Exit), "{above:?}");
        if binding && pbar > eta {
            let below = regime(theta, pbar - eta);
            prop_assert!(matches!(below, Regime::PayPenalty | Regime::Exit), "below p̄: {below:?}");
        }
        if !prop_form {
            let p = pbar;
            let tmax = g.theta_max(d, &Regulation { theta, penalty: p, form });
            prop_assert!(tmax + 1e-9 >= theta.min(1.0) || !binding, "θ̄(p̄(θ)) = {tmax} < θ = {theta}");
            if tmax + 1e-3 <= 1.0 {
                prop_assert!(matches!(regime(tmax + 1e-3, p), Regime::PayPenalty | Regime::Exit));
            }
        }
    }
}

#[test]
fn exit_pays_nothing_and_reports_no_actions() {
    let g = OpennessGame {
        alpha0: Alpha0::Exogenous(0.5),
        epsilon: 0.1,
        lambda: 1.0,
        regulation: Some(Regulation {
            theta: 1.0,
            penalty: 0.3,
            form: PenaltyForm::Fixed,
        }),
        ..game(Alpha0::Endogenous, 0.8)
    };
    let eq = g.solve();
    assert_eq!(eq.regime, Regime::Exit);
    assert_eq!(
        (eq.omega, eq.alpha1, eq.u_g, eq.u_d),
        (None, None, 0.0, 0.0)
    );
    // Without regulation G stays: V(0) = 0.23 by hand (configs/openness_exit.toml).
    assert!((eq.u_g_unregulated - 0.23).abs() < 1e-12);
}

#[test]
fn proportional_penalty_can_stop_between_unregulated_choice_and_threshold() {
    // V(ω) = 0.2 + 0.18ω − 0.32ω² (configs/openness_baseline.toml), θ = 0.9,
    // p = 0.1: on [0, θ] G maximises V + 0.1ω − 0.09, so ω = 0.28/0.64 = 0.4375,
    // value 0.2 + 0.28²/1.28 − 0.09 = 0.17125 > V(0.9) = 0.1028: G pays
    // 0.1·(0.9 − 0.4375) = 0.04625.
    let g = OpennessGame {
        alpha0: Alpha0::Exogenous(0.2),
        epsilon: 0.1,
        lambda: 1.0,
        regulation: Some(Regulation {
            theta: 0.9,
            penalty: 0.1,
            form: PenaltyForm::Proportional,
        }),
        ..game(Alpha0::Endogenous, 0.8)
    };
    let o = g.stage_outcome(0.8);
    assert_eq!(o.regime, Regime::PayPenalty);
    assert!((o.omega.unwrap() - 0.4375).abs() < 1e-12);
    assert!((o.u_g - 0.17125).abs() < 1e-12);
    assert!((o.penalty_paid - 0.04625).abs() < 1e-12);
}

#[test]
fn cubic_value_with_kappa_matches_hand_derivative() {
    // κ = 1, λ = 1, δ = 0.5, α0 = 0, ε = o = 0, r = c1 = 1:
    // V(ω) = s(1−s)(1+ω)/2 with s = 0.5(1−ω), 1−s = 0.5(1+ω)
    //      = (1−ω)(1+ω)²/8, V′ = (1+ω)(1−3ω)/8 ⇒ ω^u = 1/3.
    let g = OpennessGame {
        alpha0: Alpha0::Exogenous(0.0),
        lambda: 1.0,
        kappa: 1.0,
        ..game(Alpha0::Endogenous, 0.5)
    };
    let o = g.stage_outcome(0.5);
    assert!((o.omega_unregulated - 1.0 / 3.0).abs() < 1e-14);
    assert!((o.u_g - (2.0 / 3.0) * (16.0 / 9.0) / 8.0).abs() < 1e-14);
}
