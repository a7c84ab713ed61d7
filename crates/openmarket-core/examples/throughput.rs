//! Dynamics throughput, for BENCHMARKS.md (a benchmark, not a test):
//! agent-updates per second per core with exact best responses on the
//! openness market and on an n = 8 discrete race, on 1 and 2 threads, and
//! the cost of one closed-form best response alone.
//!
//! cargo run --release -p openmarket-core --example throughput [-- --quick]
//!
//! An agent-update is one agent's update in one iteration; each iteration
//! also computes the profile's exact NashConv (every agent's best response
//! again), which the runner needs for its convergence test.
//!
//! Then a learning regulator (UCB1 over (θ, p), 1000 steps per run) on the
//! baseline market: regulator steps per second, each step a market that
//! learns from a fresh start until it converges, plus the check of the
//! recommendation against the optimum.

use std::hint::black_box;
use std::time::Instant;

use openmarket_core::config::{self, ModelConfig};
use openmarket_core::dynamics::StopRule;
use openmarket_core::dynamics::rules::RuleConfig;
use openmarket_core::dynamics::rules::best_response::BestResponse;
use openmarket_core::dynamics::{
    AsDynGame, LearningGame, NashConvCheck, Schedule, Setup, Termination, run,
};
use openmarket_core::experiment::{instances, run_one, solve_point};
use openmarket_core::openness::learning::MarketGame;
use openmarket_core::openness::{Market, Openness};
use openmarket_core::plan::expand;
use openmarket_core::race::learning::RaceLearning;
use openmarket_core::race::{Actions, Leakage, Nontrivial, RaceGame, RaceParams, Utility};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

const OPENNESS: &str = r#"
[model]
family = "openness"
alpha0 = 0.2
r = 1.0
c0 = 1.0
c1 = 1.0
epsilon = 0.1
[model.bargaining]
rule = "fixed"
delta = 0.8
[model.regulation]
theta = 0.6
penalty = 0.05
"#;

fn race(n: usize, seed: u64) -> RaceGame {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let head_start: Vec<f64> = (0..n).map(|_| rng.random_range(1.0..10.0)).collect();
    RaceGame::new(RaceParams {
        leakage: Leakage::Proportional(0.25),
        boost: (0..n).map(|_| rng.random_range(0.0..3.0)).collect(),
        cost: vec![0.0; n],
        head_start,
        utility: Utility::Lead,
        prize: 1.0,
        rho: 0.0,
        actions: Actions::Discrete,
        nontrivial: Nontrivial::SomeOpen,
    })
    .expect("valid race")
}

/// Runs of `iterations` BR iterations each (never stopping early), spread
/// over `threads`, each run with its own game from `make` (as the runner
/// does: a game may cache per run); returns agent-updates per second.
fn throughput<G: LearningGame + AsDynGame>(
    make: &(dyn Fn() -> G + Sync),
    schedule: Schedule,
    runs: u64,
    iterations: u64,
    threads: usize,
) -> f64 {
    let stop = Termination {
        max_iterations: iterations,
        tol: -1.0,
        still: -1.0,
        window: u64::MAX,
        stop_on_cycle: false,
        stop: StopRule::AtTarget,
    };
    let agents = make().agents() as u64;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let start = Instant::now();
    let total: u64 = pool.install(|| {
        (0..runs)
            .into_par_iter()
            .map(|r| {
                let game = &make();
                let mut rng = ChaCha8Rng::seed_from_u64(r);
                let start: Vec<f64> = (0..game.agents())
                    .map(|i| game.space(i).sample(&mut rng))
                    .collect();
                let rule = RuleConfig::BestResponse(BestResponse { inertia: 1.0 });
                let mut rules = instances(game, &vec![rule; game.agents()], 0.0);
                let res = run(
                    game,
                    &mut rules,
                    start,
                    Setup {
                        schedule,
                        stop: &stop,
                        check: &mut NashConvCheck,
                    },
                    &mut rng,
                    &mut (),
                );
                res.iterations
            })
            .sum()
    });
    (total * agents) as f64 / start.elapsed().as_secs_f64()
}

fn report<G: LearningGame + AsDynGame>(
    name: &str,
    make: &(dyn Fn() -> G + Sync),
    schedule: Schedule,
    runs: u64,
    iters: u64,
    reps: usize,
) {
    let one = median(
        (0..reps)
            .map(|_| throughput(make, schedule, runs, iters, 1))
            .collect(),
    );
    let two = median(
        (0..reps)
            .map(|_| throughput(make, schedule, runs, iters, 2))
            .collect(),
    );
    println!(
        "  {name}: 1 thread {:.1} M agent-updates/s; 2 threads {:.1} M/s ({:.1} M/s/core); scaling {:.2}×",
        one / 1e6,
        two / 1e6,
        two / 2e6,
        two / one
    );
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let reps = if quick { 1 } else { 5 };
    let ModelConfig::Openness(Openness {
        market: Market::Pair(g),
        ..
    }) = config::parse(OPENNESS, "bench").unwrap().model
    else {
        unreachable!()
    };
    let delta = g.solve().delta;
    let market = MarketGame::new(&Market::Pair(g), Some(delta), 1);
    let race8 = race(8, 1);

    // One closed-form best response, alone: the physical limit (D's α1*(ω);
    // G's best response to its fit is computed only when the fit changes).
    let calls = if quick { 1_000_000 } else { 20_000_000 };
    let mut profile = [0.3, 0.5];
    let start = Instant::now();
    let mut acc = 0.0;
    for k in 0..calls {
        profile[0] = (k % 1000) as f64 * 1e-3;
        acc += market.best_response(black_box(1), black_box(&profile));
    }
    black_box(acc);
    let ns_br = start.elapsed().as_nanos() as f64 / calls as f64;
    println!("closed-form best response (openness, D's α1*(ω)): {ns_br:.1} ns per call");

    let (runs, iters) = if quick { (200, 1_000) } else { (2_000, 10_000) };
    println!("exact best-response dynamics, {runs} runs × {iters} iterations, median of {reps}:");
    // The market plays in stage order; G best-responds to its fitted model
    // of D (refitted whenever an observation changes it), D to the ω it sees.
    report(
        "openness market (2 agents, G fits D)",
        &|| MarketGame::new(&Market::Pair(g), Some(delta), 1),
        Schedule::Sequential,
        runs,
        iters,
        reps,
    );
    report(
        "race, n = 8, lead, discrete",
        &|| RaceLearning::new(&race8),
        Schedule::Simultaneous,
        runs,
        iters,
        reps,
    );
    regulator(quick, reps);
}

const REGULATED: &str = r#"
[model]
family = "openness"
alpha0 = 0.2
r = 1.0
c0 = 1.0
c1 = 1.0
epsilon = 0.1
[model.bargaining]
rule = "fixed"
delta = 0.8
[regulator]
objective = "surplus"
outer_iterations = 1000
[dynamics]
rule = "best_response"
tol = 1e-9
[dynamics.regulator]
rule = "ucb1"
"#;

/// Regulator steps per second over whole regulated runs, 1 and 2 threads.
fn regulator(quick: bool, reps: usize) {
    let plan = expand(REGULATED, "bench").unwrap();
    let point = &plan.points[0];
    let solution = solve_point(0, &point.config).unwrap();
    let runs = if quick { 8 } else { 64 };
    let steps = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let start = Instant::now();
        let (steps, iterations): (u64, u64) = pool.install(|| {
            (0..runs)
                .into_par_iter()
                .map(|r| {
                    let (row, _) = run_one(point, &solution, r, 1, 0);
                    (row.regulator.unwrap().steps, row.iterations)
                })
                .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
        });
        let t = start.elapsed().as_secs_f64();
        (steps as f64 / t, iterations as f64 / steps as f64)
    };
    let one = median((0..reps).map(|_| steps(1).0).collect());
    let (two, per_step) = steps(2);
    let two = median(
        std::iter::once(two)
            .chain((1..reps).map(|_| steps(2).0))
            .collect(),
    );
    println!(
        "learning regulator (ucb1, surplus, G and D best response), {runs} runs × 1000 steps, median of {reps}:"
    );
    println!(
        "  1 thread {:.0} k steps/s; 2 threads {:.0} k steps/s ({:.0} k/s/core); scaling {:.2}×; {per_step:.1} market iterations per step",
        one / 1e3,
        two / 1e3,
        two / 2e3,
        two / one
    );
}
