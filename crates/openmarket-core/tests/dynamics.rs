//! Learning dynamics checked against the exact equilibria: the closed-form
//! SPE of the openness game, the unique NE of dominance-solvable races, the
//! hand-derived continuous NE of a race with no pure NE.

use std::path::Path;

use openmarket_core::config::{self, ModelConfig};
use openmarket_core::dynamics::games::{OpennessMarket, RaceLearning};
use openmarket_core::dynamics::rules::{
    BestResponse, FictitiousPlay, GradientAscent, Hedge, Logit,
};
use openmarket_core::dynamics::{
    Dynamics, LearningGame, Schedule, StopReason, Termination, distance_to_set, run,
};
use openmarket_core::openness::{BargainingRule, OpennessGame};
use openmarket_core::race::{Actions, RaceGame};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn load(name: &str) -> ModelConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../configs")
        .join(name);
    config::load(&path).unwrap().model
}

fn openness(name: &str) -> OpennessGame {
    match load(name) {
        ModelConfig::Openness(g) => g,
        _ => panic!("{name}: not an openness config"),
    }
}

fn race(name: &str) -> RaceGame {
    match load(name) {
        ModelConfig::Race(g) => g,
        _ => panic!("{name}: not a race config"),
    }
}

fn stop(max_iterations: u64) -> Termination {
    Termination {
        max_iterations,
        tol: 1e-10,
        window: 5,
        stop_on_cycle: true,
    }
}

fn random_start(game: &dyn LearningGame, rng: &mut ChaCha8Rng) -> Vec<f64> {
    (0..game.agents())
        .map(|i| game.space(i).sample(rng))
        .collect()
}

fn fixed_delta(g: &OpennessGame) -> f64 {
    match g.bargaining {
        BargainingRule::Fixed(d) => d,
        _ => g.bargain().delta,
    }
}

#[test]
fn openness_best_response_and_gradient_reach_the_spe() {
    for name in [
        "openness_baseline.toml",
        "openness_nonbinding.toml",
        "openness_pay_penalty.toml",
    ] {
        let g = openness(name);
        let delta = fixed_delta(&g);
        let market = OpennessMarket::new(g, delta, 1);
        // The closed-form SPE: ω from stage 2, α1 = D's best response.
        let spe = g.stage_outcome(delta);
        let target = vec![spe.omega.unwrap(), spe.alpha1.unwrap()];
        assert_eq!(market.equilibrium(), target);
        for seed in 0..20 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let start = random_start(&market, &mut rng);
            for schedule in [
                Schedule::Simultaneous,
                Schedule::RoundRobin,
                Schedule::RandomOrder,
            ] {
                let r = run(
                    &market,
                    &mut BestResponse { inertia: 1.0 },
                    schedule,
                    start.clone(),
                    &stop(100),
                    &mut rng,
                    &mut (),
                );
                assert!(r.converged, "{name} BR {schedule:?}: {r:?}");
                assert!(
                    distance_to_set(&r.actions, std::slice::from_ref(&target)) < 1e-6,
                    "{name}: {r:?} vs {target:?}"
                );
            }
        }
    }
    // Gradient ascent needs W concave where it starts: the nonbinding config
    // (V quadratic, no binding penalty).
    let g = openness("openness_nonbinding.toml");
    let market = OpennessMarket::new(g, fixed_delta(&g), 1);
    let target = market.equilibrium();
    for seed in 0..20 {
        let mut rng = ChaCha8Rng::seed_from_u64(100 + seed);
        let start = random_start(&market, &mut rng);
        let mut rule = GradientAscent {
            step: 0.5,
            decay: 0.0,
        };
        let r = run(
            &market,
            &mut rule,
            Schedule::Simultaneous,
            start,
            &Termination {
                tol: 1e-15,
                ..stop(20_000)
            },
            &mut rng,
            &mut (),
        );
        assert!(r.converged, "gradient: {r:?}");
        assert!(
            distance_to_set(&r.actions, std::slice::from_ref(&target)) < 1e-6,
            "{r:?} vs {target:?}"
        );
    }
}

#[test]
fn two_timescales_still_reach_the_spe() {
    // G moves every 5th iteration, D every iteration.
    let g = openness("openness_nonbinding.toml");
    let market = OpennessMarket::new(g, fixed_delta(&g), 5);
    let target = market.equilibrium();
    for seed in 0..10 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let start = random_start(&market, &mut rng);
        let mut rule = GradientAscent {
            step: 0.3,
            decay: 0.0,
        };
        let r = run(
            &market,
            &mut rule,
            Schedule::Simultaneous,
            start,
            &Termination {
                tol: 1e-15,
                ..stop(50_000)
            },
            &mut rng,
            &mut (),
        );
        assert!(
            r.converged && distance_to_set(&r.actions, std::slice::from_ref(&target)) < 1e-6,
            "{r:?}"
        );
    }
}

#[test]
fn race_best_response_reaches_the_unique_ne() {
    // configs/race_baseline.toml: dominant strategies, unique NE (0, 1, 1).
    let g = race("race_baseline.toml");
    let learning = RaceLearning::new(&g);
    for seed in 0..10 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let start = random_start(&learning, &mut rng);
        let r = run(
            &learning,
            &mut BestResponse { inertia: 1.0 },
            Schedule::Simultaneous,
            start,
            &stop(50),
            &mut rng,
            &mut (),
        );
        assert!(r.converged, "{r:?}");
        assert_eq!(r.actions, vec![0.0, 1.0, 1.0]);
    }
}

#[test]
fn no_pure_ne_race_cycles_under_best_response_and_fictitious_play_finds_the_continuous_ne() {
    // configs/race_no_pure_ne.toml: no pure NE in the discrete game; the
    // continuous game's unique NE is (1/2, 1/8, 0), derived by hand there.
    let mut g = race("race_no_pure_ne.toml");
    let learning = RaceLearning::new(&g);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for start in [
        vec![0.0, 0.0, 0.0],
        vec![1.0, 0.0, 0.0],
        vec![1.0, 1.0, 1.0],
    ] {
        for schedule in [Schedule::Simultaneous, Schedule::RoundRobin] {
            let r = run(
                &learning,
                &mut BestResponse { inertia: 1.0 },
                schedule,
                start.clone(),
                &stop(1000),
                &mut rng,
                &mut (),
            );
            assert!(
                !r.converged && r.cycle_detected && r.reason == StopReason::Cycle,
                "{schedule:?} {r:?}"
            );
        }
    }
    g.actions = Actions::Continuous;
    let learning = RaceLearning::new(&g);
    let ne = vec![vec![0.5, 0.125, 0.0]];
    // NashConv is flat near this NE (share payoffs), so judge by distance.
    let r = run(
        &learning,
        &mut FictitiousPlay::default(),
        Schedule::Simultaneous,
        vec![0.0, 0.0, 0.0],
        &Termination {
            tol: 1e-9,
            ..stop(200_000)
        },
        &mut rng,
        &mut (),
    );
    let d = distance_to_set(&r.actions, &ne);
    assert!(
        d < 0.005,
        "fictitious play ends at {:?}, {d} from the NE after {} iterations",
        r.actions,
        r.iterations
    );
}

#[test]
fn hedge_has_vanishing_regret_and_logit_runs() {
    let g = race("race_several_ne.toml");
    let learning = RaceLearning::new(&g);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut hedge = Hedge::new(0.5, 2, 0.0);
    let r = run(
        &learning,
        &mut hedge,
        Schedule::Simultaneous,
        vec![0.0; 3],
        &stop(5000),
        &mut rng,
        &mut (),
    );
    let regret = r.avg_regret.unwrap();
    assert!(regret < 0.01, "average regret {regret}");
    let mut logit = Logit::new(0.01, 2, 0.0);
    let r = run(
        &learning,
        &mut logit,
        Schedule::RoundRobin,
        vec![0.0; 3],
        &stop(2000),
        &mut rng,
        &mut (),
    );
    assert!(r.actions.iter().all(|a| *a == 0.0 || *a == 1.0));
    assert_eq!(logit.name(), "logit");
}

#[test]
fn same_seed_same_run() {
    let g = race("race_several_ne.toml");
    let learning = RaceLearning::new(&g);
    let go = |seed| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut hedge = Hedge::new(0.3, 2, 0.1);
        run(
            &learning,
            &mut hedge,
            Schedule::RandomOrder,
            vec![0.0; 3],
            &stop(500),
            &mut rng,
            &mut (),
        )
    };
    assert_eq!(go(42), go(42));
}

/// The openness market computes NashConv in closed form; the reference is a
/// dense grid over each agent's own action, from the raw payoffs.
#[test]
fn openness_nash_conv_matches_a_grid_search() {
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    for name in [
        "openness_baseline.toml",
        "openness_pay_penalty.toml",
        "openness_nonbinding.toml",
        "openness_exit.toml",
    ] {
        let g = openness(name);
        let market = OpennessMarket::new(g, fixed_delta(&g), 1);
        for _ in 0..50 {
            let profile = random_start(&market, &mut rng);
            let mut total = 0.0;
            for i in 0..2 {
                let (lo, hi) = match market.space(i) {
                    openmarket_core::dynamics::Space::Interval(lo, hi) => (*lo, *hi),
                    _ => unreachable!(),
                };
                let here = market.payoff(i, profile[i], &profile);
                let mut best = f64::NEG_INFINITY;
                for k in 0..=200_000 {
                    let a = lo + (hi - lo) * k as f64 / 200_000.0;
                    best = best.max(market.payoff(i, a, &profile));
                }
                // Fixed penalties jump at θ: include θ itself.
                if let Some(reg) = g.regulation.filter(|_| i == 0) {
                    best = best.max(market.payoff(0, reg.theta, &profile));
                }
                let gain = market.max_gain(i, &profile);
                assert!(
                    (gain - (best - here).max(0.0)).abs() < 1e-8,
                    "{name}: agent {i} at {profile:?}: {gain} vs grid {}",
                    best - here
                );
                total += gain;
            }
            assert!((market.nash_conv(&profile) - total).abs() < 1e-15);
        }
    }
}
