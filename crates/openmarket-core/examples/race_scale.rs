//! Scale of the race solvers, for BENCHMARKS.md (a benchmark, not a test):
//! the largest n enumerated within 2 s, and the MIP existence decision on
//! random instances, by formulation and utility.
//!
//! cargo run --release -p openmarket-core --example race_scale [--features highs] -- [--mip-only | --enumerate-only | --sparse] [--utility lead|gap|share] [--n 10,20,40] [--formulation witness|selection] [--instances K] [--limit SECONDS] [--warm-start]
//!
//! `--sparse [--n 24,28] [--instances K]`: enumeration of K races drawn as
//! issue 25 draws them (seeds n + 1000k), each timed thrice.

use std::time::{Duration, Instant};

use openmarket_core::mip::default_backend;
use openmarket_core::race::enumerate::Enumeration;
use openmarket_core::race::mip::{DiscreteMip, Formulation, dominant};
use openmarket_core::race::{
    Actions, Leakage, Nontrivial, RaceGame, RaceParams, RaceSolver, SolveError, Utility,
};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// A lead race drawn as the issue "The paper's question at the paper's
/// scale" draws them: head starts uniform in [1, 12], boosts in [0, 5],
/// each off-diagonal leak uniform in [0, 5] with probability 0.3, else 0;
/// no cost. Harder than [`RaceGame::random`], whose opening is nearly
/// dominant.
fn sparse(n: usize, seed: u64) -> RaceGame {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let head_start: Vec<f64> = (0..n).map(|_| rng.random_range(1.0..12.0)).collect();
    let boost: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..5.0)).collect();
    let matrix: Vec<Vec<f64>> = (0..n)
        .map(|j| {
            (0..n)
                .map(|i| {
                    if i != j && rng.random_bool(0.3) {
                        rng.random_range(0.0..5.0)
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    RaceGame::new(RaceParams {
        leakage: Leakage::Matrix(matrix),
        boost,
        cost: vec![0.0; n],
        head_start,
        utility: Utility::Lead,
        prize: 1.0,
        rho: 1.0,
        actions: Actions::Discrete,
        nontrivial: Nontrivial::SomeOpen,
    })
    .expect("parameters in range")
}

/// Enumerate every pure NE of `g` three times; print the median, the
/// labs with a strictly dominant action (not walked) and the cost per
/// profile walked, per core.
fn time_enumeration(g: &RaceGame) -> f64 {
    let n = g.n();
    let mut found = 0;
    let t: Vec<f64> = (0..3)
        .map(|_| {
            let s = Instant::now();
            let sol = Enumeration::default().solve(g).unwrap();
            found = sol.equilibria.len();
            s.elapsed().as_secs_f64()
        })
        .collect();
    let m = median(t);
    let fixed = dominant(g).iter().filter(|d| d.is_some()).count();
    let walked = (1u64 << (n - fixed)) as f64;
    println!(
        "  n = {n:2}: {m:8.3} s, {found} pure NE; {fixed} dominant labs, 2^{} profiles walked at {:.1} ns each per core",
        n - fixed,
        m * 1e9 * rayon::current_num_threads() as f64 / walked
    );
    m
}

fn main() {
    if std::env::args().any(|a| a == "--sparse") {
        println!("threads: {}", rayon::current_num_threads());
        let sizes: Vec<usize> = arg("--n")
            .unwrap_or_else(|| "20,22,24,25,26".into())
            .split(',')
            .map(|s| s.parse().expect("a list of n"))
            .collect();
        let instances: u64 = arg("--instances").map_or(1, |k| k.parse().expect("a count"));
        println!("enumeration (lead, sparse random leakage), median of 3 per instance:");
        for n in sizes {
            let times: Vec<f64> = (0..instances)
                .map(|k| time_enumeration(&sparse(n, n as u64 + 1000 * k)))
                .collect();
            if instances > 1 {
                let worst = times.iter().copied().fold(0.0, f64::max);
                println!(
                    "  n = {n:2}: median {:.3} s, worst {worst:.3} s over {instances} instances",
                    median(times)
                );
            }
        }
        return;
    }
    let mip_only = std::env::args().any(|a| a == "--mip-only");
    let enum_only = std::env::args().any(|a| a == "--enumerate-only");
    println!("threads: {}", rayon::current_num_threads());
    if !mip_only {
        println!("enumeration (lead, random matrix leakage), median of 3:");
        for n in [16, 20, 22, 24, 25, 26] {
            time_enumeration(&RaceGame::random(n, Utility::Lead, n as u64));
        }
    }
    if enum_only {
        return;
    }
    let utilities: Vec<Utility> = match arg("--utility") {
        Some(u) => vec![match u.as_str() {
            "lead" => Utility::Lead,
            "gap" => Utility::Gap,
            "share" => Utility::Share,
            other => panic!("--utility {other}: lead, gap or share"),
        }],
        None => vec![Utility::Lead, Utility::Gap, Utility::Share],
    };
    let sizes: Vec<usize> = arg("--n")
        .unwrap_or_else(|| "10,20,24,40,60".into())
        .split(',')
        .map(|s| s.parse().expect("a list of n"))
        .collect();
    let formulations: Vec<Formulation> = match arg("--formulation") {
        Some(f) => vec![Formulation::parse(&f).unwrap()],
        None => vec![Formulation::Witness, Formulation::Selection],
    };
    let instances: u64 = arg("--instances").map_or(5, |s| s.parse().unwrap());
    let limit: f64 = arg("--limit").map_or(60.0, |s| s.parse().unwrap());
    // The MIP alone unless asked: the warm start answers most random
    // instances before any model is built, which measures the heuristic.
    let warm_start = std::env::args().any(|a| a == "--warm-start");
    println!(
        "MIP existence decision ({}), median of {instances} instances (seeds 100…), limit {limit} s per instance, warm start {warm_start}:",
        default_backend().name()
    );
    for &utility in &utilities {
        for &formulation in &formulations {
            for &n in &sizes {
                let mut times = Vec::new();
                let mut answers = Vec::new();
                for seed in 0..instances {
                    let g = RaceGame::random(n, utility, 100 + seed);
                    let s = Instant::now();
                    let w = DiscreteMip {
                        formulation,
                        time_limit: Some(Duration::from_secs_f64(limit)),
                        warm_start,
                        ..DiscreteMip::new(default_backend())
                    }
                    .decide_nontrivial(&g);
                    times.push(s.elapsed().as_secs_f64());
                    answers.push(match w {
                        Ok(Some(_)) => "yes",
                        Ok(None) => "no",
                        Err(SolveError::TimeLimit { .. }) => "timeout",
                        Err(e) => panic!("{e}"),
                    });
                }
                println!(
                    "  {:5} {:9} n = {n:3}: median {:9.4} s  max {:9.4} s  {answers:?}",
                    utility.as_ref(),
                    <&str>::from(formulation),
                    median(times.clone()),
                    times.iter().copied().fold(0.0, f64::max),
                );
            }
        }
    }
}
