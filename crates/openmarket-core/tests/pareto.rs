//! The Pareto-improving regulations in configs/ re-derived by brute force:
//! each bargaining rule is solved on a dense δ grid, with and without the
//! regulation, and both players must gain.

use std::path::Path;

use openmarket_core::config::{self, ModelConfig};
use openmarket_core::openness::{BargainingRule, OpennessGame, StageOutcome};
use openmarket_core::openness::{Market, Openness};

fn load(name: &str) -> OpennessGame {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../configs")
        .join(name);
    match config::load(&path).unwrap().model {
        ModelConfig::Openness(Openness {
            market: Market::Pair(g),
            ..
        }) => g,
        #[allow(unreachable_patterns)]
        _ => panic!("{name} is not an openness config"),
    }
}

/// The bargaining outcome by exhaustive search over 100,001 values of δ.
fn grid_bargain(g: &OpennessGame) -> StageOutcome {
    let grid: Vec<StageOutcome> = (0..=100_000)
        .map(|k| g.stage_outcome(k as f64 / 100_000.0))
        .collect();
    let g_max = grid.iter().map(|o| o.u_g).fold(f64::MIN, f64::max);
    let d_max = grid.iter().map(|o| o.u_d).fold(f64::MIN, f64::max);
    let score = |o: &StageOutcome| match g.bargaining {
        BargainingRule::Nash => o.u_g * o.u_d,
        BargainingRule::Utilitarian => o.u_g + o.u_d,
        BargainingRule::Egalitarian => o.u_g.min(o.u_d),
        BargainingRule::KalaiSmorodinsky => (o.u_g / g_max).min(o.u_d / d_max),
        BargainingRule::Fixed(_) => unreachable!(),
    };
    *grid
        .iter()
        .max_by(|a, b| score(a).total_cmp(&score(b)))
        .unwrap()
}

#[test]
fn pareto_configs_improve_both_players_by_brute_force() {
    for rule in ["nash", "utilitarian", "egalitarian", "kalai_smorodinsky"] {
        let g = load(&format!("openness_pareto_{rule}.toml"));
        let eq = g.solve();
        assert!(eq.pareto_improvement, "{rule}: solver does not flag it");
        let regulated = grid_bargain(&g);
        let free = grid_bargain(&g.unregulated());
        // Gains are ≥ 0.02 by construction, far above the grid's resolution.
        assert!(
            regulated.u_g > free.u_g + 0.02,
            "{rule}: U_G {} vs {}",
            regulated.u_g,
            free.u_g
        );
        assert!(
            regulated.u_d > free.u_d + 0.02,
            "{rule}: U_D {} vs {}",
            regulated.u_d,
            free.u_d
        );
        // The solver's bargained utilities agree with the grid's.
        assert!(
            (eq.u_g - regulated.u_g).abs() < 1e-3 && (eq.u_d - regulated.u_d).abs() < 1e-3,
            "{rule}"
        );
        assert!(
            (eq.u_g_unregulated - free.u_g).abs() < 1e-3
                && (eq.u_d_unregulated - free.u_d).abs() < 1e-3
        );
    }
}

#[test]
fn fixed_share_admits_no_pareto_improvement() {
    // At fixed δ, U_G cannot rise with regulation (tests/openness.rs), and it
    // stays equal only where G is indifferent; docs/pareto.md.
    let g = load("openness_baseline.toml");
    for theta in [0.1, 0.3, 0.5, 0.7, 0.9] {
        for p in [0.0, 0.01, 0.05, 0.2, 1.0] {
            let mut h = g;
            h.regulation.as_mut().unwrap().theta = theta;
            h.regulation.as_mut().unwrap().penalty = p;
            assert!(!h.solve().pareto_improvement, "θ {theta}, p {p}");
        }
    }
}
