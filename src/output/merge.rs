//! `openmarket merge`: shards into one experiment folder, after checking
//! that they come from one config and cover its plan exactly once.

use std::path::{Path, PathBuf};
use std::time::Instant;

use openmarket_core::experiment::Layout;
use openmarket_core::plan::Plan;

use super::manifest::MergedShard;
use super::store::{
    Owner, check_block, concatenate, is_experiment, part_path, partial_of, publish, verify_block,
};
use super::{Error, Experiment, Want, read_parquet};

/// What a merge did.
#[derive(Clone, Debug, PartialEq)]
pub struct MergeReport {
    /// Shards merged.
    pub shards: usize,
    /// Blocks of the plan.
    pub blocks: usize,
    /// Runs in the merged experiment.
    pub runs: u64,
    /// The merged folder.
    pub out: PathBuf,
}

/// Merge the shard folders `dirs` into the experiment `out`.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<MergeReport, Error> {
    let started = Instant::now();
    let shards: Vec<Experiment> = dirs
        .iter()
        .map(|d| Experiment::open(d, Want::Shard))
        .collect::<Result<_, _>>()?;
    let Some(first) = shards.first() else {
        return Err(Error::Refused(
            "merge needs at least one shard folder".into(),
        ));
    };
    let m0 = &first.manifest;
    let n = m0.shard.map_or(1, |s| s.n);
    for s in &shards[1..] {
        let m = &s.manifest;
        let differs = if m.config_sha256 != m0.config_sha256 {
            Some("their configs differ")
        } else if m.schema_version != m0.schema_version {
            Some("they were written by openmarket versions with different table schemas")
        } else if m.layout != m0.layout {
            Some("their block layouts differ")
        } else if m.shard.map(|s| s.n) != Some(n) {
            Some("they were cut into different shard counts")
        } else {
            None
        };
        if let Some(why) = differs {
            return Err(Error::Refused(format!(
                "{} and {} come from different experiments: {why}",
                first.dir.display(),
                s.dir.display()
            )));
        }
    }
    let plan = m0.plan()?;
    let layout = m0.layout;
    if layout != Layout::new(&plan, n) {
        return Err(Error::Invalid {
            path: first.dir.join("manifest.json"),
            why: "the shards' block layout does not match their config's plan".into(),
        });
    }
    let sources = coverage(&plan, layout, &shards)?;
    let partial = partial_of(out)?;
    if partial.join("plan.json").exists() {
        return Err(Error::Refused(format!(
            "{} holds an interrupted `run`: finish it with --resume or remove it, or merge into another --out",
            partial.display()
        )));
    }
    if partial.exists() {
        // What an interrupted merge left: nothing there is final.
        std::fs::remove_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
    }
    if out.exists() && !is_experiment(out) {
        return Err(Error::Refused(format!(
            "{} already exists and is not an openmarket experiment folder",
            out.display()
        )));
    }
    std::fs::create_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
    let trajectories = plan
        .points
        .first()
        .is_some_and(|p| p.config.output.trajectory_every > 0);
    let rows = concatenate(&sources, &partial, trajectories)?;
    let mut manifest = m0.clone();
    manifest.shard = None;
    manifest.rows = rows;
    manifest.threads = shards.iter().map(|s| s.manifest.threads).sum();
    manifest.resumed_runs = shards.iter().map(|s| s.manifest.resumed_runs).sum();
    manifest.merged_from = Some(
        shards
            .iter()
            .map(|s| MergedShard {
                dir: s.dir.display().to_string(),
                threads: s.manifest.threads,
                wall_seconds: s.manifest.wall_seconds,
                resumed_runs: s.manifest.resumed_runs,
            })
            .collect(),
    );
    manifest.wall_seconds = started.elapsed().as_secs_f64();
    manifest.write(&partial)?;
    publish(&partial, out)?;
    Ok(MergeReport {
        shards: shards.len(),
        blocks: layout.blocks,
        runs: rows.runs,
        out: out.to_path_buf(),
    })
}

/// The parts folder each block comes from, after checking that every block
/// is in exactly one shard and holds exactly its points × replicates with
/// the seeds the master seed gives.
fn coverage(plan: &Plan, layout: Layout, shards: &[Experiment]) -> Result<Vec<PathBuf>, Error> {
    let mut sources: Vec<Option<PathBuf>> = vec![None; layout.blocks];
    for s in shards {
        let parts = s.dir.join("parts");
        for (b, slot) in sources.iter_mut().enumerate() {
            if part_path(&parts, "runs", b).is_file() {
                if let Some(first) = slot {
                    return Err(Error::Refused(format!(
                        "block {b} (points {:?}) is in two shards: {} and {}",
                        layout.range(b),
                        first.display(),
                        parts.display()
                    )));
                }
                *slot = Some(parts.clone());
            }
        }
    }
    let mut complete = Vec::with_capacity(layout.blocks);
    for (b, source) in sources.into_iter().enumerate() {
        let parts = source.ok_or_else(|| {
            Error::Refused(format!(
                "block {b} (points {:?}) is in no shard: a shard is missing or unfinished",
                layout.range(b)
            ))
        })?;
        verify_block(
            &parts,
            b,
            Owner {
                config_sha256: &shards[0].manifest.config_sha256,
                layout,
            },
        )
        .map_err(|(path, why)| Error::Invalid { path, why })?;
        let path = part_path(&parts, "runs", b);
        check_block(plan, layout, b, &read_parquet(&path)?)
            .map_err(|why| Error::Invalid { path, why })?;
        complete.push(parts);
    }
    Ok(complete)
}
