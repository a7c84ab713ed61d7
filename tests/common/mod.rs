//! Helpers shared by the end-to-end tests of the `openmarket` binary.
#![allow(dead_code)] // each test crate uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars::prelude::*;

/// Run the binary from the repository root.
pub fn openmarket(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_openmarket"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("binary runs")
}

/// `openmarket run CONFIG --out OUT`, on `threads` threads if given, which
/// must succeed (else the test fails with its stderr).
pub fn run_ok(config: &Path, out: &Path, threads: Option<&str>) -> Output {
    let mut args = vec![
        "run",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    if let Some(t) = threads {
        args.extend(["--threads", t]);
    }
    let o = openmarket(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// A fresh, empty temporary folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("openmarket-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn read(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

/// Both experiments hold the same rows in runs.parquet and equilibria.parquet.
pub fn assert_same_tables(a: &Path, b: &Path) {
    for file in ["runs.parquet", "equilibria.parquet"] {
        let (x, y) = (read(&a.join(file)), read(&b.join(file)));
        assert!(x.height() > 0, "{file} is empty");
        assert!(
            x.equals_missing(&y),
            "{file} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}
