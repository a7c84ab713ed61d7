//! `openmarket run`: Parquet output, manifest, and bit-identical results
//! with one and two threads.

mod common;

use std::path::Path;
use std::process::Command;

use common::{assert_same_tables, openmarket, read, run_ok, scratch};

#[test]
fn same_parquet_content_with_one_and_two_threads() {
    let dir = scratch("threads");
    for threads in ["1", "2"] {
        run_ok(
            Path::new("configs/quickstart.toml"),
            &dir.join(format!("t{threads}")),
            Some(threads),
        );
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
    assert_eq!(runs.height(), 13 * 3 * 4 * 8 + 7 * 4 * 8 + 12 * 3 * 8);
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
    // Best response reaches the closed-form SPE at every point of the
    // noiseless studies.
    let rules = runs.column("rule").unwrap().str().unwrap().clone();
    let study = runs.column("study").unwrap().str().unwrap().clone();
    let dist = runs
        .column("dist_to_equilibrium")
        .unwrap()
        .f64()
        .unwrap()
        .clone();
    for k in 0..runs.height() {
        if rules.get(k) == Some("best_response") && study.get(k) != Some("openness_noisy") {
            assert!(dist.get(k).unwrap() < 1e-6);
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn run_refuses_bad_targets_and_replaces_a_previous_experiment() {
    // A plan with points to run and points without [dynamics] is refused
    // (a plan with no [dynamics] at all is solved only).
    let dir = scratch("mixed");
    let mixed = dir.join("mixed.toml");
    std::fs::write(
        &mixed,
        "[[study]]\nname = \"solved\"\n[study.model]\nfamily = \"openness\"\nalpha0 = 0.2\nr = 1.0\nc0 = 1.0\nc1 = 1.0\n\
         [[study]]\nname = \"ran\"\n[study.model]\nfamily = \"openness\"\nalpha0 = 0.2\nr = 1.0\nc0 = 1.0\nc1 = 1.0\n\
         [study.dynamics]\nrule = \"best_response\"\n",
    )
    .unwrap();
    let o = openmarket(&[
        "run",
        mixed.to_str().unwrap(),
        "--out",
        dir.join("x").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no [dynamics] section"));
    assert!(!dir.join("x").exists() && !dir.join("x.partial").exists());
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

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn a_killed_run_leaves_nothing_complete_and_resume_finishes_it() {
    let dir = scratch("resume");
    let out = dir.join("slow");
    let partial = dir.join("slow.partial");
    let mut child = Command::new(env!("CARGO_BIN_EXE_openmarket"))
        .args([
            "run",
            "tests/fixtures/slow.toml",
            "--out",
            out.to_str().unwrap(),
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it (SIGKILL: no chance to clean up) once four blocks are sealed.
    let first = partial.join("parts/block-000003.json");
    let start = std::time::Instant::now();
    while !first.exists() {
        assert!(
            start.elapsed().as_secs() < 120,
            "no block finished in 2 minutes"
        );
        assert!(child.try_wait().unwrap().is_none(), "the run ended early");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !out.exists(),
        "a killed run must not leave {}",
        out.display()
    );
    assert!(partial.exists());

    // Without --resume the interrupted run is not silently overwritten.
    let o = openmarket(&[
        "run",
        "tests/fixtures/slow.toml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("pass --resume"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // A different config cannot resume it.
    let o = openmarket(&[
        "run",
        "configs/quickstart.toml",
        "--out",
        out.to_str().unwrap(),
        "--resume",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("another config"));

    // What a crash inside `finish` can leave beside the parts: a half
    // concatenated table and a manifest. Resume must not trust them.
    std::fs::write(partial.join("runs.parquet"), b"PAR1 half a table").unwrap();
    std::fs::write(partial.join("manifest.json"), b"{ \"half\": ").unwrap();
    // Damage block 0 (one byte of its runs part) and make block 1's
    // equilibria part a copy of block 0's (a foreign part): resume must
    // notice both, name the files, and recompute those blocks.
    let parts = partial.join("parts");
    let runs0 = parts.join("runs-000000.parquet");
    let mut bytes = std::fs::read(&runs0).unwrap();
    let k = bytes.len() / 2;
    bytes[k] ^= 0x40;
    std::fs::write(&runs0, bytes).unwrap();
    std::fs::copy(
        parts.join("equilibria-000000.parquet"),
        parts.join("equilibria-000001.parquet"),
    )
    .unwrap();
    let o = openmarket(&[
        "run",
        "tests/fixtures/slow.toml",
        "--out",
        out.to_str().unwrap(),
        "--resume",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    for file in ["runs-000000.parquet", "equilibria-000001.parquet"] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains("recomputing block") && l.contains(file)),
            "{file}: {stderr}"
        );
    }
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("already done before --resume"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(!partial.exists());
    let m = manifest(&out);
    assert!(!out.join("plan.json").exists());
    assert_eq!(m["rows"]["runs"].as_u64(), Some(64 * 16));

    // The resumed result is the uninterrupted result.
    let clean = dir.join("clean");
    let o = openmarket(&[
        "run",
        "tests/fixtures/slow.toml",
        "--out",
        clean.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert_same_tables(&out, &clean);
    std::fs::remove_dir_all(&dir).ok();
}

/// The quick start cut into `n` shards, each run on one thread into
/// `dir/shardK`.
fn run_shards(dir: &Path, n: usize) -> Vec<std::path::PathBuf> {
    (0..n)
        .map(|k| {
            let s = dir.join(format!("shard{k}"));
            let o = openmarket(&[
                "run",
                "configs/quickstart.toml",
                "--out",
                s.to_str().unwrap(),
                "--shard",
                &format!("{k}/{n}"),
                "--threads",
                "1",
            ]);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            s
        })
        .collect()
}

#[test]
fn shards_merge_into_the_unsharded_output() {
    let dir = scratch("shards");
    let whole = dir.join("whole");
    let o = openmarket(&[
        "run",
        "configs/quickstart.toml",
        "--out",
        whole.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let shards: Vec<String> = run_shards(&dir, 4)
        .iter()
        .map(|s| s.to_str().unwrap().to_string())
        .collect();
    let merged = dir.join("merged");
    // Three of four shards do not cover the plan.
    let mut args = vec!["merge", "--out", merged.to_str().unwrap()];
    args.extend(shards[..3].iter().map(String::as_str));
    let o = openmarket(&args);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is in no shard"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // A shard given twice covers blocks twice.
    let mut args = vec!["merge", "--out", merged.to_str().unwrap()];
    args.extend(shards.iter().map(String::as_str));
    args.push(&shards[0]);
    let o = openmarket(&args);
    assert!(String::from_utf8_lossy(&o.stderr).contains("is in two shards"));
    assert!(!merged.exists());
    // A damaged part in a shard is refused, naming the file.
    let part = Path::new(&shards[1]).join("parts/runs-000001.parquet");
    let good = std::fs::read(&part).unwrap();
    let mut bad = good.clone();
    let k = bad.len() / 2;
    bad[k] ^= 1;
    std::fs::write(&part, &bad).unwrap();
    let mut args = vec!["merge", "--out", merged.to_str().unwrap()];
    args.extend(shards.iter().map(String::as_str));
    let o = openmarket(&args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("runs-000001.parquet") && stderr.contains("does not match its seal"),
        "{stderr}"
    );
    assert!(!merged.exists());
    std::fs::write(&part, &good).unwrap();

    let mut args = vec!["merge", "--out", merged.to_str().unwrap()];
    args.extend(shards.iter().map(String::as_str));
    let o = openmarket(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_same_tables(&whole, &merged);
    assert_eq!(manifest(&merged)["rows"], manifest(&whole)["rows"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_plan_above_the_limit_needs_yes_and_plan_prints_its_size() {
    let dir = scratch("limit");
    let config = dir.join("big.toml");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/openness_baseline.toml"),
    )
    .unwrap()
        + "\n[dynamics]\nrule = \"best_response\"\n[runs]\nseeds_per_point = 1000\n[sweep]\n\"model.alpha0\" = { linspace = { start = 0.0, stop = 0.5, num = 1001 } }\n";
    std::fs::write(&config, text).unwrap();
    let out = dir.join("out");
    let o = openmarket(&[
        "run",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "1001 points × 1000 seeds = 1001000 runs, above the limit of 1000000; pass --yes"
        ),
        "{err}"
    );
    assert!(!out.exists() && !dir.join("out.partial").exists());

    let o = openmarket(&["plan", config.to_str().unwrap()]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("1001 points × 1000 seeds = 1001000 runs"),
        "{text}"
    );
    assert!(text.contains("estimated output"), "{text}");
    let o = openmarket(&["plan", "configs/quickstart.toml"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("220 points × 8 seeds = 1760 runs"), "{text}");
    assert!(text.contains("study openness: 156 points"), "{text}");
    assert!(text.contains("study race: 36 points"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_second_run_replaces_the_first_touches_nothing_else_and_shards_keep_their_own() {
    let dir = scratch("neighbours");
    // A user's folder whose name a careless rename scheme could take.
    let user = dir.join("q.old");
    std::fs::create_dir_all(&user).unwrap();
    std::fs::write(user.join("notes.txt"), "mine").unwrap();
    let out = dir.join("q");
    for _ in 0..2 {
        let o = openmarket(&[
            "run",
            "experiments/race_cycle.toml",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    // The second run replaced the first: nothing else is left beside them.
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["q", "q.old"]);
    assert_eq!(
        std::fs::read_to_string(user.join("notes.txt")).unwrap(),
        "mine"
    );

    // A shard does not replace another shard's (or a whole run's) folder.
    let s = dir.join("s");
    let run = |shard: &str| {
        openmarket(&[
            "run",
            "experiments/race_cycle.toml",
            "--out",
            s.to_str().unwrap(),
            "--shard",
            shard,
        ])
    };
    assert!(run("0/2").status.success());
    let o = run("1/2");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("holds shard 0/2; this run is shard 1/2"),
        "{err}"
    );
    let o = openmarket(&[
        "run",
        "experiments/race_cycle.toml",
        "--out",
        out.to_str().unwrap(),
        "--shard",
        "0/2",
    ]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("holds a whole experiment"));
    let o = openmarket(&["run", "experiments/race_cycle.toml", "--shard", "2/2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("expected K/N with 0 ≤ K < N"));
    std::fs::remove_dir_all(&dir).ok();
}

/// A race of `n` labs (share utility, uniform leakage) with dynamics.
fn race_config(n: usize, extra: &str) -> String {
    let list = |f: &dyn Fn(usize) -> f64| {
        (0..n)
            .map(|i| format!("{:.2}", f(i)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "[model]\nfamily = \"race\"\nutility = \"share\"\nhead_start = [{}]\nboost = [{}]\n{extra}\n\
         [model.leakage]\npreset = \"uniform\"\nbeta = 0.05\n\
         [dynamics]\nrule = \"best_response\"\nmax_iterations = 20\n",
        list(&|i| 1.0 + (i % 7) as f64),
        list(&|i| 0.5 + (i % 3) as f64 * 0.25),
    )
}

#[test]
fn solve_and_run_pick_the_same_solver() {
    let dir = scratch("policy");
    // The policy lists the equilibria of discrete races by enumeration up
    // to 32 labs and by the MIP beyond; `solve` and every point of `run`
    // follow it alike.
    for (n, want) in [(25, "enumerate"), (33, "mip")] {
        let config = dir.join(format!("race{n}.toml"));
        std::fs::write(&config, race_config(n, "")).unwrap();
        let o = openmarket(&["solve", config.to_str().unwrap(), "--json"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["solver"], want, "solve, n = {n}");
        let out = dir.join(format!("out{n}"));
        let o = openmarket(&[
            "run",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let eq = read(&out.join("equilibria.parquet"));
        let solvers = eq.column("solver").unwrap().str().unwrap().clone();
        assert!(eq.height() > 0);
        assert!(solvers.iter().all(|s| s == Some(want)), "run, n = {n}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn plans_that_cannot_run_exit_2_before_any_output() {
    let dir = scratch("cannot");
    let cases = [
        (
            "too_many_labs",
            race_config(65, ""),
            "65 labs; the dynamics take at most 64",
        ),
        (
            "share_cost_continuous",
            race_config(3, "actions = \"continuous\"\ncost = [0.1, 0.0, 0.0]"),
            "needs cost = 0",
        ),
        (
            "gradient_on_discrete",
            race_config(3, "").replace("best_response", "gradient"),
            "needs continuous actions",
        ),
    ];
    for (name, text, want) in cases {
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(&config, text).unwrap();
        let out = dir.join(name);
        let o = openmarket(&[
            "run",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(want), "{name}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: {err}");
        assert!(
            !out.exists() && !dir.join(format!("{name}.partial")).exists(),
            "{name}: something was written"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_crash_after_finish_removed_the_parts_is_resumable() {
    let dir = scratch("resume-noparts");
    let out = dir.join("slow");
    let partial = dir.join("slow.partial");
    let mut child = Command::new(env!("CARGO_BIN_EXE_openmarket"))
        .args([
            "run",
            "tests/fixtures/slow.toml",
            "--out",
            out.to_str().unwrap(),
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let sealed = partial.join("parts/block-000000.json");
    let start = std::time::Instant::now();
    while !sealed.exists() {
        assert!(
            start.elapsed().as_secs() < 120,
            "no block finished in 2 minutes"
        );
        assert!(child.try_wait().unwrap().is_none(), "the run ended early");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The state `finish` leaves between removing parts/ and publishing.
    std::fs::remove_dir_all(partial.join("parts")).unwrap();
    let o = openmarket(&[
        "run",
        "tests/fixtures/slow.toml",
        "--out",
        out.to_str().unwrap(),
        "--resume",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!partial.exists());
    assert_eq!(manifest(&out)["rows"]["runs"].as_u64(), Some(64 * 16));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_worker_panic_ends_the_run_in_one_line_and_resume_finishes_it() {
    let dir = scratch("panic");
    let out = dir.join("q");
    let o = Command::new(env!("CARGO_BIN_EXE_openmarket"))
        .args([
            "run",
            "configs/quickstart.toml",
            "--out",
            out.to_str().unwrap(),
        ])
        .env("OPENMARKET_TEST_PANIC_AT_POINT", "40")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("sweep point 40") && stderr.contains("internal error"),
        "{stderr}"
    );
    assert!(!out.exists() && dir.join("q.partial").exists());
    let o = openmarket(&[
        "run",
        "configs/quickstart.toml",
        "--out",
        out.to_str().unwrap(),
        "--resume",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_closed_stdout_ends_quietly() {
    use std::io::Read;
    for args in [
        vec!["solve", "configs/race_baseline.toml"],
        vec!["solve", "configs/openness_baseline.toml", "--json"],
        vec!["plan", "configs/quickstart.toml"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_openmarket"))
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert!(status.success(), "{args:?}: {status} {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[test]
fn a_full_disk_is_one_line_naming_the_file_and_leaves_nothing_final() {
    // A 256 KiB tmpfs, if this process may mount one (root in CI).
    let dir = scratch("full");
    let mnt = dir.join("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            "size=256k",
            "tmpfs",
            mnt.to_str().unwrap(),
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    if !mounted {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    }
    let out = mnt.join("q");
    let o = openmarket(&[
        "run",
        "configs/quickstart.toml",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    let _ = Command::new("umount").arg(&mnt).status();
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(mnt.to_str().unwrap()),
        "names no file: {stderr}"
    );
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).ok();
}

/// A plan without [dynamics] is solved only: every point's SPE in
/// equilibria.parquet (a sector's per-specialist outcome included), no
/// runs, the same tables on one and two threads, and `summarize` and the
/// sector plot read it.
#[test]
fn a_sector_sweep_without_dynamics_is_solved_only() {
    let dir = scratch("sector");
    let config = dir.join("sector.toml");
    std::fs::write(
        &config,
        "[model]\nfamily = \"openness\"\nalpha0 = 0.1\nc0 = 1.0\n\
         [model.population]\nk = 4\nseed = 1\nr = { uniform = { low = 0.5, high = 2.0 } }\n\
         entry_cost = { lognormal = { median = 0.1, sigma = 0.5 } }\n\
         [sweep]\n\"model.population.k\" = { values = [1, 3, 9] }\n\
         \"model.population.seed\" = { values = [1, 2, 3, 4, 5] }\n",
    )
    .unwrap();
    for threads in ["1", "2"] {
        let o = run_ok(&config, &dir.join(format!("t{threads}")), Some(threads));
        assert!(String::from_utf8_lossy(&o.stdout).contains("15 points solved"));
    }
    let eq = read(&dir.join("t1/equilibria.parquet"));
    assert!(eq.equals_missing(&read(&dir.join("t2/equilibria.parquet"))));
    assert_eq!(eq.height(), 15);
    assert_eq!(read(&dir.join("t1/runs.parquet")).height(), 0);
    // Each row: ω then one α1 per specialist, and as many entry flags.
    let k = eq
        .column("model.population.k")
        .unwrap()
        .i64()
        .unwrap()
        .clone();
    let actions = eq.column("actions").unwrap().list().unwrap().clone();
    let enters = eq
        .column("specialist_enters")
        .unwrap()
        .list()
        .unwrap()
        .clone();
    let entrants = eq.column("entrants").unwrap().u64().unwrap().clone();
    for r in 0..eq.height() {
        let k = k.get(r).unwrap() as usize;
        assert_eq!(actions.get_as_series(r).unwrap().len(), k + 1);
        let flags = enters.get_as_series(r).unwrap();
        let flags = flags.bool().unwrap();
        assert_eq!(flags.len(), k);
        assert_eq!(flags.sum().unwrap() as u64, entrants.get(r).unwrap());
    }
    let o = openmarket(&["plot", dir.join("t1").to_str().unwrap(), "--kind", "sector"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = openmarket(&["summarize", dir.join("t1").to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("solved only"));
}

/// A sector whose agents learn: every specialist best-responds, G fits
/// the sector it observes. Same bytes on 1 and 2 threads; `entrants`
/// counts the specialists in at the run's outcome, as the SPE row does
/// where the run converged.
#[test]
fn a_sector_sweep_with_dynamics_learns_and_counts_entrants() {
    let dir = scratch("sector_learning");
    let config = dir.join("sector.toml");
    std::fs::write(
        &config,
        "[model]\nfamily = \"openness\"\nalpha0 = 0.1\nc0 = 1.0\n\
         [model.population]\nk = 4\nseed = 1\nr = { uniform = { low = 0.5, high = 2.0 } }\n\
         entry_cost = { lognormal = { median = 0.1, sigma = 0.5 } }\n\
         [sweep]\n\"model.population.k\" = { values = [3, 10] }\n\
         \"model.population.seed\" = { values = [1, 2, 3] }\n\
         [dynamics]\nrule = \"best_response\"\nmax_iterations = 400\n\
         [runs]\nseeds_per_point = 4\n",
    )
    .unwrap();
    for threads in ["1", "2"] {
        run_ok(&config, &dir.join(format!("t{threads}")), Some(threads));
    }
    let runs = read(&dir.join("t1/runs.parquet"));
    assert!(runs.equals_missing(&read(&dir.join("t2/runs.parquet"))));
    assert_eq!(runs.height(), 24);
    let eq = read(&dir.join("t1/equilibria.parquet"));
    let eq_entrants = eq.column("entrants").unwrap().u64().unwrap().clone();
    let eq_point = eq.column("point_id").unwrap().u64().unwrap().clone();
    let actions = runs.column("actions").unwrap().list().unwrap().clone();
    let entrants = runs.column("entrants").unwrap().u64().unwrap().clone();
    let converged = runs.column("converged").unwrap().bool().unwrap().clone();
    let point = runs.column("point_id").unwrap().u64().unwrap().clone();
    let mut reached = 0;
    for r in 0..runs.height() {
        let a = actions.get_as_series(r).unwrap();
        let a = a.f64().unwrap();
        let inside = a.iter().skip(1).filter(|x| x.unwrap() > 0.0).count() as u64;
        assert_eq!(entrants.get(r), Some(inside));
        if converged.get(r).unwrap() {
            reached += 1;
            let p = point.get(r).unwrap();
            let row = (0..eq.height())
                .find(|&i| eq_point.get(i) == Some(p))
                .unwrap();
            assert_eq!(eq_entrants.get(row), Some(inside), "run {r}");
        }
    }
    assert!(reached >= 22, "{reached} of 24 runs converged");
    // summarize: the share of runs whose entrants are the SPE's.
    let o = openmarket(&["summarize", dir.join("t1").to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let entry = v["entry"].as_array().expect("a sector's entry section");
    assert_eq!(entry.len(), 1);
    assert_eq!(entry[0]["runs"].as_u64(), Some(24));
    assert!(entry[0]["entry_as_spe_share"].as_f64().unwrap() >= 22.0 / 24.0);
}

/// A learning regulator of a sector: its runs are judged by the sector's
/// exact optimal regulation (a row of equilibria.parquet) and count the
/// entrants of the market they end with.
#[test]
fn a_regulated_sector_runs_against_its_optimal_regulation() {
    let dir = scratch("sector_regulator");
    let config = dir.join("sector.toml");
    let base = std::fs::read_to_string("configs/sector.toml").unwrap();
    let base = base.replace("[model.regulation]\ntheta = 0.5\npenalty = 0.05\n", "");
    std::fs::write(
        &config,
        format!(
            "{base}\n[regulator]\nobjective = \"performance\"\ninner_iterations = 100\nouter_iterations = 50\n\
             [dynamics]\nrule = \"best_response\"\n[runs]\nseeds_per_point = 2\n"
        ),
    )
    .unwrap();
    let out = dir.join("out");
    run_ok(&config, &out, None);
    let eq = read(&out.join("equilibria.parquet"));
    let concepts = eq.column("concept").unwrap().str().unwrap().clone();
    assert!(concepts.iter().any(|c| c == Some("optimal_regulation")));
    let runs = read(&out.join("runs.parquet"));
    assert_eq!(runs.height(), 2);
    assert!(
        runs.column("entrants")
            .unwrap()
            .u64()
            .unwrap()
            .get(0)
            .is_some()
    );
    assert!(
        runs.column("objective_gap")
            .unwrap()
            .f64()
            .unwrap()
            .get(0)
            .is_some()
    );
}

/// Where G exits in the SPE, a sector's runs (which keep G in) are compared
/// with the SPE profile G kept in, as the pair game's are.
#[test]
fn a_sector_run_at_an_exit_point_is_near_the_kept_in_profile() {
    let dir = scratch("sector_exit");
    let config = dir.join("exit.toml");
    std::fs::write(
        &config,
        "[model]\nfamily = \"openness\"\nalpha0 = 1.0\nc0 = 1.0\n\
         [[model.specialists]]\nr = 1.0\nc1 = 1.0\n\
         [[model.specialists]]\nr = 0.5\nc1 = 2.0\nentry_cost = 0.2\n\
         [dynamics]\nrule = \"best_response\"\n[runs]\nseeds_per_point = 4\n",
    )
    .unwrap();
    let out = dir.join("out");
    run_ok(&config, &out, None);
    let eq = read(&out.join("equilibria.parquet"));
    assert_eq!(
        eq.column("regime").unwrap().str().unwrap().get(0),
        Some("exit")
    );
    let runs = read(&out.join("runs.parquet"));
    let converged = runs.column("converged").unwrap().bool().unwrap().clone();
    let dist = runs
        .column("dist_to_equilibrium")
        .unwrap()
        .f64()
        .unwrap()
        .clone();
    for r in 0..runs.height() {
        assert!(converged.get(r).unwrap(), "run {r}");
        assert!(dist.get(r).unwrap() < 1e-6, "run {r}: {:?}", dist.get(r));
    }
}

/// `solve --json` lists every specialist, the pair game's one included.
#[test]
fn solve_json_lists_the_specialists() {
    let o = openmarket(&["solve", "configs/sector.toml", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let list = v["specialists"].as_array().unwrap();
    assert_eq!(list.len(), 5);
    assert_eq!(
        v["entrants"].as_u64().unwrap() as usize,
        list.iter().filter(|s| s["enters"] == true).count()
    );
    let o = openmarket(&["solve", "configs/openness_baseline.toml", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let list = v["specialists"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["alpha1"], v["alpha1"]);
    assert_eq!(list[0]["u_d"], v["u_d"]);
}

#[test]
fn folders_of_a_newer_table_schema_are_refused_by_summarize_plot_and_merge() {
    let dir = scratch("schema");
    let shards = run_shards(&dir, 2);
    let m = manifest(&shards[0]);
    assert!(m["schema_version"].as_u64().unwrap() >= 1, "{m}");
    let merged = dir.join("merged");
    let merge = |out: &Path| {
        openmarket(&[
            "merge",
            "--out",
            out.to_str().unwrap(),
            shards[0].to_str().unwrap(),
            shards[1].to_str().unwrap(),
        ])
    };
    let o = merge(&merged);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(manifest(&merged)["schema_version"], m["schema_version"]);
    // A version from the future, in a whole folder and in a shard.
    for folder in [&merged, &shards[1]] {
        let path = folder.join("manifest.json");
        let mut v = manifest(folder);
        v["schema_version"] = 99.into();
        std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    }
    let merged_arg = merged.to_str().unwrap();
    for (what, o) in [
        ("summarize", openmarket(&["summarize", merged_arg])),
        (
            "plot",
            openmarket(&["plot", merged_arg, "--kind", "convergence"]),
        ),
        ("merge", merge(&dir.join("again"))),
    ] {
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_ne!(o.status.code(), Some(0), "{what}: {stderr}");
        assert!(
            stderr.contains("schema version 99") && stderr.lines().count() == 1,
            "{what}: {stderr}"
        );
    }
    assert!(!dir.join("again").exists());
    std::fs::remove_dir_all(&dir).ok();
}

/// Each agent's mixed strategy per row (`strategies`), for every finite
/// game: a normal-form game's fictitious play keeps its frequencies (a
/// distribution per player), its mixed target row is rock–paper–scissors'
/// uniform equilibrium with null actions (both players mix); a best
/// response's is its action one-hot; the discrete race's is [1 − a, a];
/// the openness market's is null.
#[test]
fn strategies_hold_each_agents_mixed_strategy() {
    let dir = scratch("strategies");
    let lists = |df: &polars::prelude::DataFrame, r: usize| -> Option<Vec<Vec<f64>>> {
        let s = df
            .column("strategies")
            .unwrap()
            .list()
            .unwrap()
            .get_as_series(r)?;
        Some(
            (0..s.len())
                .map(|i| {
                    s.list()
                        .unwrap()
                        .get_as_series(i)
                        .unwrap()
                        .f64()
                        .unwrap()
                        .into_no_null_iter()
                        .collect()
                })
                .collect(),
        )
    };
    let actions = |df: &polars::prelude::DataFrame, r: usize| -> Vec<Option<f64>> {
        let a = df
            .column("actions")
            .unwrap()
            .list()
            .unwrap()
            .get_as_series(r)
            .unwrap();
        a.f64().unwrap().iter().collect()
    };
    let games = [
        (
            "rps",
            "[model]\nfamily = \"normal_form\"\nplayers = [\"row\", \"column\"]\nstrategies = [3, 3]\n\
             [model.payoffs]\nrow = [0, 1, -1, -1, 0, 1, 1, -1, 0]\ncolumn = [0, -1, 1, 1, 0, -1, -1, 1, 0]\n\
             [dynamics]\nrule = \"fictitious_play\"\nmax_iterations = 3000\n[runs]\nseeds_per_point = 4\n",
        ),
        (
            "pd",
            "[model]\nfamily = \"normal_form\"\nplayers = [\"a\", \"b\"]\nstrategies = [2, 2]\n\
             [model.payoffs]\na = [-1, 0, -3, -2]\nb = [-1, -3, 0, -2]\n\
             [dynamics]\nrule = \"best_response\"\n[runs]\nseeds_per_point = 4\n",
        ),
    ];
    for (name, text) in games {
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(&config, text).unwrap();
        run_ok(&config, &dir.join(name), None);
    }
    // Rock–paper–scissors: frequencies per player, summing to 1.
    let runs = read(&dir.join("rps/runs.parquet"));
    for r in 0..runs.height() {
        let s = lists(&runs, r).expect("a finite game");
        assert_eq!(s.len(), 2);
        for p in &s {
            assert_eq!(p.len(), 3);
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{p:?}");
        }
    }
    let eq = read(&dir.join("rps/equilibria.parquet"));
    let target = (0..eq.height())
        .find(|&r| eq.column("concept").unwrap().str().unwrap().get(r) == Some("mixed_nash"))
        .expect("the mixed target row");
    assert_eq!(actions(&eq, target), vec![None, None]);
    for p in lists(&eq, target).unwrap() {
        assert!(p.iter().all(|x| (x - 1.0 / 3.0).abs() < 1e-9), "{p:?}");
    }
    // The prisoner's dilemma: (defect, defect) one-hot, runs and row alike.
    for table in ["runs", "equilibria"] {
        let df = read(&dir.join(format!("pd/{table}.parquet")));
        for r in 0..df.height() {
            assert_eq!(actions(&df, r), vec![Some(1.0), Some(1.0)], "{table}");
            assert_eq!(lists(&df, r).unwrap(), vec![vec![0.0, 1.0]; 2], "{table}");
        }
    }
    // The discrete race under fictitious play: [1 − q, q] per lab.
    let config = dir.join("race.toml");
    std::fs::write(
        &config,
        race_config(3, "").replace("best_response", "fictitious_play")
            + "[runs]\nseeds_per_point = 3\n",
    )
    .unwrap();
    run_ok(&config, &dir.join("race"), None);
    let runs = read(&dir.join("race/runs.parquet"));
    for r in 0..runs.height() {
        let want: Vec<Vec<f64>> = actions(&runs, r)
            .iter()
            .map(|a| vec![1.0 - a.unwrap(), a.unwrap()])
            .collect();
        assert_eq!(lists(&runs, r).unwrap(), want);
    }
    // The openness market: no finite game.
    let config = dir.join("openness.toml");
    std::fs::write(
        &config,
        "[model]\nfamily = \"openness\"\nalpha0 = 0.2\nr = 1.0\nc0 = 1.0\nc1 = 1.0\n\
         [dynamics]\nrule = \"best_response\"\nmax_iterations = 50\n[runs]\nseeds_per_point = 2\n",
    )
    .unwrap();
    run_ok(&config, &dir.join("openness"), None);
    for table in ["runs", "equilibria"] {
        let df = read(&dir.join(format!("openness/{table}.parquet")));
        assert!(df.height() > 0);
        assert_eq!(
            df.column("strategies").unwrap().null_count(),
            df.height(),
            "{table}"
        );
    }
}

#[test]
fn a_plan_asked_exists_or_count_holds_one_hand_derived_answer_per_point() {
    // (config, non-trivial exists, pure NE, non-trivial NE): the hand
    // derivations written in each config's comments.
    let cases = [
        ("configs/race_baseline.toml", true, 1u64, 1u64),
        ("configs/race_all_closed.toml", false, 1, 0),
        ("configs/race_no_pure_ne.toml", false, 0, 0),
        ("configs/race_several_ne.toml", true, 2, 2),
    ];
    let dir = scratch("question");
    for (k, (config, exists, all, nontrivial)) in cases.into_iter().enumerate() {
        for question in ["exists", "count"] {
            let text = std::fs::read_to_string(config).unwrap();
            let path = dir.join(format!("{k}-{question}.toml"));
            std::fs::write(
                &path,
                format!("{text}\n[solve]\nquestion = \"{question}\"\n"),
            )
            .unwrap();
            let out = dir.join(format!("{k}-{question}"));
            run_ok(&path, &out, None);
            let eq = read(&out.join("equilibria.parquet"));
            assert_eq!(eq.height(), 1, "{config} {question}: one row per point");
            let get_bool = |c: &str| eq.column(c).unwrap().bool().unwrap().get(0);
            let get_u64 = |c: &str| eq.column(c).unwrap().u64().unwrap().get(0);
            let status = eq
                .column("status")
                .unwrap()
                .str()
                .unwrap()
                .get(0)
                .map(String::from);
            let actions = eq
                .column("actions")
                .unwrap()
                .list()
                .unwrap()
                .get_as_series(0)
                .unwrap();
            assert_eq!(
                get_bool("nontrivial_exists"),
                Some(exists),
                "{config} {question}"
            );
            if question == "exists" {
                assert_eq!(get_u64("count"), None);
                // The witness is the row's profile, and it opens somewhere.
                assert_eq!(actions.len(), if exists { 3 } else { 0 }, "{config}");
                let want = if exists { "verified_witness" } else { "proved" };
                assert_eq!(status.as_deref(), Some(want), "{config}");
            } else {
                assert_eq!(get_u64("count"), Some(all), "{config}");
                assert_eq!(get_u64("nontrivial_count"), Some(nontrivial), "{config}");
                assert_eq!(actions.len(), 0);
                assert_eq!(status.as_deref(), Some("proved"));
            }
        }
    }
    // Runs are judged against every equilibrium: any other question is
    // refused with one line, and nothing is written.
    let text = std::fs::read_to_string("configs/race_several_ne.toml").unwrap();
    let path = dir.join("dynamics.toml");
    std::fs::write(
        &path,
        format!("{text}\n[solve]\nquestion = \"exists\"\n[dynamics]\nrule = \"best_response\"\nmax_iterations = 10\n"),
    )
    .unwrap();
    let out = dir.join("dynamics");
    let o = openmarket(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("solve.question"), "{err}");
    assert!(!out.join("manifest.json").exists());
}
