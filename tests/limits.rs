//! Inputs past a limit are refused before anything is allocated: each
//! exits 2 with one line, writes nothing, and the peak memory of all of
//! them stays small. Its own test binary, because the peak is read with
//! `getrusage(RUSAGE_CHILDREN)`, the maximum over every child this process
//! has waited for.

mod common;
use common::{openmarket, scratch};

const BASE: &str = r#"[model]
family = "openness"
alpha0 = 0.2
r = 1.0
c0 = 1.0
c1 = 1.0
[model.regulation]
theta = 0.6
penalty = 0.05
[dynamics]
rule = "best_response"
max_iterations = 50
"#;

#[test]
fn oversized_inputs_are_refused_in_little_memory() {
    let dir = scratch("limits");
    let huge_key = format!("model{}", ".a".repeat(200_000));
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "50mb.toml",
            format!("{BASE}{}", "# padding\n".repeat(5_000_000)),
            "larger than",
        ),
        (
            "design.toml",
            format!(
                "{BASE}[sweep.design]\nkind = \"uniform\"\nn = 1000000000\nranges = {{ \"model.alpha0\" = [0.0, 1.0] }}\n"
            ),
            "sweep.design.n = 1000000000 is out of range",
        ),
        (
            "linspace.toml",
            format!(
                "{BASE}[sweep]\n\"model.alpha0\" = {{ linspace = {{ start = 0.0, stop = 1.0, num = 100000000 }} }}\n"
            ),
            "linspace.num = 100000000 is out of range",
        ),
        (
            "axes.toml",
            format!(
                "{BASE}[sweep]\n{}",
                (0..64)
                    .map(|k| format!("\"model.x{k}\" = {{ values = [1.0, 2.0] }}\n"))
                    .collect::<String>()
            ),
            "points",
        ),
        (
            "seeds.toml",
            format!("{BASE}[runs]\nseeds_per_point = 4611686018427387904\n"),
            "runs.seeds_per_point = 4611686018427387904 is out of range",
        ),
        (
            "runs.toml",
            format!(
                "{BASE}[runs]\nseeds_per_point = 1000000\n[sweep]\n\"model.alpha0\" = {{ linspace = {{ start = 0.0, stop = 1.0, num = 100000 }} }}\n"
            ),
            "runs",
        ),
        (
            "key.toml",
            format!("{BASE}[sweep]\n\"{huge_key}\" = {{ values = [1] }}\n"),
            "is not a config key",
        ),
    ];
    for (name, text, expect) in &cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let out_dir = dir.join(format!("{name}.out"));
        let out = openmarket(&[
            "run",
            path.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{name}: {stderr}");
        assert!(stderr.contains(expect), "{name}: {stderr}");
        assert!(
            stderr.contains(name),
            "{name}: does not name the file: {stderr}"
        );
        assert!(stderr.len() < 600, "{name}: {} characters", stderr.len());
        assert!(!out_dir.exists() && !out_dir.with_extension("partial").exists());
    }
    // SAFETY: getrusage only writes the struct it is given.
    let peak_kb = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage), 0);
        usage.ru_maxrss
    };
    assert!(
        peak_kb < 100 * 1024,
        "a refusal peaked at {} MB",
        peak_kb / 1024
    );
    let _ = std::fs::remove_dir_all(&dir);
}
