//! Criterion: writing a million run rows (and their points' equilibria) to
//! zstd Parquet through Polars, as `openmarket run` does for one block.
//!
//!   cargo bench --bench parquet

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use openmarket::output::Store;
use openmarket_core::concept::Concept;
use openmarket_core::dynamics::StopReason;
use openmarket_core::dynamics::rate::{Rate, RateKind};
use openmarket_core::dynamics::rules::RuleKind;
use openmarket_core::experiment::runner::Sink;
use openmarket_core::experiment::{Batch, EquilibriumRow, RunRow, Shard};
use openmarket_core::method::Method;
use openmarket_core::openness::Regime;
use openmarket_core::plan;

const SEEDS: u64 = 8;
const POINTS: usize = 125_000;

fn batch() -> (plan::Plan, Batch) {
    let config = format!(
        "[model]\nfamily = \"openness\"\nalpha0 = 0.2\nr = 1.0\nc0 = 1.0\nc1 = 1.0\n[model.regulation]\ntheta = 0.6\npenalty = 0.05\n\
         [dynamics]\nrule = \"best_response\"\n[runs]\nseeds_per_point = {SEEDS}\n\
         [sweep]\n\"model.alpha0\" = {{ linspace = {{ start = 0.0, stop = 0.6, num = {POINTS} }} }}\n"
    );
    let plan = plan::expand(&config, "bench").unwrap();
    let mut b = Batch::default();
    for p in 0..POINTS {
        b.equilibria.push(EquilibriumRow {
            point: p,
            solver: Method::ClosedForm,
            index: 0,
            actions: vec![Some(0.6), Some(0.54)],
            strategies: None,
            strict: None,
            nontrivial: None,
            regime: Some(Regime::Comply),
            delta: Some(0.5),
            concept: Concept::Spe,
            target: true,
            held: None,
            temperature: None,
            distribution: None,
            sector: None,
            answer: None,
            welfare: None,
        });
        for r in 0..SEEDS {
            let x = (p as f64 * 0.37 + r as f64 * 0.11).fract();
            b.runs.push(RunRow {
                point: p,
                replicate: r,
                seed: plan::run_seed(1, p, r),
                rules: vec![RuleKind::BestResponse; 2],
                actions: vec![x, 0.5 + x / 3.0],
                strategies: None,
                payoffs: vec![0.19 + x / 7.0, 0.25 - x / 11.0],
                nash_conv: x * 1e-9,
                converged: r % 3 != 0,
                iterations: 6 + r,
                termination: StopReason::Converged,
                cycle_detected: false,
                avg_regret: None,
                dist_to_equilibrium: Some(x * 1e-7),
                regime: Some(Regime::Comply),
                target: Some(Concept::Spe),
                dist_to_target: Some(x * 1e-7),
                target_gap: Some(x * 1e-9),
                gap_checkpoints: vec![x, x / 2.0, x * 1e-9],
                rate: Some(Rate {
                    kind: RateKind::Finite,
                    value: Some(3.0),
                    se: None,
                }),
                theory: None,
                epsilon_time: Some(3),
                reached: None,
                entrants: None,
                regulator: None,
            });
        }
    }
    (plan, b)
}

fn write(c: &mut Criterion) {
    let (plan, batch) = batch();
    let dir = std::env::temp_dir().join(format!("openmarket-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(dir.with_extension("partial"));
    let store = Store::open(&plan, &dir, Shard::WHOLE, "bench", 0, false).unwrap();
    let mut g = c.benchmark_group("parquet");
    g.sample_size(10);
    g.throughput(Throughput::Elements(batch.runs.len() as u64));
    // Encoding (on a worker thread in a run) and committing (in order).
    g.bench_function("write_1M_run_rows", |b| {
        b.iter_batched(
            || batch.clone(),
            |batch| {
                let part = store.encode(0, black_box(batch)).unwrap();
                store.commit(0, part).unwrap()
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
    drop(store);
    let _ = std::fs::remove_dir_all(dir.with_file_name(format!(
        "{}.partial",
        dir.file_name().unwrap().to_string_lossy()
    )));
}

criterion_group!(benches, write);
criterion_main!(benches);
