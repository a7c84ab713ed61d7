//! Scale of the race solvers, for BENCHMARKS.md (a benchmark, not a test):
//! the largest n enumerated within 2 s, and the MIP existence decision for
//! n = 10, 20, 40 on random lead and share instances.
//!
//! cargo run --release -p openmarket-core --example race_scale [--features highs] [-- --mip-only | --enumerate-only] [--share-only]

use std::time::Instant;

use openmarket_core::mip::default_backend;
use openmarket_core::race::enumerate::Enumeration;
use openmarket_core::race::mip::DiscreteMip;
use openmarket_core::race::{Actions, Leakage, Nontrivial, RaceGame, RaceSolver, Utility};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn game(n: usize, utility: Utility, seed: u64) -> RaceGame {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let head_start: Vec<f64> = (0..n).map(|_| rng.random_range(1.0..10.0)).collect();
    let matrix: Vec<Vec<f64>> = (0..n)
        .map(|j| {
            (0..n)
                .map(|i| {
                    if i == j {
                        0.0
                    } else {
                        rng.random_range(0.0..2.0) / n as f64 * 4.0
                    }
                })
                .collect()
        })
        .collect();
    RaceGame {
        leak: Leakage::Matrix(matrix).build(&head_start),
        boost: (0..n).map(|_| rng.random_range(0.0..3.0)).collect(),
        cost: vec![0.0; n],
        head_start,
        utility,
        prize: 1.0,
        rho: 1.0,
        actions: Actions::Discrete,
        nontrivial: Nontrivial::SomeOpen,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mip_only = std::env::args().any(|a| a == "--mip-only");
    let enum_only = std::env::args().any(|a| a == "--enumerate-only");
    println!("threads: {}", rayon::current_num_threads());
    if !mip_only {
        println!("enumeration (lead, random matrix leakage), median of 3:");
        for n in [16, 20, 22, 24, 25, 26] {
            let g = game(n, Utility::Lead, n as u64);
            let t: Vec<f64> = (0..3)
                .map(|_| {
                    let s = Instant::now();
                    let sol = Enumeration::default().solve(&g).unwrap();
                    std::hint::black_box(sol);
                    s.elapsed().as_secs_f64()
                })
                .collect();
            let m = median(t);
            println!(
                "  n = {n:2}: {m:8.3} s  ({:.1} ns/profile)",
                m * 1e9 / (1u64 << n) as f64
            );
        }
    }
    if enum_only {
        return;
    }
    println!(
        "MIP existence decision ({}), median of 3 instances:",
        default_backend().name()
    );
    let share_only = std::env::args().any(|a| a == "--share-only");
    let utilities: &[Utility] = if share_only {
        &[Utility::Share]
    } else {
        &[Utility::Lead, Utility::Share]
    };
    for &utility in utilities {
        for n in [10, 20, 40] {
            let mut times = Vec::new();
            let mut answers = Vec::new();
            for seed in 0..3 {
                let g = game(n, utility, 100 + seed);
                let s = Instant::now();
                let w = DiscreteMip {
                    backend: default_backend(),
                }
                .decide_nontrivial(&g)
                .unwrap();
                times.push(s.elapsed().as_secs_f64());
                answers.push(w.is_some());
            }
            println!(
                "  {:5} n = {n:2}: {:8.3} s  (non-trivial NE exists: {answers:?})",
                utility.name(),
                median(times)
            );
        }
    }
}
