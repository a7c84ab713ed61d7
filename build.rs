//! Records openmarket's own git revision for the manifest, so that it names
//! the code that produced an experiment, not whatever folder `run` was
//! started from. Outside a git checkout nothing is recorded.

use std::path::Path;
use std::process::Command;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let git = root.join(".git");
    // Rebuild when HEAD moves: HEAD itself, the branch it names, packed refs.
    println!("cargo:rerun-if-changed={}", git.join("HEAD").display());
    println!(
        "cargo:rerun-if-changed={}",
        git.join("packed-refs").display()
    );
    if let Ok(head) = std::fs::read_to_string(git.join("HEAD"))
        && let Some(reference) = head.trim().strip_prefix("ref: ")
    {
        println!("cargo:rerun-if-changed={}", git.join(reference).display());
    }
    let revision = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if let Some(r) = revision.filter(|r| !r.is_empty()) {
        println!("cargo:rustc-env=OPENMARKET_GIT_REVISION={r}");
    }
}
