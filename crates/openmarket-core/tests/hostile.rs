//! Hostile configs: the shipped configs and experiments, mutated at random
//! (lines deleted, duplicated or swapped, values replaced by hostile ones,
//! the text truncated, bytes inserted), go through the same path as
//! `openmarket plan`: expansion, then the plan's validation. Whatever the
//! mutation, the answer is a plan or a one-line error naming the file; never
//! a panic, never an oversized plan.

use openmarket_core::experiment::validate;
use openmarket_core::limits::MAX_POINTS;
use openmarket_core::plan::expand;
use proptest::prelude::*;
use std::path::Path;

fn corpus() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["configs", "experiments"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                files.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    files.sort();
    assert!(files.len() >= 15, "the corpus is the shipped configs");
    files
}

/// Values a careless or hostile user might put anywhere.
const HOSTILE: &[&str] = &[
    "-1",
    "0",
    "nan",
    "inf",
    "-inf",
    "1e308",
    "9223372036854775807",
    "4611686018427387904",
    "2.5",
    "[]",
    "[1, 2, 3]",
    "{}",
    "{ values = [] }",
    "\"x\"",
    "\"\"",
    "true",
    "1979-05-27",
    "[[1]]",
    "{ linspace = { start = 0, stop = 1, num = 1000000000 } }",
];

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    /// The value after the `=` of a line replaced by a hostile one.
    ReplaceValue(usize, usize),
    Truncate(usize),
    InsertBytes(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<usize>(), 0..HOSTILE.len()).prop_map(|(l, v)| Mutation::ReplaceValue(l, v)),
        (any::<usize>(), 0..HOSTILE.len()).prop_map(|(l, v)| Mutation::ReplaceValue(l, v)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, b)| Mutation::InsertBytes(at, b)),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let n = lines.len();
    match m {
        Mutation::DeleteLine(i) => {
            lines.remove(i % n);
        }
        Mutation::DuplicateLine(i) => {
            let l = lines[i % n].clone();
            lines.insert(i % n, l);
        }
        Mutation::SwapLines(a, b) => lines.swap(a % n, b % n),
        Mutation::ReplaceValue(i, v) => {
            // Only lines with a value: the `i`-th of them, cyclically.
            let with_value: Vec<usize> = (0..lines.len())
                .filter(|&k| lines[k].contains('=') && !lines[k].trim_start().starts_with('#'))
                .collect();
            if !with_value.is_empty() {
                let k = with_value[i % with_value.len()];
                let key = lines[k].split('=').next().unwrap().to_string();
                lines[k] = format!("{key}= {}", HOSTILE[*v]);
            }
        }
        Mutation::Truncate(at) => {
            let bytes = text.as_bytes();
            let cut = at % (bytes.len() + 1);
            return String::from_utf8_lossy(&bytes[..cut]).into_owned();
        }
        Mutation::InsertBytes(at, b) => {
            let mut bytes = text.as_bytes().to_vec();
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, b.iter().copied());
            return String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("HOSTILE_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512), ..ProptestConfig::default() })]

    #[test]
    fn mutated_configs_give_a_plan_or_one_line(
        file in 0usize..64,
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let corpus = corpus();
        let (name, text) = &corpus[file % corpus.len()];
        let mut text = text.clone();
        for m in &mutations {
            text = apply(&text, m);
        }
        match expand(&text, name) {
            Ok(plan) => {
                prop_assert!(plan.points.len() as u64 <= MAX_POINTS);
                if let Err(e) = validate(&plan, false) {
                    let msg = e.to_string();
                    prop_assert!(!msg.contains('\n'), "{name}: {msg}");
                }
            }
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(!msg.contains('\n'), "{name}: not one line: {msg}");
                prop_assert!(msg.starts_with(name.as_str()), "{name}: does not name the file: {msg}");
                prop_assert!(msg.len() < 1000, "{name}: {} characters", msg.len());
            }
        }
    }
}
