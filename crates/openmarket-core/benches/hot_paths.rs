//! Criterion benchmarks of the hot paths (BENCHMARKS.md):
//! the openness SPE solve, a sector's SPE at K = 20, 1,000 and 100,000
//! specialists, one dynamics update per rule, race enumeration at
//! n = 16, 20, 24, and the MIP existence decision at n = 10, 20, 40.
//!
//!   cargo bench -p openmarket-core --bench hot_paths [--features highs] [-- FILTER]
//!
//! The MIP at n = 20 and 40 runs only with HiGHS (`--features highs`): the
//! pure-Rust microlp takes minutes there (BENCHMARKS.md).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use openmarket_core::config::{self, ModelConfig};
use openmarket_core::domain::ParamValues;
use openmarket_core::dynamics::rules::{RuleConfig, RuleKind};
use openmarket_core::dynamics::{LearningGame, View};
use openmarket_core::experiment::instances;
use openmarket_core::mip;
use openmarket_core::openness::OpennessGame;
use openmarket_core::openness::learning::MarketGame;
use openmarket_core::openness::{Market, Openness};
use openmarket_core::race::enumerate::Enumeration;
use openmarket_core::race::learning::RaceLearning;
use openmarket_core::race::mip::DiscreteMip;
use openmarket_core::race::{RaceGame, RaceSolver, Utility};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn openness(bargaining: &str) -> OpennessGame {
    let text = format!(
        "[model]\nfamily = \"openness\"\nalpha0 = 0.2\nr = 1.0\nc0 = 1.0\nc1 = 1.0\nepsilon = 0.1\n\
         [model.bargaining]\n{bargaining}\n[model.regulation]\ntheta = 0.6\npenalty = 0.05\n"
    );
    match config::parse(&text, "bench").unwrap().model {
        ModelConfig::Openness(Openness {
            market: Market::Pair(g),
            ..
        }) => g,
        _ => unreachable!(),
    }
}

/// A sector of K specialists drawn as in experiments/sector_size.toml,
/// regulated, so that specialists enter and leave over ω.
fn sector(k: usize) -> openmarket_core::openness::sector::Sector {
    let text = format!(
        "[model]\nfamily = \"openness\"\nalpha0 = 0.1\nc0 = 1.0\nepsilon = 0.02\n\
         [model.regulation]\ntheta = 0.6\npenalty = 0.05\n\
         [model.population]\nk = {k}\nseed = 3\nr = {{ uniform = {{ low = 0.5, high = 2.0 }} }}\n\
         c1 = {{ lognormal = {{ median = 1.0, sigma = 0.3 }} }}\nlambda = 0.9\n\
         entry_cost = {{ lognormal = {{ median = 0.1, sigma = 1.0 }} }}\n"
    );
    match config::parse(&text, "bench").unwrap().model {
        ModelConfig::Openness(Openness {
            market: Market::Sector(m),
            ..
        }) => m,
        _ => unreachable!(),
    }
}

fn sector_spe(c: &mut Criterion) {
    let mut g = c.benchmark_group("sector_spe");
    for k in [20, 1000, 100_000] {
        let m = sector(k);
        g.bench_function(BenchmarkId::from_parameter(k), |b| {
            b.iter(|| black_box(&m).solve())
        });
    }
    g.finish();
}

fn spe(c: &mut Criterion) {
    let mut g = c.benchmark_group("openness_spe");
    for (name, rule) in [
        ("fixed_delta", "rule = \"fixed\"\ndelta = 0.8"),
        ("nash_bargaining", "rule = \"nash\""),
    ] {
        let game = openness(rule);
        g.bench_function(name, |b| b.iter(|| black_box(&game).solve()));
    }
    g.finish();
}

/// Every rule, with its default parameters.
fn rules() -> Vec<RuleConfig> {
    <RuleKind as strum::VariantArray>::VARIANTS
        .iter()
        .map(|k| k.configure(&ParamValues::default()))
        .collect()
}

/// One agent's update plus its end-of-iteration bookkeeping, per rule
/// (default parameters), on the openness market and on an n = 8 race.
fn dynamics_step(c: &mut Criterion) {
    let base = openness("rule = \"fixed\"\ndelta = 0.8");
    let market = MarketGame::new(&Market::Pair(base), Some(0.8), 1);
    let race8 = RaceGame::random(8, Utility::Lead, 1);
    let race_game = RaceLearning::new(&race8);
    let mut g = c.benchmark_group("dynamics_step");
    for (label, game) in [
        ("openness", &market as &dyn LearningGame),
        ("race8", &race_game as &dyn LearningGame),
    ] {
        for rule in rules() {
            if (0..game.agents()).any(|i| rule.check(game, i).is_err()) {
                continue;
            }
            let mut rng = ChaCha8Rng::seed_from_u64(3);
            let profile: Vec<f64> = (0..game.agents())
                .map(|i| game.space(i).sample(&mut rng))
                .collect();
            let mut agents = instances(game, &vec![rule; game.agents()], 0.0);
            for (i, a) in agents.iter_mut().enumerate() {
                a.init(&View::new(game, i), &profile, &mut rng);
            }
            let kind: &'static str = rule.kind().into();
            let id = BenchmarkId::new(kind, label);
            let mut t = 0u64;
            g.bench_function(id, |b| {
                b.iter(|| {
                    t += 1;
                    let i = (t % game.agents() as u64) as usize;
                    let view = View::new(game, i);
                    let a = agents[i].update(&view, black_box(&profile), t, &mut rng);
                    agents[i].observe(&view, &profile, &mut rng);
                    a
                })
            });
        }
    }
    g.finish();
}

fn enumeration(c: &mut Criterion) {
    let mut g = c.benchmark_group("race_enumeration");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    for n in [16, 20, 24] {
        let game = RaceGame::random(n, Utility::Lead, 7);
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| Enumeration::default().solve(black_box(&game)).unwrap())
        });
    }
    g.finish();
}

fn mip_decision(c: &mut Criterion) {
    let mut g = c.benchmark_group("mip_existence");
    g.sample_size(10);
    let backend = mip::default_backend();
    let sizes: &[(Utility, &str, usize)] = if cfg!(feature = "highs") {
        &[
            (Utility::Share, "share", 10),
            (Utility::Share, "share", 20),
            (Utility::Share, "share", 40),
            (Utility::Lead, "lead", 10),
            (Utility::Lead, "lead", 20),
        ]
    } else {
        &[
            (Utility::Share, "share", 10),
            (Utility::Share, "share", 20),
            (Utility::Share, "share", 40),
            (Utility::Lead, "lead", 10),
        ]
    };
    for &(utility, label, n) in sizes {
        let game = RaceGame::random(n, utility, 11);
        let id = BenchmarkId::new(format!("{label}/{}", backend.name()), n);
        g.bench_function(id, |b| {
            b.iter(|| {
                DiscreteMip::new(backend)
                    .decide_nontrivial(black_box(&game))
                    .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    spe,
    sector_spe,
    dynamics_step,
    enumeration,
    mip_decision
);
criterion_main!(benches);
