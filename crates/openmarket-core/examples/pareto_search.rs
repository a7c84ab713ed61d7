//! Search the openness game for Pareto-improving regulation under each
//! bargaining rule (docs/pareto.md reports the result): first 4,000 random
//! regulated games per rule, then a grid over (θ, p) on round parameters,
//! which found the examples in configs/openness_pareto_*.toml.
//!
//! cargo run --release -p openmarket-core --example pareto_search

use openmarket_core::openness::{
    Alpha0, BargainingKind, BargainingRule, OpennessGame, PenaltyForm, Regulation,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn main() {
    random_search();
    round_grid();
}

fn round_grid() {
    println!(
        "\nGrid θ ∈ {{0.05..1}}, p ∈ {{0.01..0.30}}, r = c0 = c1 = 1, o = 0, fixed penalty: largest min(ΔU_G, ΔU_D) per rule"
    );
    for rule in [
        BargainingRule::Nash,
        BargainingRule::Utilitarian,
        BargainingRule::Egalitarian,
        BargainingRule::KalaiSmorodinsky,
    ] {
        let mut best: Option<(f64, String)> = None;
        for a0 in [0.2, 0.5] {
            for epsilon in [0.1, 0.2] {
                for kappa in [0.0, 1.0] {
                    for ti in 1..=20 {
                        for pi in 1..=30 {
                            let (theta, penalty) = (ti as f64 * 0.05, pi as f64 * 0.01);
                            let g = OpennessGame {
                                alpha0: Alpha0::Exogenous(a0),
                                r: 1.0,
                                c0: 1.0,
                                c1: 1.0,
                                epsilon,
                                lambda: 1.0,
                                kappa,
                                operation_cost: 0.0,
                                bargaining: rule,
                                regulation: Some(Regulation {
                                    theta,
                                    penalty,
                                    form: PenaltyForm::Fixed,
                                }),
                            };
                            let eq = g.solve();
                            let gain =
                                (eq.u_g - eq.u_g_unregulated).min(eq.u_d - eq.u_d_unregulated);
                            if eq.pareto_improvement && best.as_ref().is_none_or(|b| gain > b.0) {
                                let text = format!(
                                    "α0 {a0}, ε {epsilon}, κ {kappa}, θ {theta:.2}, p {penalty:.2}: {} δ {:.6} ω {:?}; U_G {:.6} (unregulated {:.6}), U_D {:.6} ({:.6}); p̄(θ) {:.6}",
                                    eq.regime.as_ref(),
                                    eq.delta,
                                    eq.omega,
                                    eq.u_g,
                                    eq.u_g_unregulated,
                                    eq.u_d,
                                    eq.u_d_unregulated,
                                    eq.indifference_penalty.unwrap_or(f64::NAN)
                                );
                                best = Some((gain, text));
                            }
                        }
                    }
                }
            }
        }
        println!(
            "{:>18}: {}",
            BargainingKind::from(rule).as_ref(),
            best.map_or("none".to_string(), |b| b.1)
        );
    }
}

fn random_search() {
    let rules = [
        BargainingRule::Fixed(0.5),
        BargainingRule::Nash,
        BargainingRule::Utilitarian,
        BargainingRule::Egalitarian,
        BargainingRule::KalaiSmorodinsky,
    ];
    let draws = 4000;
    for rule in rules {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut found = 0;
        let mut first = None;
        for _ in 0..draws {
            let rule = match rule {
                BargainingRule::Fixed(_) => BargainingRule::Fixed(rng.random_range(0.0..=1.0)),
                r => r,
            };
            let g = OpennessGame {
                alpha0: if rng.random_bool(0.2) {
                    Alpha0::Endogenous
                } else {
                    Alpha0::Exogenous(rng.random_range(0.0..1.0))
                },
                r: rng.random_range(0.2..3.0),
                c0: rng.random_range(0.2..3.0),
                c1: rng.random_range(0.2..3.0),
                epsilon: rng.random_range(0.0..0.5),
                lambda: rng.random_range(0.0..=1.0),
                kappa: if rng.random_bool(0.5) {
                    0.0
                } else {
                    rng.random_range(0.0..2.0)
                },
                operation_cost: rng.random_range(0.0..0.3),
                bargaining: rule,
                regulation: Some(Regulation {
                    theta: rng.random_range(0.0..=1.0),
                    penalty: rng.random_range(0.0..0.5),
                    form: if rng.random_bool(0.5) {
                        PenaltyForm::Fixed
                    } else {
                        PenaltyForm::Proportional
                    },
                }),
            };
            let eq = g.solve();
            if eq.pareto_improvement {
                found += 1;
                if first.is_none() {
                    first = Some((g, eq));
                }
            }
        }
        println!(
            "{:>18}: {found} of {draws} random regulated games are Pareto improvements",
            BargainingKind::from(rule).as_ref()
        );
        if let Some((g, eq)) = first {
            println!(
                "    e.g. {g:?}\n    -> regime {:?}, δ {:.6}, ω {:?}, U_G {:.6} (vs {:.6}), U_D {:.6} (vs {:.6}), p̄ {:?}",
                eq.regime,
                eq.delta,
                eq.omega,
                eq.u_g,
                eq.u_g_unregulated,
                eq.u_d,
                eq.u_d_unregulated,
                eq.indifference_penalty
            );
        }
    }
}
