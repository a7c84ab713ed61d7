//! `summarize` against a hand-written reference computation, and every
//! `plot` kind drawn from a small real sweep.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{openmarket, read, scratch};

fn run(config: &str, out: &Path) {
    let o = openmarket(&["run", config, "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn close(a: Option<f64>, b: &serde_json::Value) -> bool {
    match (a, b.as_f64()) {
        (None, None) => b.is_null(),
        (Some(x), Some(y)) => (x - y).abs() <= 1e-12 * x.abs().max(1.0),
        _ => false,
    }
}

#[test]
fn summarize_matches_a_hand_written_computation_on_the_quickstart() {
    let dir = scratch("summarize");
    let out = dir.join("quickstart");
    run("configs/quickstart.toml", &out);
    let o = openmarket(&["summarize", out.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();

    // The reference: plain Rust over the columns, grouped by (point, rule).
    let df = read(&out.join("runs.parquet"));
    let point = df.column("point_id").unwrap().u64().unwrap().clone();
    let rule = df.column("rule").unwrap().str().unwrap().clone();
    let conv = df.column("converged").unwrap().bool().unwrap().clone();
    let iters = df.column("iterations").unwrap().u64().unwrap().clone();
    let dist = df.column("dist_to_target").unwrap().f64().unwrap().clone();
    let gap = df.column("target_gap").unwrap().f64().unwrap().clone();
    let nash = df.column("nash_conv").unwrap().f64().unwrap().clone();
    let cyc = df.column("cycle_detected").unwrap().bool().unwrap().clone();
    let mut groups: BTreeMap<(u64, String), Vec<usize>> = BTreeMap::new();
    for k in 0..df.height() {
        groups
            .entry((point.get(k).unwrap(), rule.get(k).unwrap().to_string()))
            .or_default()
            .push(k);
    }
    let rows = json["points"].as_array().unwrap();
    assert_eq!(rows.len(), groups.len());
    for (row, ((p, r), idx)) in rows.iter().zip(&groups) {
        assert_eq!(row["point_id"].as_u64(), Some(*p));
        assert_eq!(row["rule"].as_str(), Some(r.as_str()));
        let n = idx.len() as f64;
        let share = |f: &dyn Fn(usize) -> bool| idx.iter().filter(|&&k| f(k)).count() as f64 / n;
        assert_eq!(row["runs"].as_u64(), Some(idx.len() as u64));
        assert!(
            close(
                Some(share(&|k| conv.get(k).unwrap())),
                &row["converged_share"]
            ),
            "{row}"
        );
        assert!(
            close(Some(share(&|k| cyc.get(k).unwrap())), &row["cycling_share"]),
            "{row}"
        );
        assert!(
            close(
                median(idx.iter().map(|&k| iters.get(k).unwrap() as f64).collect()),
                &row["median_iterations"]
            ),
            "{row}"
        );
        assert!(
            close(
                median(idx.iter().filter_map(|&k| dist.get(k)).collect()),
                &row["median_dist_to_target"]
            ),
            "{row}"
        );
        assert!(
            close(
                median(idx.iter().filter_map(|&k| gap.get(k)).collect()),
                &row["median_target_gap"]
            ),
            "{row}"
        );
        assert!(
            close(
                median(idx.iter().map(|&k| nash.get(k).unwrap()).collect()),
                &row["median_nash_conv"]
            ),
            "{row}"
        );
    }
    // Disagreements are exactly the (point, rule) groups where not every
    // run converged (reached its own target), farthest from the target
    // first, groups without a target first: a converged run is never
    // listed as disagreeing.
    let expected: Vec<(Option<f64>, u64, String)> = groups
        .iter()
        .filter_map(|((p, r), idx)| {
            let d = median(idx.iter().filter_map(|&k| dist.get(k)).collect());
            let all = idx.iter().all(|&k| conv.get(k).unwrap());
            (!all).then(|| (d, *p, r.clone()))
        })
        .collect();
    let listed: Vec<(u64, String)> = json["disagreements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["point_id"].as_u64().unwrap(),
                r["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        !expected.is_empty(),
        "the quickstart has disagreements (zeroth order, EXP3, the noisy study)"
    );
    // The same groups ...
    let mut want: Vec<(u64, String)> = expected.iter().map(|(_, p, r)| (*p, r.clone())).collect();
    let mut got = listed.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    // ... nulls first, then by descending median distance. Medians are
    // compared to 1e-12: this median and Polars' may round the mean of the
    // two middle values differently, which reorders ties.
    let dist_of = |g: &(u64, String)| {
        expected
            .iter()
            .find(|(_, p, r)| (*p, r) == (g.0, &g.1))
            .unwrap()
            .0
    };
    for pair in listed.windows(2) {
        match (dist_of(&pair[0]), dist_of(&pair[1])) {
            (Some(_), None) => panic!("a null distance after a number: {pair:?}"),
            (Some(a), Some(b)) => assert!(a >= b - 1e-12, "{pair:?}: {a} then {b}"),
            _ => {}
        }
    }
    // Best response converges everywhere in the quickstart's noiseless
    // studies; EXP3 does not reach the 1e-9 tolerance, so a demand of 50%
    // fails with code 3.
    for r in rows
        .iter()
        .filter(|r| r["rule"] == "best_response" && r["study"] != "openness_noisy")
    {
        assert_eq!(r["converged_share"].as_f64(), Some(1.0), "{r}");
    }
    let o = openmarket(&[
        "summarize",
        out.to_str().unwrap(),
        "--fail-if-unconverged",
        "0.5",
    ]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("points have a converged share below 0.5"));
    let o = openmarket(&[
        "summarize",
        out.to_str().unwrap(),
        "--fail-if-unconverged",
        "0",
    ]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("Convergence by rule"), "{text}");
    let o = openmarket(&[
        "summarize",
        out.to_str().unwrap(),
        "--fail-if-unconverged",
        "1.5",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("--fail-if-unconverged = 1.5 is out of range [0, 1]")
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Non-white pixels and distinct colours of a PNG.
fn png_content(path: &Path) -> (usize, usize) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let bytes = &buf[..info.buffer_size()];
    let px = info.color_type.samples();
    let mut colours = std::collections::HashSet::new();
    let mut ink = 0;
    for p in bytes.chunks(px) {
        if p[..3] != [255, 255, 255] {
            ink += 1;
        }
        colours.insert(p[..3].to_vec());
    }
    (ink, colours.len())
}

#[test]
fn every_plot_kind_draws_a_readable_png_and_svg() {
    let dir = scratch("plots");
    let openness = dir.join("openness");
    run("tests/fixtures/plots_openness.toml", &openness);
    let race = dir.join("race");
    run("configs/quickstart.toml", &race);
    let basins = dir.join("basins");
    run("experiments/race_basins.toml", &basins);
    for (folder, kind, words) in [
        (
            &openness,
            "regime-map",
            vec!["threshold θ", "penalty p", "comply", "α0 = 0.3"],
        ),
        (
            &openness,
            "openness-curve",
            vec!["baseline performance α0", "openness ω", "equilibrium"],
        ),
        (
            &openness,
            "lever-map",
            vec!["threshold θ", "threshold", "penalty"],
        ),
        (
            &openness,
            "convergence",
            vec![
                "iteration t",
                "best_response",
                "zeroth_order",
                "interquartile",
            ],
        ),
        (
            &basins,
            "basins",
            vec![
                "model.head_start.1",
                "(1, 0, 0)",
                "continuous: gradient",
                "none",
            ],
        ),
        (
            &race,
            "race-openness",
            vec!["head start", "share open", "race: pure Nash equilibria"],
        ),
    ] {
        let png = dir.join(format!("{kind}.png"));
        let o = openmarket(&[
            "plot",
            folder.to_str().unwrap(),
            "--kind",
            kind,
            "--out",
            png.to_str().unwrap(),
        ]);
        assert!(
            o.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let (ink, colours) = png_content(&png);
        assert!(ink > 20_000, "{kind}: only {ink} non-white pixels");
        assert!(colours > 8, "{kind}: only {colours} colours");
        let svg = dir.join(format!("{kind}.svg"));
        let o = openmarket(&[
            "plot",
            folder.to_str().unwrap(),
            "--kind",
            kind,
            "--format",
            "svg",
            "--out",
            svg.to_str().unwrap(),
        ]);
        assert!(
            o.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.starts_with("<svg"), "{kind}");
        assert!(text.trim_end().ends_with("</svg>"), "{kind}");
        for w in words {
            assert!(text.contains(w), "{kind}: the SVG lacks the text `{w}`");
        }
    }
    // A kind the data cannot support says what is missing.
    let o = openmarket(&["plot", race.to_str().unwrap(), "--kind", "regime-map"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("needs `model.regulation.penalty` swept"));
    // A folder given as the figure's file is refused, and named.
    let o = openmarket(&[
        "plot",
        race.to_str().unwrap(),
        "--kind",
        "race-openness",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is a folder; name the figure's file"));
    std::fs::remove_dir_all(&dir).ok();
}

/// A small Sobol' sweep of the openness market, solved only.
const SOBOL: &str = r#"
[model]
family = "openness"
alpha0 = 0.2
r = 1.0
c0 = 1.0
c1 = 1.0
epsilon = 0.1
lambda = 1.0
[model.bargaining]
rule = "fixed"
delta = 0.8
[model.regulation]
theta = 0.6
penalty = 0.05
[sweep.design]
kind = "sobol"
n = 32
second_order = false
[sweep.design.ranges]
"model.regulation.theta" = [0.0, 1.0]
"model.alpha0" = [0.0, 0.6]
"model.regulation.penalty" = [0.0, 0.2]
"#;

fn analyze(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["analyze", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    openmarket(&all)
}

#[test]
fn analyze_writes_one_table_per_output_and_refuses_bad_input_in_one_line() {
    let dir = scratch("analyze");
    let config = dir.join("sobol.toml");
    std::fs::write(&config, SOBOL).unwrap();
    let out = dir.join("sobol");
    run(config.to_str().unwrap(), &out);
    let o = analyze(
        &out,
        &[
            "--method",
            "sobol",
            "--output",
            "omega",
            "--output",
            "regime == \"pay_penalty\"",
            "--resamples",
            "50",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["table"], "equilibria");
    let analyses = v["analyses"].as_array().unwrap();
    assert_eq!(analyses.len(), 2);
    for a in analyses {
        // S1 and ST for each of the three parameters, in the file's order.
        let rows = a["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 6);
        assert_eq!(rows[0]["parameter"], "model.regulation.theta");
        assert!(Path::new(a["file"].as_str().unwrap()).exists());
    }
    assert!(out.join("analysis/sobol-omega.parquet").exists());
    assert!(
        out.join("analysis/sobol-regime_eq_pay_penalty.parquet")
            .exists()
    );
    // The same bytes on one thread as on the default pool (rayon reads
    // RAYON_NUM_THREADS).
    let first = std::fs::read(out.join("analysis/sobol-omega.parquet")).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_openmarket"))
        .args([
            "analyze",
            out.to_str().unwrap(),
            "--method",
            "sobol",
            "--output",
            "omega",
            "--output",
            "regime == \"pay_penalty\"",
            "--resamples",
            "50",
        ])
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(out.join("analysis/sobol-omega.parquet")).unwrap(),
        first
    );
    let o = analyze(
        &out,
        &["--method", "prim", "--output", "regime == \"pay_penalty\""],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("chosen box"));
    for (kind, words) in [
        (
            "sensitivity",
            vec!["indices of omega", "regulation.theta", "ST (total order)"],
        ),
        ("prim", vec!["coverage", "density", "chosen box"]),
    ] {
        let svg = dir.join(format!("{kind}.svg"));
        let o = openmarket(&[
            "plot",
            out.to_str().unwrap(),
            "--kind",
            kind,
            "--format",
            "svg",
            "--out",
            svg.to_str().unwrap(),
        ]);
        assert!(
            o.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let text = std::fs::read_to_string(&svg).unwrap();
        for w in words {
            assert!(text.contains(w), "{kind}: the SVG lacks `{w}`");
        }
    }
    // Bad requests: one line, exit 2, naming what is wrong.
    for (args, says) in [
        (
            vec!["--method", "morris", "--output", "omega"],
            "was not drawn from a morris design",
        ),
        (
            vec!["--method", "sobol", "--output", "nothing"],
            "has no column `nothing`",
        ),
        (
            vec!["--method", "sobol", "--output", "regime"],
            "is neither numeric nor boolean",
        ),
        (
            vec!["--method", "sobol", "--output", "count"],
            "rows of equilibria.parquet are null",
        ),
        (
            vec!["--method", "sobol", "--output", "omega >= big"],
            "is not a finite number",
        ),
        (
            vec!["--method", "prim", "--output", "omega"],
            "PRIM needs a yes/no outcome",
        ),
        (vec!["--method", "prim", "--output", "omega > 5"], "all"),
        (
            vec!["--method", "sobol", "--output", "omega", "--base-rows", "3"],
            "--base-rows = 3",
        ),
        (
            vec!["--method", "sobol", "--output", "omega", "--table", "runs"],
            "has no runs",
        ),
        (
            vec![
                "--method",
                "prim",
                "--output",
                "omega > 0.1",
                "--base-rows",
                "4",
            ],
            "goes with --method sobol",
        ),
        (
            vec![
                "--method", "sobol", "--output", "omega", "--output", "omega",
            ],
            "both be written",
        ),
    ] {
        let o = analyze(&out, &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // Not an experiment at all.
    let o = analyze(&dir, &["--method", "prim", "--output", "omega > 0"]);
    assert_ne!(o.status.code(), Some(0));
}
