//! Where a sweep's time goes without any output: planning, the exact
//! solutions, the runs (1 thread), for the 10^6-run sweep of BENCHMARKS.md.
//!
//!   cargo run --release -p openmarket-core --example sweep_phases -- [CONFIG]

use std::time::Instant;

use openmarket_core::experiment::{run_one, solve_point};
use openmarket_core::plan;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "experiments/regime_map.toml".into());
    let text = std::fs::read_to_string(&path).expect("config");
    let text = text.replace("seeds_per_point = 1\n", "seeds_per_point = 60\n");
    let t = Instant::now();
    let plan = plan::expand(&text, &path).expect("plan");
    let t_plan = t.elapsed();
    let t = Instant::now();
    let sols: Vec<_> = plan
        .points
        .iter()
        .map(|p| solve_point(p.index, &p.config).expect("solve"))
        .collect();
    let t_solve = t.elapsed();
    let t = Instant::now();
    let mut rows = Vec::with_capacity(plan.runs() as usize);
    for (p, s) in plan.points.iter().zip(&sols) {
        for r in 0..plan.seeds_per_point {
            rows.push(run_one(p, s, r, plan.master_seed, 0).0);
        }
    }
    let t_runs = t.elapsed();
    let t = Instant::now();
    drop(rows);
    let t_drop = t.elapsed();
    println!(
        "{} points, {} runs: plan {:.3} s, solve {:.3} s, runs {:.3} s ({:.2} µs/run), drop {:.3} s",
        plan.points.len(),
        plan.runs(),
        t_plan.as_secs_f64(),
        t_solve.as_secs_f64(),
        t_runs.as_secs_f64(),
        t_runs.as_secs_f64() * 1e6 / plan.runs() as f64,
        t_drop.as_secs_f64()
    );
}
