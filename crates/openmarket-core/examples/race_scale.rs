//! Scale of the race solvers, for BENCHMARKS.md (a benchmark, not a test):
//! the largest n enumerated within 2 s, and the MIP existence decision for
//! n = 10, 20, 40 on random lead and share instances.
//!
//! cargo run --release -p openmarket-core --example race_scale [--features highs] [-- --mip-only | --enumerate-only] [--share-only]

use std::time::Instant;

use openmarket_core::mip::default_backend;
use openmarket_core::race::enumerate::Enumeration;
use openmarket_core::race::mip::DiscreteMip;
use openmarket_core::race::{RaceGame, RaceSolver, Utility};

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
            let g = RaceGame::random(n, Utility::Lead, n as u64);
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
                let g = RaceGame::random(n, utility, 100 + seed);
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
                utility.as_ref(),
                median(times)
            );
        }
    }
}
