//! Learning dynamics checked against exact solutions computed independently:
//! the openness SPE and the generalist's best response to a held specialist
//! from the raw payoffs, the unique NE of dominance-solvable races, the
//! hand-derived continuous NE of a race with no pure NE, its mixed NE and
//! logit QRE (both checked against Gambit in tests/python).

use std::path::Path;

use openmarket_core::config::{self, ModelConfig};
use openmarket_core::dynamics::StopRule;
use openmarket_core::dynamics::rules::best_response::BestResponse;
use openmarket_core::dynamics::rules::fictitious_play::FictitiousPlay;
use openmarket_core::dynamics::rules::fixed::Fixed;
use openmarket_core::dynamics::rules::gradient::GradientAscent;
use openmarket_core::dynamics::rules::hedge::Hedge;
use openmarket_core::dynamics::rules::logit::Logit;
use openmarket_core::dynamics::rules::mean_response::MeanResponse;
use openmarket_core::dynamics::rules::{RuleConfig, RuleKind};
use openmarket_core::dynamics::{
    Check, Dynamics, LearningGame, NashConvCheck, RunResult, Schedule, Setup, StopReason,
    Termination, distance_to_set, run,
};
use openmarket_core::experiment::instances;
use openmarket_core::openness::learning::MarketGame;
use openmarket_core::openness::{BargainingRule, OpennessGame, PenaltyForm};
use openmarket_core::openness::{Market, Openness};
use openmarket_core::race::learning::RaceLearning;
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
        ModelConfig::Openness(Openness {
            market: Market::Pair(g),
            ..
        }) => g,
        _ => panic!("{name}: not an openness config"),
    }
}

fn race(name: &str) -> RaceGame {
    match load(name) {
        ModelConfig::Race(g) => g,
        _ => panic!("{name}: not a race config"),
    }
}

fn stop(max_iterations: u64, tol: f64) -> Termination {
    Termination {
        max_iterations,
        tol,
        still: tol,
        window: 5,
        stop_on_cycle: true,
        stop: StopRule::AtTarget,
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

/// One seeded run of `rules` (one per agent) from `start`.
#[allow(clippy::too_many_arguments)]
fn go<G: LearningGame>(
    game: &G,
    rules: &[RuleConfig],
    schedule: Schedule,
    start: Vec<f64>,
    stop: Termination,
    check: &mut dyn Check,
    rng: &mut ChaCha8Rng,
) -> RunResult {
    let mut agents = instances(game, rules, 0.0);
    run(
        game,
        &mut agents,
        start,
        Setup {
            schedule,
            stop: &stop,
            check,
        },
        rng,
        &mut (),
    )
}

/// The pair market at δ from its raw payoffs (docs/model.md §A.2), written
/// here without the library's polynomials: D's best response by bisection
/// on its concave U_D's slope, G's value by a dense grid refined by golden
/// section on the smooth piece around the best grid point.
struct Raw {
    g: OpennessGame,
    delta: f64,
    alpha0: f64,
}

impl Raw {
    fn new(g: OpennessGame, delta: f64) -> Self {
        let alpha0 = g
            .alpha0_value()
            .expect("exogenous α0 in the example configs");
        Raw { g, delta, alpha0 }
    }
    fn share(&self, w: f64) -> f64 {
        self.delta * (1.0 - self.g.lambda * w)
    }
    fn u_d(&self, w: f64, a1: f64) -> f64 {
        let g = &self.g;
        (1.0 - self.share(w)) * g.r * a1 - g.c1 * (a1 - self.alpha0).powi(2) / (1.0 + g.kappa * w)
    }
    fn penalty(&self, w: f64) -> f64 {
        match self.g.regulation {
            None => 0.0,
            Some(reg) => match reg.form {
                PenaltyForm::Fixed if w < reg.theta => reg.penalty,
                PenaltyForm::Fixed => 0.0,
                PenaltyForm::Proportional => reg.penalty * (reg.theta - w).max(0.0),
            },
        }
    }
    fn u_g(&self, w: f64, a1: f64) -> f64 {
        let g = &self.g;
        self.share(w) * g.r * a1 + g.epsilon * w
            - g.operation_cost * (1.0 - w)
            - g.c0 * self.alpha0 * self.alpha0
            - self.penalty(w)
    }
    /// Golden-section maximiser of a unimodal `f` on [a, b].
    fn golden(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
        for _ in 0..200 {
            let (c, d) = (b - 0.618 * (b - a), a + 0.618 * (b - a));
            if f(c) >= f(d) { b = d } else { a = c }
        }
        0.5 * (a + b)
    }
    /// D's best response to ω: U_D is concave in α1, so bisection on the
    /// sign of its derivative, (1 − s(ω))·r − 2·c1·(α1 − α0)/(1 + κω),
    /// differentiated here from the raw payoff (exact to rounding, where a
    /// search on values stops at √ε).
    fn br_d(&self, w: f64) -> f64 {
        let g = &self.g;
        let slope = |a: f64| {
            (1.0 - self.share(w)) * g.r - 2.0 * g.c1 * (a - self.alpha0) / (1.0 + g.kappa * w)
        };
        let (mut a, mut b) = (self.alpha0, self.alpha0 + 10.0);
        for _ in 0..200 {
            let m = 0.5 * (a + b);
            if slope(m) > 0.0 { a = m } else { b = m }
        }
        0.5 * (a + b)
    }
    /// G's value at ω when D best-responds.
    fn value(&self, w: f64) -> f64 {
        self.u_g(w, self.br_d(w))
    }
    /// G's best ω and its value (G kept in): a grid of 20,000 cells plus
    /// the threshold, then golden section inside the best cell's
    /// neighbours, never across the threshold where the penalty jumps.
    fn best(&self) -> (f64, f64) {
        let n = 20_000;
        let mut best = (0.0, self.value(0.0));
        let theta = self.g.regulation.map(|r| r.theta);
        for w in (0..=n).map(|k| k as f64 / n as f64).chain(theta) {
            let v = self.value(w);
            if v > best.1 {
                best = (w, v);
            }
        }
        let h = 1.0 / n as f64;
        let (mut lo, mut hi) = ((best.0 - h).max(0.0), (best.0 + h).min(1.0));
        if let Some(t) = theta {
            if best.0 >= t {
                lo = lo.max(t);
            } else {
                hi = hi.min(t - 1e-15);
            }
        }
        let w = Self::golden(|w| self.value(w), lo, hi);
        if self.value(w) > best.1 {
            (w, self.value(w))
        } else {
            best
        }
    }
}

/// The anti-coordination race of configs/race_several_ne.toml with every
/// lab on Hedge at learning rate η over its two actions, and the judge's
/// target for it (the CCE gap).
fn hedge_race(
    eta: f64,
) -> (
    RaceGame,
    [RuleConfig; 3],
    openmarket_core::experiment::Target,
) {
    let g = race("race_several_ne.toml");
    let rules = [RuleConfig::Hedge(Hedge { eta, points: 2 }); 3];
    let t = openmarket_core::race::judge::race(&g, &rules, &[], true);
    (g, rules, t)
}

fn br() -> RuleConfig {
    RuleConfig::BestResponse(BestResponse { inertia: 1.0 })
}

/// The test of a circular implementation: with D held at
/// α1 = α0 (α0 = 0.2, δ = 0.8, ε = 0.1, λ = 1, κ = 0, r = c0 = c1 = 1), G's
/// payoff is U_G(ω) = 0.8·(1 − ω)·0.2 + 0.1·ω − 0.04, falling in ω, so a G
/// that learns from D's actual behaviour ends at ω = 0; the SPE (which
/// assumes D best-responds) is ω^u = 0.28125. With θ = 0.6, p = 0.02, G
/// still prefers ω = 0 and pays (0.10 against 0.084 for complying), while
/// the SPE pays at 0.28125.
#[test]
fn a_learning_generalist_meets_the_specialist_it_faces_not_the_solvers() {
    let text = |regulation: &str| {
        format!(
            "[model]\nfamily = \"openness\"\nalpha0 = 0.2\nr = 1.0\nc0 = 1.0\nc1 = 1.0\nepsilon = 0.1\n\
             [model.bargaining]\nrule = \"fixed\"\ndelta = 0.8\n{regulation}"
        )
    };
    for regulation in ["", "[model.regulation]\ntheta = 0.6\npenalty = 0.02\n"] {
        let g = match config::parse(&text(regulation), "test").unwrap().model {
            ModelConfig::Openness(Openness {
                market: Market::Pair(g),
                ..
            }) => g,
            _ => unreachable!(),
        };
        // G's payoff against the held α1 = 0.2, from the raw formula, on a
        // dense grid (θ included, where the penalty jumps).
        let u_g = |w: f64| {
            let pen = if regulation.is_empty() || w >= 0.6 {
                0.0
            } else {
                0.02
            };
            0.8 * (1.0 - w) * 0.2 + 0.1 * w - 0.2 * 0.2 - pen
        };
        let grid_best = (0..=100_000)
            .map(|k| k as f64 / 100_000.0)
            .chain([0.6])
            .max_by(|a, b| u_g(*a).total_cmp(&u_g(*b)))
            .unwrap();
        assert_eq!(grid_best, 0.0);
        // The SPE, which a circular implementation would reach instead.
        let spe = g.solve().omega.unwrap();
        assert!((spe - 0.28125).abs() < 1e-9);
        let market = MarketGame::new(&Market::Pair(g), Some(0.8), 1);
        let rules = [br(), RuleConfig::Fixed(Fixed { action: 0.2 })];
        let t = openmarket_core::openness::judge::target(&Market::Pair(g), Some(0.8), &rules);
        assert_eq!(t.held, vec![1]);
        assert!((t.profiles[0][0] - grid_best).abs() < 1e-9, "{t:?}");
        for seed in 0..16 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let start = random_start(&market, &mut rng);
            let r = go(
                &market,
                &rules,
                Schedule::Sequential,
                vec![start[0], 0.2],
                stop(200, 1e-12),
                t.check().as_mut(),
                &mut rng,
            );
            assert!(r.converged, "{r:?}");
            assert!(r.actions[0].abs() < 1e-9, "G ends at {:?}", r.actions);
            assert!((r.actions[0] - spe).abs() > 0.25);
        }
    }
}

#[test]
fn a_fitted_generalist_reaches_the_spe_against_learning_specialists() {
    for name in [
        "openness_baseline.toml",
        "openness_nonbinding.toml",
        "openness_pay_penalty.toml",
        "openness_exit.toml",
    ] {
        let g = openness(name);
        let delta = fixed_delta(&g);
        // The SPE outcome at δ, G kept in, from the raw payoffs.
        let raw = Raw::new(g, delta);
        let omega = raw.best().0;
        let want = vec![omega, raw.br_d(omega)];
        // D best-responds; or D climbs its gradient while G moves every
        // 50th iteration (two timescales: D settles between G's moves, so
        // what G observes is D's response, not its transient).
        for (follower, every) in [
            (br(), 1),
            (
                RuleConfig::Gradient(GradientAscent {
                    step: 0.3,
                    decay: 0.0,
                }),
                50,
            ),
        ] {
            let market = MarketGame::new(&Market::Pair(g), Some(delta), every);
            let rules = [br(), follower];
            let t = openmarket_core::openness::judge::target(&Market::Pair(g), Some(delta), &rules);
            let d = distance_to_set(&t.profiles[0], std::slice::from_ref(&want));
            assert!(
                d < 1e-7,
                "{name}: target {:?} vs raw {want:?}",
                t.profiles[0]
            );
            for seed in 0..10 {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                let start = random_start(&market, &mut rng);
                let r = go(
                    &market,
                    &rules,
                    Schedule::Sequential,
                    start,
                    stop(20_000, 1e-12),
                    t.check().as_mut(),
                    &mut rng,
                );
                assert!(r.converged, "{name}, D {:?}: {r:?}", follower.kind());
                let d = distance_to_set(&r.actions, std::slice::from_ref(&want));
                assert!(d < 1e-6, "{name}: {:?} vs raw {want:?}", r.actions);
            }
        }
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
        let r = go(
            &learning,
            &[br(); 3],
            Schedule::Simultaneous,
            start,
            stop(50, 1e-10),
            &mut NashConvCheck,
            &mut rng,
        );
        assert!(r.converged, "{r:?}");
        assert_eq!(r.actions, vec![0.0, 1.0, 1.0]);
    }
}

#[test]
fn without_a_pure_ne_best_response_cycles_and_mean_response_finds_the_continuous_ne() {
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
            let r = go(
                &learning,
                &[br(); 3],
                schedule,
                start.clone(),
                stop(1000, 1e-10),
                &mut NashConvCheck,
                &mut rng,
            );
            assert!(
                !r.converged && r.cycle_detected && r.reason == StopReason::Cycle,
                "{schedule:?} {r:?}"
            );
        }
    }
    let g = g.with_actions(Actions::Continuous);
    let learning = RaceLearning::new(&g);
    let r = go(
        &learning,
        &[RuleConfig::MeanResponse(MeanResponse); 3],
        Schedule::Simultaneous,
        vec![0.0, 0.0, 0.0],
        stop(200_000, 1e-9),
        &mut NashConvCheck,
        &mut rng,
    );
    let d = distance_to_set(&r.actions, &[vec![0.5, 0.125, 0.0]]);
    assert!(
        d < 0.005,
        "mean response ends at {:?}, {d} from the NE after {} iterations",
        r.actions,
        r.iterations
    );
}

/// Textbook fictitious play on the race without a pure NE: the empirical
/// frequencies approach its mixed NE (0.6227, 0.2745, 0) (issue "The right
/// target"; Gambit agrees, tests/python/gambit_check.py).
#[test]
fn fictitious_play_frequencies_approach_the_mixed_ne() {
    let g = race("race_no_pure_ne.toml");
    let learning = RaceLearning::new(&g);
    let rules = [RuleConfig::FictitiousPlay(FictitiousPlay); 3];
    let t = openmarket_core::race::judge::race(&g, &rules, &[], true);
    assert_eq!(t.profiles.len(), 1);
    let ne = &t.profiles[0];
    for (a, b) in ne.iter().zip([0.6227, 0.2745, 0.0]) {
        assert!((a - b).abs() < 1e-4);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut distances = Vec::new();
    for iterations in [1_000, 100_000] {
        let r = go(
            &learning,
            &rules,
            Schedule::Simultaneous,
            vec![0.0, 0.0, 0.0],
            stop(iterations, 0.0),
            t.check().as_mut(),
            &mut rng,
        );
        distances.push(distance_to_set(&r.actions, &t.profiles));
    }
    assert!(distances[1] < 0.01, "{distances:?}");
    assert!(distances[1] < distances[0], "{distances:?}");
}

/// Fictitious play's outcome is, by definition, each lab's empirical
/// frequency of opening: its start and every action it played, counted
/// from the recorded play.
#[test]
fn fictitious_play_reports_the_frequency_of_its_own_play() {
    let g = race("race_no_pure_ne.toml");
    let learning = RaceLearning::new(&g);
    let rules = [RuleConfig::FictitiousPlay(FictitiousPlay); 3];
    let t = openmarket_core::race::judge::race(&g, &rules, &[], true);
    let budget = Termination {
        stop: StopRule::Budget,
        ..stop(300, 0.0)
    };
    let start = vec![1.0, 0.0, 1.0];
    let r = go(
        &learning,
        &rules,
        Schedule::Simultaneous,
        start.clone(),
        budget,
        t.check().as_mut(),
        &mut ChaCha8Rng::seed_from_u64(4),
    );
    let mut record = Record(Vec::new());
    go(
        &learning,
        &rules,
        Schedule::Simultaneous,
        start.clone(),
        budget,
        &mut record,
        &mut ChaCha8Rng::seed_from_u64(4),
    );
    for i in 0..3 {
        let plays = record.0.iter().map(|p| p[i]).chain([start[i]]);
        let frequency = plays.clone().sum::<f64>() / plays.count() as f64;
        assert!(
            (r.actions[i] - frequency).abs() < 1e-12,
            "lab {i}: outcome {} vs frequency {frequency}",
            r.actions[i]
        );
    }
}

/// ε-greedy on a race with dominant strategies (configs/race_baseline.toml,
/// unique NE (0, 1, 1)): each lab exploits, landing on its dominant action,
/// with probability 1 − ε, and explores uniformly over its two actions
/// (landing on it half the time) otherwise, independently of the rest. A
/// run ends converged when all three labs were at the NE for the last
/// `window` = 5 iterations: probability (1 − ε/2)^15 = 0.463 at ε = 0.1.
#[test]
fn epsilon_greedy_sits_at_the_ne_as_often_as_its_exploration_allows() {
    use openmarket_core::dynamics::rules::epsilon_greedy::EpsilonGreedy;
    let g = race("race_baseline.toml");
    let learning = RaceLearning::new(&g);
    let rules = [RuleConfig::EpsilonGreedy(EpsilonGreedy { epsilon: 0.1 }); 3];
    let budget = Termination {
        stop: StopRule::Budget,
        ..stop(60, 1e-10)
    };
    let runs = 800;
    let converged = (0..runs)
        .filter(|&seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let start = random_start(&learning, &mut rng);
            go(
                &learning,
                &rules,
                Schedule::Simultaneous,
                start,
                budget,
                &mut NashConvCheck,
                &mut rng,
            )
            .converged
        })
        .count() as f64
        / runs as f64;
    let p = 0.95f64.powi(15);
    // Four standard deviations of a share of 800 runs.
    let sd = (p * (1.0 - p) / runs as f64).sqrt();
    assert!(
        (converged - p).abs() < 4.0 * sd,
        "{converged} vs {p} ± {sd}"
    );
}

/// The judge's pure-Nash check is NashConv: the sum over the free labs of
/// what each would gain by its better action, each gain found here by
/// evaluating both actions of the lab's own payoff.
#[test]
fn the_pure_nash_check_sums_every_free_labs_gain() {
    let g = race("race_baseline.toml");
    let learning = RaceLearning::new(&g);
    let rules = [br(); 3];
    let t = openmarket_core::race::judge::race(&g, &rules, &[vec![0.0, 1.0, 1.0]], true);
    let agents = instances(&learning, &rules, 0.0);
    let check = t.check();
    let mut several = 0;
    for bits in 0..8u32 {
        let x: Vec<f64> = (0..3).map(|i| f64::from((bits >> i) & 1)).collect();
        let gains: Vec<f64> = (0..3)
            .map(|i| {
                let best = learning.payoff(i, 0.0, &x).max(learning.payoff(i, 1.0, &x));
                best - learning.payoff(i, x[i], &x)
            })
            .collect();
        several += usize::from(gains.iter().filter(|&&g| g > 0.0).count() > 1);
        let want: f64 = gains.iter().sum();
        let got = check.gap(&learning, &x, &agents);
        assert!((got - want).abs() < 1e-12, "{x:?}: {got} vs {want}");
    }
    assert!(several > 0, "some profile has several labs with a gain");
}

/// Mean-field logit dynamics come to rest at the logit QRE of their τ.
#[test]
fn logit_dynamics_reach_the_qre_at_their_temperature() {
    let g = race("race_no_pure_ne.toml");
    let learning = RaceLearning::new(&g);
    for tau in [0.2, 0.05] {
        let rule = RuleConfig::Logit(Logit {
            temperature: tau,
            points: 101,
            rate: 0.2,
        });
        let rules = [rule; 3];
        let t = openmarket_core::race::judge::race(&g, &rules, &[], true);
        let qre = t.profiles[0].clone();
        // The QRE solves the logit equations of the raw payoff table.
        let table = g.binary();
        for i in 0..3 {
            let z = table.gain(i, &qre) / tau;
            assert!((qre[i] - 1.0 / (1.0 + (-z).exp())).abs() < 1e-9);
        }
        for seed in 0..8 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let start = random_start(&learning, &mut rng);
            let r = go(
                &learning,
                &rules,
                Schedule::Simultaneous,
                start,
                stop(100_000, 1e-12),
                t.check().as_mut(),
                &mut rng,
            );
            let d = distance_to_set(&r.actions, &t.profiles);
            assert!(
                r.converged && d < 1e-6,
                "τ = {tau}: {r:?}, {d} from {qre:?}"
            );
        }
    }
}

#[test]
fn hedge_has_a_vanishing_cce_gap() {
    let (g, rules, t) = hedge_race(0.5);
    let learning = RaceLearning::new(&g);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let r = go(
        &learning,
        &rules,
        Schedule::Simultaneous,
        vec![0.0; 3],
        stop(5000, 0.0),
        t.check().as_mut(),
        &mut rng,
    );
    assert!(r.gap < 0.01, "CCE gap {}", r.gap);
}

/// Keeps every profile played.
struct Record(Vec<Vec<f64>>);

impl Check for Record {
    fn observe(&mut self, _: &dyn LearningGame, played: &[f64]) {
        self.0.push(played.to_vec());
    }
    // Finite (a non-finite gap ends a run), and never within tol.
    fn gap(&self, _: &dyn LearningGame, _: &[f64], _: &[Box<dyn Dynamics>]) -> f64 {
        1.0
    }
}

/// The judge's CCE gap against the definition applied to the recorded
/// play: the largest average gain any lab would have had from one fixed
/// action against everything the others played (the same seed replays the
/// same run: the check draws nothing).
#[test]
fn the_cce_gap_is_the_regret_of_the_recorded_play() {
    let (g, rules, t) = hedge_race(0.5);
    let learning = RaceLearning::new(&g);
    let budget = Termination {
        stop: StopRule::Budget,
        ..stop(700, 0.0)
    };
    let judged = go(
        &learning,
        &rules,
        Schedule::Simultaneous,
        vec![0.0; 3],
        budget,
        t.check().as_mut(),
        &mut ChaCha8Rng::seed_from_u64(8),
    );
    let mut record = Record(Vec::new());
    go(
        &learning,
        &rules,
        Schedule::Simultaneous,
        vec![0.0; 3],
        budget,
        &mut record,
        &mut ChaCha8Rng::seed_from_u64(8),
    );
    let play = &record.0;
    assert_eq!(play.len(), 700);
    let rounds = play.len() as f64;
    let regret = |i: usize| {
        let realised: f64 = play.iter().map(|p| learning.payoff(i, p[i], p)).sum();
        [0.0, 1.0]
            .iter()
            .map(|&a| play.iter().map(|p| learning.payoff(i, a, p)).sum::<f64>())
            .fold(f64::NEG_INFINITY, f64::max)
            - realised
    };
    let want = (0..3).map(regret).fold(0.0, f64::max) / rounds;
    assert!(want > 0.0, "some regret after 700 rounds of sampled play");
    assert!(
        (judged.gap - want).abs() < 1e-12,
        "judge {} vs the recorded play's {want}",
        judged.gap
    );
}

#[test]
fn same_seed_same_run() {
    let (g, rules, t) = hedge_race(0.3);
    let learning = RaceLearning::new(&g);
    let one = |seed| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut agents = instances(&learning, &rules, 0.1);
        run(
            &learning,
            &mut agents,
            vec![0.0; 3],
            Setup {
                schedule: Schedule::RandomOrder,
                stop: &stop(500, 0.0),
                check: t.check().as_mut(),
            },
            &mut rng,
            &mut (),
        )
    };
    assert_eq!(one(42), one(42));
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
        let market = MarketGame::new(&Market::Pair(g), Some(delta), 1);
        let raw = Raw::new(g, delta);
        let (u_g, u_d) = (|w, a| raw.u_g(w, a), |w, a| raw.u_d(w, a));
        let (value, br_d) = (|w| raw.value(w), |w| raw.br_d(w));
        let best_w = raw.best().1;
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
            // NashConv against the brute-force gains, not the library's own.
            let nash_conv = market.nash_conv(&profile);
            assert!(
                (nash_conv - gain_g - gain_d).abs() < 2e-7,
                "{name}: NashConv at {profile:?}: {nash_conv} vs brute force {}",
                gain_g + gain_d
            );
            // Each agent's payoff is its own raw formula at what it sees.
            assert!((market.payoff(0, w, &profile) - u_g(w, a1)).abs() < 1e-12);
            assert!((market.payoff(1, a1, &profile) - u_d(w, a1)).abs() < 1e-12);
        }
    }
}

/// G's target against a follower that answers with the best action of its
/// grid (Hedge) under a proportional penalty: the best ω of G's raw payoff,
/// penalty included, on a dense grid with D's grid answer computed from
/// D's raw payoff.
#[test]
fn a_grid_follower_target_counts_the_proportional_penalty() {
    let text = "[model]\nfamily = \"openness\"\nalpha0 = 0.2\nr = 1.0\nc0 = 1.0\nc1 = 1.0\nepsilon = 0.05\nlambda = 0.5\n\
                [model.bargaining]\nrule = \"fixed\"\ndelta = 0.6\n\
                [model.regulation]\ntheta = 0.8\npenalty = 0.4\npenalty_form = \"proportional\"\n";
    let g = match config::parse(text, "test").unwrap().model {
        ModelConfig::Openness(Openness {
            market: Market::Pair(g),
            ..
        }) => g,
        _ => unreachable!(),
    };
    let delta = 0.6;
    let rules = [
        br(),
        RuleConfig::Hedge(Hedge {
            eta: 0.5,
            points: 41,
        }),
    ];
    let market = MarketGame::new(&Market::Pair(g), Some(delta), 1);
    let grid = market.space(1).points(41);
    let (a0, r, c1, lambda, eps) = (0.2, 1.0, 1.0, 0.5, 0.05);
    let answer = |w: f64| {
        let s = delta * (1.0 - lambda * w);
        let u_d = |a: f64| (1.0 - s) * r * a - c1 * (a - a0) * (a - a0);
        grid.iter()
            .copied()
            .fold((f64::NAN, f64::NEG_INFINITY), |b, a| {
                if u_d(a) > b.1 { (a, u_d(a)) } else { b }
            })
            .0
    };
    let u_g = |w: f64| {
        let s = delta * (1.0 - lambda * w);
        s * r * answer(w) + eps * w - a0 * a0 - 0.4 * (0.8 - w).max(0.0)
    };
    let best = (0..=200_000)
        .map(|k| k as f64 / 200_000.0)
        .map(u_g)
        .fold(f64::NEG_INFINITY, f64::max);
    let t = openmarket_core::openness::judge::target(&Market::Pair(g), Some(delta), &rules);
    let w = t.profiles[0][0];
    assert!(
        (u_g(w) - best).abs() < 1e-6,
        "target ω {w}: {} vs {best}",
        u_g(w)
    );
}

/// `[dynamics] rule` is the rule of the agents without a table of their
/// own: a config where every agent has one needs none, and one where some
/// agent has none is refused naming it.
#[test]
fn a_default_rule_is_needed_only_by_agents_without_their_own() {
    let race = |tables: &str| {
        format!(
            "[model]\nfamily = \"race\"\nhead_start = [3.0, 1.0]\nboost = [1.0, 1.0]\n\
             [model.leakage]\npreset = \"uniform\"\nbeta = 0.5\n\
             [dynamics]\nmax_iterations = 10\n{tables}"
        )
    };
    let both = race(
        "[dynamics.lab.0]\nrule = \"best_response\"\n[dynamics.lab.1]\nrule = \"fictitious_play\"\n",
    );
    let d = config::parse(&both, "both.toml").unwrap().dynamics.unwrap();
    assert_eq!(
        d.rules(2).iter().map(|r| r.kind()).collect::<Vec<_>>(),
        [RuleKind::BestResponse, RuleKind::FictitiousPlay]
    );
    let one = race("[dynamics.lab.0]\nrule = \"best_response\"\n");
    let e = config::parse(&one, "one.toml").unwrap_err();
    assert_eq!(e.field.as_deref(), Some("dynamics.rule"), "{e}");
    assert!(e.message.contains("lab 1 has no rule"), "{e}");
    let bare = race("[dynamics.lab.0]\neta = 0.2\n");
    let e = config::parse(&bare, "bare.toml").unwrap_err();
    assert_eq!(e.field.as_deref(), Some("dynamics.lab.0.rule"), "{e}");
    // A sector's specialists may share one table's rule.
    let sector = "[model]\nfamily = \"openness\"\nalpha0 = 0.2\nc0 = 1.0\n\
         [model.bargaining]\nrule = \"fixed\"\ndelta = 0.5\n\
         [[model.specialists]]\nr = 1.0\nc1 = 1.0\n[[model.specialists]]\nr = 1.2\nc1 = 1.0\n\
         [dynamics]\n[dynamics.generalist]\nrule = \"best_response\"\n\
         [dynamics.specialist]\nrule = \"epsilon_greedy\"\n";
    let d = config::parse(sector, "sector.toml")
        .unwrap()
        .dynamics
        .unwrap();
    assert_eq!(
        d.rules(3).iter().map(|r| r.kind()).collect::<Vec<_>>(),
        [
            RuleKind::BestResponse,
            RuleKind::EpsilonGreedy,
            RuleKind::EpsilonGreedy
        ]
    );
}

/// A value of any length is echoed in a short one-line message.
#[test]
fn long_values_are_shortened_in_errors() {
    let long = "x".repeat(200_000);
    for text in [
        format!("[model]\nfamily = \"{long}\"\n"),
        format!(
            "[model]\nfamily = \"race\"\nhead_start = [3.0, 1.0]\nboost = [1.0, 1.0]\n\
             [model.leakage]\npreset = \"uniform\"\nbeta = 0.5\n[dynamics]\nrule = \"{long}\"\n"
        ),
        format!(
            "[model]\nfamily = \"race\"\nhead_start = [3.0, 1.0]\nboost = [1.0, 1.0]\n\
             [model.leakage]\npreset = \"uniform\"\nbeta = 0.5\n[dynamics]\nrule = \"best_response\"\n\
             [dynamics.lab.{}]\nrule = \"fixed\"\n",
            "7".repeat(1000)
        ),
    ] {
        let e = config::parse(&text, "long.toml").unwrap_err().to_string();
        assert!(
            e.len() < 400 && e.lines().count() == 1 && e.contains("characters"),
            "{} characters: {}",
            e.len(),
            &e[..e.len().min(500)]
        );
    }
}

/// A check that says every profile is on target.
struct AlwaysOnTarget;

impl Check for AlwaysOnTarget {
    fn gap(&self, _: &dyn LearningGame, _: &[f64], _: &[Box<dyn Dynamics>]) -> f64 {
        0.0
    }
}

/// The stationary and budget stops read nothing the agents do not see: a
/// run stops at the same iteration with the same actions whatever its
/// check says, while the at-target stop ends as soon as its check says so.
#[test]
fn only_the_at_target_stop_reads_the_target() {
    let g = openness("openness_baseline.toml");
    let delta = fixed_delta(&g);
    let game = MarketGame::new(&Market::Pair(g), Some(delta), 1);
    let rules = [br(), br()];
    let outcome = |rule: StopRule, check: &mut dyn Check| {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let start = random_start(&game, &mut rng);
        let stop = Termination {
            stop: rule,
            ..stop(400, 1e-12)
        };
        go(
            &game,
            &rules,
            Schedule::Sequential,
            start,
            stop,
            check,
            &mut rng,
        )
    };
    for rule in [StopRule::Stationary, StopRule::Budget] {
        let right = outcome(rule, &mut NashConvCheck);
        let wrong = outcome(rule, &mut AlwaysOnTarget);
        assert_eq!(right.iterations, wrong.iterations, "{rule:?}");
        assert_eq!(right.actions, wrong.actions, "{rule:?}");
        assert_eq!(right.reason, wrong.reason, "{rule:?}");
    }
    // G explores, then settles on its fitted best response: the market
    // stops once nobody moved for the window, at the SPE (its gap, measured,
    // is 0 there).
    let settled = outcome(StopRule::Stationary, &mut NashConvCheck);
    assert_eq!(settled.reason, StopReason::Stationary);
    assert!(settled.converged && settled.iterations < 400, "{settled:?}");
    let spent = outcome(StopRule::Budget, &mut NashConvCheck);
    assert_eq!(
        (spent.reason, spent.iterations),
        (StopReason::MaxIterations, 400)
    );
    // The at-target stop believes its check.
    let fooled = outcome(StopRule::AtTarget, &mut AlwaysOnTarget);
    assert_eq!(
        (fooled.reason, fooled.iterations),
        (StopReason::Converged, 5)
    );
}

/// A generalist on a slow timescale (`leader_every = k`) observes every
/// iteration but moves every k-th: zeroth-order G's probe phase turns with
/// its moves, so it climbs to the SPE for every k (it used to play x − h
/// forever for even k), and EXP3 G credits only its own pulls (it used to
/// credit the random start's payoff to arm 0 while waiting for its first
/// move, and each pull k times).
#[test]
fn slow_generalists_learn_from_their_own_moves_only() {
    use openmarket_core::dynamics::rules::exp3::Exp3;
    use openmarket_core::dynamics::rules::zeroth_order::ZerothOrder;
    // Unregulated: G's value is smooth, so a local climb can find its top.
    let g = OpennessGame {
        regulation: None,
        ..openness("openness_baseline.toml")
    };
    let delta = fixed_delta(&g);
    // The SPE's ω from the raw payoffs: G's value against D's best response,
    // on a fine grid (docs/model.md §A.3).
    let spe = (0..=100_000)
        .map(|k| k as f64 / 100_000.0)
        .map(|w| (w, g.u_g(delta, w, g.alpha1_at(delta, w))))
        .fold(
            (0.0, f64::NEG_INFINITY),
            |b, c| if c.1 > b.1 { c } else { b },
        )
        .0;
    let zo = RuleConfig::ZerothOrder(ZerothOrder {
        step: 0.5,
        decay: 0.0,
        spread: 1e-3,
    });
    for k in [1, 2, 3, 4] {
        let game = MarketGame::new(&Market::Pair(g), Some(delta), k);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut start = random_start(&game, &mut rng);
        start[0] = 0.9;
        let r = go(
            &game,
            &[zo, br()],
            Schedule::Sequential,
            start,
            Termination {
                stop: StopRule::Budget,
                ..stop(4000 * k, 1e-9)
            },
            &mut NashConvCheck,
            &mut rng,
        );
        assert!(
            (r.actions[0] - spe).abs() < 0.01,
            "leader_every = {k}: ω = {} against the SPE's {spe}",
            r.actions[0]
        );
    }
    // EXP3 G that never gets to move has learned nothing, whatever the
    // noise.
    let exp3 = RuleConfig::Exp3(Exp3 {
        eta: 0.5,
        gamma: 0.1,
        points: 11,
    });
    let game = MarketGame::new(&Market::Pair(g), Some(delta), 1000);
    let modes: Vec<f64> = (0..8)
        .map(|seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let start = random_start(&game, &mut rng);
            let mut agents = instances(&game, &[exp3, br()], 0.5);
            run(
                &game,
                &mut agents,
                start,
                Setup {
                    schedule: Schedule::Sequential,
                    stop: &Termination {
                        stop: StopRule::Budget,
                        ..stop(999, 1e-9)
                    },
                    check: &mut NashConvCheck,
                },
                &mut rng,
                &mut (),
            )
            .actions[0]
        })
        .collect();
    // Uniform weights: every arm ties, and the mode reported is the last
    // (ω = 1).
    assert!(modes.iter().all(|&m| m == 1.0), "{modes:?}");
}

/// Without `stop` a plain run stops when its agents' play is stationary,
/// not when the judge's target is reached (which no agent can see).
#[test]
fn the_default_stop_reads_no_target() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/openness_baseline.toml"),
    )
    .unwrap()
        + "\n[dynamics]\nrule = \"best_response\"\n";
    let c = config::parse(&text, "openness_baseline.toml").unwrap();
    let d = c.dynamics.expect("the config has [dynamics]");
    assert_eq!(d.stop, None);
    assert_eq!(d.termination.stop, StopRule::Stationary);
}

/// A rule that samples its action can repeat it by chance: a run with one
/// is never stopped as stationary, whatever the window, and runs its budget.
#[test]
fn a_sampling_rule_is_never_stopped_as_stationary() {
    let (g, rules, t) = hedge_race(0.5);
    let learning = RaceLearning::new(&g);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let r = go(
        &learning,
        &rules,
        Schedule::Simultaneous,
        vec![0.0; 3],
        Termination {
            stop: StopRule::Stationary,
            ..stop(3000, 1e-12)
        },
        t.check().as_mut(),
        &mut rng,
    );
    // Hedge's play settles on one profile within a few hundred iterations
    // (its samples then repeat for far longer than the window of 5).
    assert_eq!(r.reason, StopReason::MaxIterations, "{r:?}");
    assert_eq!(r.iterations, 3000);
}

/// `gap_checkpoints` and `epsilon_time` against the gap the observer saw at
/// every iteration: the checkpoints are its values at t = 1, 2, 4, …, and
/// epsilon_time is the first t after which it stayed within tol.
#[test]
fn checkpoints_and_epsilon_time_match_the_observed_gaps() {
    use openmarket_core::dynamics::Trajectory;
    let g = race("race_no_pure_ne.toml");
    let learning = RaceLearning::new(&g);
    let rules = [RuleConfig::FictitiousPlay(FictitiousPlay); 3];
    let t = openmarket_core::race::judge::race(&g, &rules, &[], true);
    for (tol, budget) in [(1e-2, 700), (1e-9, 300), (1.0, 50)] {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut agents = instances(&learning, &rules, 0.0);
        let mut check = t.check();
        let mut seen = Trajectory {
            every: 1,
            points: Vec::new(),
        };
        let r = run(
            &learning,
            &mut agents,
            vec![0.0; 3],
            Setup {
                schedule: Schedule::Simultaneous,
                stop: &Termination {
                    stop: StopRule::Budget,
                    ..stop(budget, tol)
                },
                check: check.as_mut(),
            },
            &mut rng,
            &mut seen,
        );
        let gaps: Vec<(u64, f64)> = seen.points.iter().map(|p| (p.0, p.2)).collect();
        assert_eq!(gaps.len() as u64, r.iterations);
        let at_powers: Vec<f64> = gaps
            .iter()
            .filter(|(t, _)| t & (t - 1) == 0)
            .map(|p| p.1)
            .collect();
        assert_eq!(r.checkpoints, at_powers, "tol {tol}");
        let initial = check_at_start(&learning, &t);
        let last_above = gaps
            .iter()
            .rev()
            .find(|(_, gap)| *gap > tol)
            .map(|p| p.0)
            .or((initial > tol).then_some(0));
        let expected = match last_above {
            None => Some(0),
            Some(a) if a == r.iterations => None,
            Some(a) => Some(a + 1),
        };
        assert_eq!(r.epsilon_time, expected, "tol {tol}");
    }
}

/// The target gap of the all-closed start, as the run's check sees it.
fn check_at_start(learning: &RaceLearning, t: &openmarket_core::experiment::Target) -> f64 {
    let agents = instances(
        learning,
        &[RuleConfig::FictitiousPlay(FictitiousPlay); 3],
        0.0,
    );
    t.check().gap(learning, &[0.0; 3], &agents)
}

/// The rate fit recovers the laws it names from exact sequences: a power
/// law's exponent, a geometric ratio, a hitting time; an exact 0 ends it.
#[test]
fn the_rate_fit_recovers_exact_laws() {
    use openmarket_core::dynamics::rate::{RateKind, fit};
    let power: Vec<f64> = (0..12)
        .map(|k| 3.0 * ((1u64 << k) as f64).powf(-0.5))
        .collect();
    let r = fit(RateKind::Power, &power, None);
    assert!((r.value.unwrap() + 0.5).abs() < 1e-12, "{r:?}");
    assert!(r.se.unwrap() < 1e-9, "{r:?}");
    let geometric: Vec<f64> = (0..10).map(|k| 2.0 * 0.97f64.powi(1 << k)).collect();
    let r = fit(RateKind::Geometric, &geometric, None);
    assert!((r.value.unwrap() - 0.97).abs() < 1e-9, "{r:?}");
    // Noise around t^-1: the fitted exponent within two standard errors.
    let wobbly: Vec<f64> = (0..14)
        .map(|k| ((1u64 << k) as f64).powf(-1.0) * if k % 2 == 0 { 1.1 } else { 0.9 })
        .collect();
    let r = fit(RateKind::Power, &wobbly, None);
    let (b, se) = (r.value.unwrap(), r.se.unwrap());
    assert!(se > 0.0 && (b + 1.0).abs() < 2.0 * se + 0.05, "{r:?}");
    // Arrived at t = 4: the fit uses t = 1, 2 only; too few for an error.
    let arrived = [1.0, 0.5, 0.0, 0.0];
    let r = fit(RateKind::Power, &arrived, None);
    assert!(
        (r.value.unwrap() + 1.0).abs() < 1e-12 && r.se.is_none(),
        "{r:?}"
    );
    assert_eq!(fit(RateKind::Power, &[0.0, 0.0], None).value, None);
    assert_eq!(fit(RateKind::Finite, &power, Some(17)).value, Some(17.0));
    assert_eq!(fit(RateKind::Finite, &power, None).value, None);
}
