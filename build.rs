//! Records openmarket's own git revision for the manifest, so that it names
//! the code that produced an experiment, not whatever folder `run` was
//! started from. Outside a git checkout nothing is recorded.

use std::path::Path;
use std::process::Command;

fn main() {
    // Read when the script runs, not when it is compiled: a compiled build
    // script is reused by checkouts at other paths sharing the target
    // directory, and a path baked in at compile time names a missing
    // .git/HEAD there, which rebuilt the crate on every build.
    let root = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&root);
    let git = root.join(".git");
    // Rebuild when HEAD moves: HEAD itself, the branch it names, packed
    // refs. Only files that exist: cargo reruns a script whose watched file
    // is missing on every build (a ref packed later deletes its loose file,
    // which is watched). Outside a checkout nothing is watched but the
    // script itself.
    let watch = |p: &Path| {
        if p.exists() {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    };
    println!("cargo:rerun-if-changed=build.rs");
    watch(&git.join("HEAD"));
    watch(&git.join("packed-refs"));
    if let Ok(head) = std::fs::read_to_string(git.join("HEAD"))
        && let Some(reference) = head.trim().strip_prefix("ref: ")
    {
        watch(&git.join(reference));
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
