//! `openmarket run`: Parquet output, manifest, and bit-identical results
//! with one and two threads.

use std::path::{Path, PathBuf};
use std::process::Command;

use polars::prelude::*;

fn openmarket(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_openmarket"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("openmarket-run-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn read(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

#[test]
fn same_parquet_content_with_one_and_two_threads() {
    let dir = scratch("threads");
    for threads in ["1", "2"] {
        let out = dir.join(format!("t{threads}"));
        let o = openmarket(&[
            "run",
            "configs/quickstart.toml",
            "--out",
            out.to_str().unwrap(),
            "--threads",
            threads,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for file in ["runs.parquet", "equilibria.parquet"] {
        let (a, b) = (
            read(&dir.join("t1").join(file)),
            read(&dir.join("t2").join(file)),
        );
        assert!(a.height() > 0);
        assert!(
            a.equals_missing(&b),
            "{file} differs between 1 and 2 threads"
        );
    }
    // The manifest counts what the files hold.
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("t1/manifest.json")).unwrap())
            .unwrap();
    let runs = read(&dir.join("t1/runs.parquet"));
    assert_eq!(m["rows"]["runs"].as_u64().unwrap() as usize, runs.height());
    assert_eq!(runs.height(), 13 * 3 * 4 * 8);
    for col in [
        "point_id",
        "seed",
        "model.alpha0",
        "model.regulation.theta",
        "dynamics.rule",
        "actions",
        "nash_conv",
        "converged",
        "iterations",
        "termination_reason",
        "cycle_detected",
        "avg_regret",
        "dist_to_equilibrium",
        "regime",
    ] {
        assert!(runs.column(col).is_ok(), "runs.parquet lacks {col}");
    }
    // Nothing partial is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");
    // Best response reaches the closed-form SPE at every point.
    let rules = runs.column("rule").unwrap().str().unwrap().clone();
    let dist = runs
        .column("dist_to_equilibrium")
        .unwrap()
        .f64()
        .unwrap()
        .clone();
    for k in 0..runs.height() {
        if rules.get(k) == Some("best_response") {
            assert!(dist.get(k).unwrap() < 1e-6);
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn run_refuses_bad_targets_and_replaces_a_previous_experiment() {
    let o = openmarket(&[
        "run",
        "configs/openness_baseline.toml",
        "--out",
        "/nonexistent/x",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no [dynamics] section"));
    let dir = scratch("exists");
    let o = openmarket(&[
        "run",
        "configs/quickstart.toml",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    std::fs::remove_dir_all(&dir).ok();
}
