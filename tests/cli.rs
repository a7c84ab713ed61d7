//! End-to-end tests of the `openmarket` binary: the example configs land in
//! the regimes derived by hand in their comments, and every malformed config
//! gets a one-line error with a non-zero exit.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn openmarket(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_openmarket"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("binary runs")
}

fn solve_json(config: &str) -> serde_json::Value {
    let out = openmarket(&["solve", config, "--json"]);
    assert!(
        out.status.success(),
        "{config}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

fn num(v: &serde_json::Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number: {}", v[key]))
}

fn approx(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn regime_configs_land_in_their_hand_derived_regimes() {
    // Expected values are the hand derivations in each config's comments.
    let comply = solve_json("configs/openness_baseline.toml");
    assert_eq!(comply["regime"], "comply");
    assert!(approx(num(&comply, "omega"), 0.6));
    assert!(approx(num(&comply, "alpha1"), 0.54));
    assert!(approx(num(&comply, "u_g"), 0.1928));
    assert!(approx(num(&comply, "u_d"), 0.2516));
    assert!(approx(num(&comply, "indifference_penalty"), 0.0325125));
    assert!(approx(
        num(&comply, "theta_max"),
        0.28125 + (0.05f64 / 0.32).sqrt()
    ));

    let nonbinding = solve_json("configs/openness_nonbinding.toml");
    assert_eq!(nonbinding["regime"], "nonbinding");
    assert!(approx(num(&nonbinding, "omega"), 0.28125));
    assert!(approx(num(&nonbinding, "u_g"), 0.2253125));
    assert!(approx(num(&nonbinding, "indifference_penalty"), 0.0));

    let pay = solve_json("configs/openness_pay_penalty.toml");
    assert_eq!(pay["regime"], "pay_penalty");
    assert!(approx(num(&pay, "omega"), 0.28125));
    assert!(approx(num(&pay, "u_g"), 0.2253125 - 0.05));
    assert!(approx(num(&pay, "u_d"), num(&nonbinding, "u_d")));
    assert!(approx(num(&pay, "penalty_paid"), 0.05));
    assert!(approx(num(&pay, "indifference_penalty"), 0.1225125));

    let exit = solve_json("configs/openness_exit.toml");
    assert_eq!(exit["regime"], "exit");
    assert!(exit["omega"].is_null() && exit["alpha1"].is_null());
    assert_eq!((num(&exit, "u_g"), num(&exit, "u_d")), (0.0, 0.0));
}

#[test]
fn json_has_the_documented_fields() {
    let v = solve_json("configs/openness_baseline.toml");
    for key in [
        "regime",
        "delta",
        "omega",
        "alpha0",
        "alpha1",
        "u_g",
        "u_d",
        "penalty_paid",
        "omega_unregulated",
        "indifference_penalty",
        "theta_max",
        "pareto_improvement",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
}

#[test]
fn readable_report_names_the_regime() {
    let out = openmarket(&["solve", "configs/openness_pay_penalty.toml"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("regime           pay_penalty"), "{text}");
}

fn bad_configs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_configs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 10);
    files
}

#[test]
fn every_malformed_config_gets_a_one_line_error_naming_the_field() {
    for path in bad_configs() {
        // Some files are not UTF-8 on purpose: only their header is read.
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .expect("first line: # expect: …");
        // `# command: plan` (or run) on the second line: a plan-level error
        // that `solve`, which reads one config, does not see.
        let command = text
            .lines()
            .nth(1)
            .and_then(|l| l.strip_prefix("# command: "))
            .unwrap_or("solve");
        let scratch = std::env::temp_dir().join(format!(
            "openmarket-bad-{}-{}",
            std::process::id(),
            path.file_stem().unwrap().to_string_lossy()
        ));
        let out = match command {
            "solve" => openmarket(&["solve", path.to_str().unwrap(), "--json"]),
            "plan" => openmarket(&["plan", path.to_str().unwrap()]),
            "run" => openmarket(&[
                "run",
                path.to_str().unwrap(),
                "--out",
                scratch.to_str().unwrap(),
            ]),
            other => panic!("{}: unknown command {other}", path.display()),
        };
        assert!(
            !scratch.exists() && !scratch.with_extension("partial").exists(),
            "{}: left output behind",
            path.display()
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", path.display());
        assert!(out.stdout.is_empty(), "{}: wrote to stdout", path.display());
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "{}: not one line: {stderr}",
            path.display()
        );
        assert!(
            stderr.contains(expect),
            "{}:\n  got  {stderr}  want {expect}",
            path.display()
        );
        assert!(
            stderr.contains(path.file_name().unwrap().to_str().unwrap()),
            "error does not name the file"
        );
    }
}

#[test]
fn missing_file_and_bad_usage_fail_cleanly() {
    let out = openmarket(&["solve", "configs/does_not_exist.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does_not_exist.toml: cannot read file"));
    let out = openmarket(&["solve"]);
    assert_eq!(out.status.code(), Some(2), "clap usage errors exit 2");
}

fn race_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["solve"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = openmarket(&all);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

fn profiles(v: &serde_json::Value) -> Vec<Vec<f64>> {
    v["equilibria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["actions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_f64().unwrap())
                .collect()
        })
        .collect()
}

#[test]
fn race_configs_have_their_hand_derived_equilibria() {
    // Every expectation here is derived by hand in the config's comments.
    for solver in ["enumerate", "mip", "both"] {
        let v = race_json(&["configs/race_baseline.toml", "--solver", solver]);
        assert_eq!(profiles(&v), vec![vec![0.0, 1.0, 1.0]], "{solver}");
        assert_eq!(v["equilibria"][0]["strict"], true);
        assert_eq!(v["nontrivial_exists"], true);

        let v = race_json(&["configs/race_all_closed.toml", "--solver", solver]);
        assert_eq!(profiles(&v), vec![vec![0.0, 0.0, 0.0]], "{solver}");
        assert_eq!(v["nontrivial_exists"], false);

        let v = race_json(&["configs/race_no_pure_ne.toml", "--solver", solver]);
        assert_eq!(
            v["equilibria"],
            serde_json::json!([]),
            "{solver}: no pure NE, said explicitly"
        );
        assert_eq!(v["nontrivial_exists"], false);

        let v = race_json(&["configs/race_several_ne.toml", "--solver", solver]);
        assert_eq!(
            profiles(&v),
            vec![vec![0.0, 1.0, 0.0], vec![1.0, 0.0, 0.0]],
            "{solver}"
        );
    }
    for key in ["equilibria", "nontrivial_exists", "solver", "solve_seconds"] {
        assert!(
            race_json(&["configs/race_baseline.toml"])
                .get(key)
                .is_some(),
            "missing {key}"
        );
    }
}

/// `--question exists|count` on the configs whose equilibria are derived
/// by hand: the answers, their status and the witness, by every solver;
/// the question refused for another concept or family, in one line.
#[test]
fn race_questions_have_their_hand_derived_answers() {
    // (config, non-trivial exists, pure NE, non-trivial NE)
    let cases = [
        ("configs/race_baseline.toml", true, 1, 1),
        ("configs/race_all_closed.toml", false, 1, 0),
        ("configs/race_no_pure_ne.toml", false, 0, 0),
        ("configs/race_several_ne.toml", true, 2, 2),
    ];
    for (config, exists, all, nontrivial) in cases {
        for solver in ["enumerate", "mip", "both"] {
            let v = race_json(&[config, "--question", "exists", "--solver", solver]);
            assert_eq!(v["question"], "exists");
            assert_eq!(v["nontrivial_exists"], exists, "{config} {solver}");
            let witnesses = v["equilibria"].as_array().unwrap();
            assert_eq!(witnesses.len(), usize::from(exists), "{config} {solver}");
            let status = v["status"].as_str().unwrap();
            match (exists, solver) {
                (true, _) => assert_eq!(status, "verified_witness"),
                (false, "mip") => assert_eq!(status, "mip_infeasible"),
                (false, _) => assert_eq!(status, "proved"),
            }
            assert_eq!(v.get("backend").is_some(), solver != "enumerate");
            let v = race_json(&[config, "--question", "count", "--solver", solver]);
            assert_eq!(v["count"], all, "{config} {solver}");
            assert_eq!(v["nontrivial_count"], nontrivial, "{config} {solver}");
        }
    }
    // The witness is one of the listed equilibria.
    let listed = profiles(&race_json(&["configs/race_several_ne.toml"]));
    let witness = profiles(&race_json(&[
        "configs/race_several_ne.toml",
        "--question",
        "exists",
    ]));
    assert!(
        listed.contains(&witness[0]),
        "{witness:?} not in {listed:?}"
    );
    for args in [
        vec![
            "configs/race_baseline.toml",
            "--question",
            "exists",
            "--concept",
            "mixed",
        ],
        vec!["configs/normal_form_rps.toml", "--question", "count"],
        vec!["configs/race_baseline.toml", "--question", "some"],
    ] {
        let mut all = vec!["solve"];
        all.extend(&args);
        let out = openmarket(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("question"), "{args:?}: {err}");
    }
}

#[test]
fn continuous_race_equilibria_match_hand_derivations() {
    let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-7);
    let v = race_json(&["configs/race_no_pure_ne.toml", "--actions", "continuous"]);
    let eqs = profiles(&v);
    assert_eq!(eqs.len(), 1);
    assert!(close(&eqs[0], &[0.5, 0.125, 0.0]), "{eqs:?}");
    assert!(v["equilibria"][0]["verification_gain"].as_f64().unwrap() <= 1e-7);

    let v = race_json(&["configs/race_several_ne.toml", "--actions", "continuous"]);
    let eqs = profiles(&v);
    assert_eq!(eqs.len(), 3, "{eqs:?}");
    for want in [[0.0, 1.0, 0.0], [0.75, 0.75, 0.0], [1.0, 0.0, 0.0]] {
        assert!(
            eqs.iter().any(|e| close(e, &want)),
            "{want:?} missing from {eqs:?}"
        );
    }
}

#[test]
fn enumerating_too_many_labs_points_to_the_mip() {
    let dir = std::env::temp_dir().join(format!("openmarket-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("race_40.toml");
    let list = |v: f64| format!("[{}]", vec![v.to_string(); 40].join(", "));
    std::fs::write(
        &path,
        format!(
            "[model]\nfamily = \"race\"\nutility = \"share\"\nhead_start = {}\nboost = {}\n[model.leakage]\npreset = \"uniform\"\nbeta = 0.5\n",
            list(2.0),
            list(1.0)
        ),
    )
    .unwrap();
    let out = openmarket(&["solve", path.to_str().unwrap(), "--solver", "enumerate"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("n = 40 labs is too many to enumerate") && err.contains("--solver mip"),
        "{err}"
    );
    // The MIP takes it. Share utility, all labs alike: at x_i = 0 lab i has
    // P_i = 2 + 0.5·k (k others open) and every other lab has at least as
    // much, so its win probability is at most 1/40, below the threshold
    // a/(a + 39β) = 1/20.5 (docs/model.md §B.3): opening is dominant for everyone.
    let v = race_json(&[path.to_str().unwrap(), "--solver", "mip"]);
    assert_eq!(profiles(&v), vec![vec![1.0; 40]]);
    assert_eq!(v["solver"], "mip");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn solve_reports_the_optimal_regulation_derived_by_hand() {
    // configs/openness_baseline.toml: V(ω) = 0.2 + 0.18ω − 0.32ω²,
    // ω^u = 0.28125, α1*(ω) = 0.2 + (0.2 + 0.8ω)/2. Openness rises with ω
    // and G stays in at ω = 1 (V(1) = 0.06 ≥ 0), so the optimum is θ = 1,
    // enforced by p̄(1) = 0.32·(1 − 0.28125)².
    let dir = std::env::temp_dir().join(format!("openmarket-cli-reg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = std::fs::read_to_string("configs/openness_baseline.toml").unwrap();
    let path = dir.join("reg.toml");
    std::fs::write(
        &path,
        format!("{base}\n[regulator]\nobjective = \"openness\"\n"),
    )
    .unwrap();
    let v = solve_json(path.to_str().unwrap());
    let o = &v["optimal_regulation"];
    assert_eq!(o["objective"], "openness");
    assert_eq!(o["regime"], "comply");
    assert!(approx(num(o, "value"), 1.0));
    assert!(approx(num(o, "theta"), 1.0));
    assert!(approx(num(o, "penalty"), 0.32 * 0.71875f64.powi(2)));
    assert!(approx(num(o, "alpha1"), 0.7));
    assert!(approx(num(o, "u_g"), 0.06));
    assert!(approx(num(o, "u_d"), 0.45));
    // At α0 = 0.5, V(ω) = 0.23 − 0.06ω − 0.32ω² < 0 at ω = 1: the best
    // threshold is the root of V, where G is indifferent to exiting.
    let cliff = base.replace("alpha0 = 0.2 ", "alpha0 = 0.5 ");
    std::fs::write(
        &path,
        format!("{cliff}\n[regulator]\nobjective = \"surplus\"\n"),
    )
    .unwrap();
    let v = solve_json(path.to_str().unwrap());
    let o = &v["optimal_regulation"];
    let root = (-0.06 + (0.0036f64 + 4.0 * 0.32 * 0.23).sqrt()) / 0.64;
    assert!((num(o, "theta") - root).abs() < 1e-8, "{o}");
    assert!(approx(num(o, "u_g"), 0.0));
    let text = openmarket(&["solve", path.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert_eq!(
        text.lines()
            .filter(|l| l.contains("optimal regulation for surplus"))
            .count(),
        1,
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The MIP stops at its time limit with one line and exit 1, instead of
/// running without end (listing every NE of a 60-lab gap race takes far
/// longer than a second with the default backend).
#[test]
fn a_mip_past_its_time_limit_stops_with_one_line() {
    let out = openmarket(&[
        "solve",
        "tests/fixtures/race_gap_60.toml",
        "--time-limit",
        "1",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("time limit of 1 s"), "{stderr}");
    assert!(out.stdout.is_empty());
}
