//! Scale of the race solvers, for BENCHMARKS.md (a benchmark, not a test):
//! the largest n enumerated within 2 s, and the MIP existence decision on
//! random instances, by formulation and utility.
//!
//! cargo run --release -p openmarket-core --example race_scale [--features highs] -- [--mip-only | --enumerate-only | --sparse] [--utility lead|gap|share] [--n 10,20,40] [--formulation witness|selection] [--instances K] [--limit SECONDS] [--warm-start] [--draws sparse]
//!
//! `--sparse [--n 24,28] [--instances K]`: enumeration of K races drawn as
//! issue 25 draws them (seeds n + 1000k), each timed thrice.
//!
//! `--questions [--utility lead|gap|share] [--kind yes|no] [--question
//! exists|count|all] [--method auto|enumerate|mip] [--n 16,20] [--instances
//! K] [--limit SECONDS]`: one question by one method on K instances per n:
//! `yes` draws sparse races (`race::instances::sparse`, mostly "yes"),
//! `no` builds races without a non-trivial pure NE
//! (`race::instances::without_nontrivial`); seeds n + 1000k.

use std::time::{Duration, Instant};

use openmarket_core::method::Method;
use openmarket_core::mip::default_backend;
use openmarket_core::race::enumerate::Enumeration;
use openmarket_core::race::instances;
use openmarket_core::race::mip::{DiscreteMip, Formulation, dominant};
use openmarket_core::race::solve::{Answer, Choice, Options, Question, answer, auto_for};
use openmarket_core::race::{RaceGame, RaceSolver, SolveError, Utility};

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

fn sparse(n: usize, seed: u64) -> RaceGame {
    instances::sparse(n, Utility::Lead, seed)
}

/// `--questions`: one question answered by one method on K instances,
/// "yes" ones (sparse draws) or "no" ones (constructed), one line.
fn questions() {
    let utility = match arg("--utility").as_deref() {
        None | Some("lead") => Utility::Lead,
        Some("gap") => Utility::Gap,
        Some("share") => Utility::Share,
        Some(other) => panic!("--utility {other}: lead, gap or share"),
    };
    let kind = arg("--kind").unwrap_or_else(|| "yes".into());
    let question = Question::parse(&arg("--question").unwrap_or_else(|| "exists".into())).unwrap();
    let method = arg("--method").unwrap_or_else(|| "auto".into());
    let choice = Choice::parse(&method).unwrap();
    let instances: u64 = arg("--instances").map_or(3, |k| k.parse().expect("a count"));
    let limit: f64 = arg("--limit").map_or(60.0, |s| s.parse().unwrap());
    let sizes: Vec<usize> = arg("--n")
        .unwrap_or_else(|| "16,20,24".into())
        .split(',')
        .map(|s| s.parse().expect("a list of n"))
        .collect();
    let o = Options {
        backend: default_backend(),
        progress: None,
        formulation: Formulation::Witness,
        time_limit: Some(Duration::from_secs_f64(limit)),
    };
    for n in sizes {
        let (mut times, mut answers) = (Vec::new(), Vec::new());
        let mut auto = Method::Enumerate;
        for k in 0..instances {
            let g = match kind.as_str() {
                "yes" => instances::sparse(n, utility, n as u64 + 1000 * k),
                _ => instances::without_nontrivial(n, utility, n as u64 + 1000 * k),
            };
            auto = auto_for(&g, question);
            let s = Instant::now();
            let a = answer(&g, question, choice, &o);
            times.push(s.elapsed().as_secs_f64());
            answers.push(match a {
                Ok(Answer::Exists {
                    nontrivial_exists,
                    status,
                    ..
                }) => {
                    format!("{nontrivial_exists:?}/{}", <&str>::from(status))
                }
                Ok(Answer::Count {
                    count,
                    nontrivial,
                    status,
                    ..
                }) => {
                    format!("{count:?},{nontrivial:?}/{}", <&str>::from(status))
                }
                Ok(Answer::All(sol)) => format!(
                    "{} NE{}",
                    sol.equilibria.len(),
                    if sol.nontrivial_exists {
                        ""
                    } else {
                        " (none non-trivial)"
                    }
                ),
                Err(e) => format!("error: {e}"),
            });
        }
        println!(
            "{:5} n = {n:2} {kind:3} {:6} {method:9} ({}): median {:9.3} s, max {:9.3} s; auto = {}; {answers:?}",
            utility.as_ref(),
            <&str>::from(question),
            default_backend().name(),
            median(times.clone()),
            times.iter().copied().fold(0.0, f64::max),
            <&str>::from(auto),
        );
    }
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
    if std::env::args().any(|a| a == "--questions") {
        questions();
        return;
    }
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
    // `--draws sparse`: issue 25's draws (seeds n + 1000k) instead of
    // `RaceGame::random`.
    let sparse_draws = arg("--draws").as_deref() == Some("sparse");
    println!(
        "MIP existence decision ({}), median of {instances} instances ({}), limit {limit} s per instance, warm start {warm_start}:",
        default_backend().name(),
        if sparse_draws {
            "sparse draws, seeds n + 1000k"
        } else {
            "RaceGame::random, seeds 100…"
        }
    );
    for &utility in &utilities {
        for &formulation in &formulations {
            for &n in &sizes {
                let mut times = Vec::new();
                let mut answers = Vec::new();
                for seed in 0..instances {
                    let g = if sparse_draws {
                        instances::sparse(n, utility, n as u64 + 1000 * seed)
                    } else {
                        RaceGame::random(n, utility, 100 + seed)
                    };
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
