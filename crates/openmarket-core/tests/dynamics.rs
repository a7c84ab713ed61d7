//! Learning dynamics checked against the exact equilibria: the closed-form
//! SPE of the openness game, the unique NE of dominance-solvable races, the
//! hand-derived continuous NE of a race with no pure NE.

use std::path::Path;

use openmarket_core::config::{self, ModelConfig};
use openmarket_core::dynamics::games::{OpennessMarket, RaceLearning};
use openmarket_core::dynamics::rules::best_response::BestResponse;
use openmarket_core::dynamics::rules::fictitious_play::FictitiousPlay;
use openmarket_core::dynamics::rules::gradient::GradientAscent;
use openmarket_core::dynamics::rules::hedge::Hedge;
use openmarket_core::dynamics::rules::logit::Logit;
use openmarket_core::dynamics::rules::{Context, RuleConfig, RuleKind};
use openmarket_core::dynamics::{
    Dynamics, LearningGame, Schedule, StopReason, Termination, distance_to_set, run,
};
use openmarket_core::openness::{BargainingRule, OpennessGame, PenaltyForm};
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

/// One instance of `rule` per agent of `game`, observation noise σ.
fn agents(rule: RuleConfig, game: &dyn LearningGame, noise: f64) -> Vec<Box<dyn Dynamics>> {
    rule.instances(game.agents(), &Context { noise })
}

fn best_response() -> RuleConfig {
    RuleConfig::BestResponse(BestResponse { inertia: 1.0 })
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
                    &mut agents(best_response(), &market, 0.0),
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
        let rule = RuleConfig::Gradient(GradientAscent {
            step: 0.5,
            decay: 0.0,
        });
        let r = run(
            &market,
            &mut agents(rule, &market, 0.0),
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
        let rule = RuleConfig::Gradient(GradientAscent {
            step: 0.3,
            decay: 0.0,
        });
        let r = run(
            &market,
            &mut agents(rule, &market, 0.0),
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
            &mut agents(best_response(), &learning, 0.0),
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
    let g = race("race_no_pure_ne.toml");
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
                &mut agents(best_response(), &learning, 0.0),
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
    let g = g.with_actions(Actions::Continuous);
    let learning = RaceLearning::new(&g);
    let ne = vec![vec![0.5, 0.125, 0.0]];
    // NashConv is flat near this NE (share payoffs), so judge by distance.
    let r = run(
        &learning,
        &mut agents(RuleConfig::FictitiousPlay(FictitiousPlay), &learning, 0.0),
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
    let hedge = RuleConfig::Hedge(Hedge {
        eta: 0.5,
        points: 2,
    });
    let r = run(
        &learning,
        &mut agents(hedge, &learning, 0.0),
        Schedule::Simultaneous,
        vec![0.0; 3],
        &stop(5000),
        &mut rng,
        &mut (),
    );
    let regret = r.avg_regret.unwrap();
    assert!(regret < 0.01, "average regret {regret}");
    let logit = RuleConfig::Logit(Logit {
        temperature: 0.01,
        points: 2,
    });
    let r = run(
        &learning,
        &mut agents(logit, &learning, 0.0),
        Schedule::RoundRobin,
        vec![0.0; 3],
        &stop(2000),
        &mut rng,
        &mut (),
    );
    assert!(r.actions.iter().all(|a| *a == 0.0 || *a == 1.0));
    assert_eq!(logit.kind(), RuleKind::Logit);
}

#[test]
fn same_seed_same_run() {
    let g = race("race_several_ne.toml");
    let learning = RaceLearning::new(&g);
    let go = |seed| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let hedge = RuleConfig::Hedge(Hedge {
            eta: 0.3,
            points: 2,
        });
        run(
            &learning,
            &mut agents(hedge, &learning, 0.1),
            Schedule::RandomOrder,
            vec![0.0; 3],
            &stop(500),
            &mut rng,
            &mut (),
        )
    };
    assert_eq!(go(42), go(42));
}

/// The openness market computes NashConv in closed form. The reference is
/// written here from the raw payoffs of docs/model.md §A.2 and nothing of
/// the crate's: D's best response by golden section on U_D, G's value
/// W(ω) = U_G(ω, α1*(ω)) − penalty on a dense ω grid (θ included, where a
/// fixed penalty jumps).
#[test]
fn openness_nash_conv_matches_brute_force_from_the_raw_payoffs() {
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    for name in [
        "openness_baseline.toml",
        "openness_pay_penalty.toml",
        "openness_nonbinding.toml",
        "openness_exit.toml",
    ] {
        let g = openness(name);
        let delta = fixed_delta(&g);
        let market = OpennessMarket::new(g, delta, 1);
        let alpha0 = g
            .alpha0_value()
            .expect("exogenous α0 in the example configs");
        let share = |w: f64| delta * (1.0 - g.lambda * w);
        let u_d = |w: f64, a1: f64| {
            (1.0 - share(w)) * g.r * a1 - g.c1 * (a1 - alpha0).powi(2) / (1.0 + g.kappa * w)
        };
        let penalty = |w: f64| match g.regulation {
            None => 0.0,
            Some(reg) => match reg.form {
                PenaltyForm::Fixed => {
                    if w < reg.theta {
                        reg.penalty
                    } else {
                        0.0
                    }
                }
                PenaltyForm::Proportional => reg.penalty * (reg.theta - w).max(0.0),
            },
        };
        let u_g = |w: f64, a1: f64| {
            share(w) * g.r * a1 + g.epsilon * w
                - g.operation_cost * (1.0 - w)
                - g.c0 * alpha0 * alpha0
                - penalty(w)
        };
        // U_D is concave in α1: golden section on [α0, α0 + 10].
        let br_d = |w: f64| {
            let (mut a, mut b) = (alpha0, alpha0 + 10.0);
            for _ in 0..200 {
                let (c, d) = (b - 0.618 * (b - a), a + 0.618 * (b - a));
                if u_d(w, c) >= u_d(w, d) { b = d } else { a = c }
            }
            0.5 * (a + b)
        };
        let value = |w: f64| u_g(w, br_d(w));
        let mut best_w = f64::NEG_INFINITY;
        for k in 0..=20_000 {
            best_w = best_w.max(value(k as f64 / 20_000.0));
        }
        if let Some(reg) = g.regulation {
            best_w = best_w.max(value(reg.theta));
        }
        for _ in 0..20 {
            let profile = random_start(&market, &mut rng);
            let (w, a1) = (profile[0], profile[1]);
            let gain_g = (best_w - value(w)).max(0.0);
            let gain_d = (u_d(w, br_d(w)) - u_d(w, a1)).max(0.0);
            let (got_g, got_d) = (market.max_gain(0, &profile), market.max_gain(1, &profile));
            assert!(
                (got_g - gain_g).abs() < 1e-7,
                "{name}: G at {profile:?}: {got_g} vs brute force {gain_g}"
            );
            assert!(
                (got_d - gain_d).abs() < 1e-9,
                "{name}: D at {profile:?}: {got_d} vs brute force {gain_d}"
            );
            assert!((market.nash_conv(&profile) - got_g - got_d).abs() < 1e-15);
        }
    }
}
