//! An experiment being written: `<dir>.partial/`.
//!
//! The plan is cut into blocks of consecutive points (`Layout`). Each block
//! is written as its own part files into `<dir>.partial/parts/`; the runs
//! part is renamed into place last, so its presence is the block's "done"
//! mark and `--resume` skips it. When every block is done the parts are
//! concatenated, batch by batch (bounded memory), into one file per table,
//! the manifest is written, and `<dir>.partial` is renamed to `<dir>`: an
//! interrupted run never leaves a folder that looks finished.
//!
//! A shard (`--shard K/N`) owns every N-th block and keeps its parts for
//! `merge`.

use std::fs::File;
use std::path::{Path, PathBuf};

use openmarket_core::experiment::runner::{Sink, SinkError};
use openmarket_core::experiment::{Batch, Layout, Shard};
use openmarket_core::plan::Plan;
use polars::prelude::*;

use super::schema::{self, AxisKind};
use super::{Error, Manifest, Rows, read_parquet};

/// The three tables of an experiment, in the order a block writes them
/// (runs last: its part marks the block done).
pub const TABLES: [&str; 3] = ["equilibria", "trajectories", "runs"];

/// A Parquet file written batch by batch; created at the first batch,
/// whose schema fixes the file's.
struct Table {
    path: PathBuf,
    writer: Option<polars::io::parquet::write::BatchedWriter<File>>,
    rows: u64,
}

impl Table {
    fn new(path: PathBuf) -> Self {
        Table {
            path,
            writer: None,
            rows: 0,
        }
    }

    /// The first frame, even an empty one, creates the file and fixes its
    /// schema, so a table with no rows is still a readable file.
    fn write(&mut self, df: DataFrame) -> Result<(), Error> {
        let path = self.path.clone();
        let pq = |e| Error::parquet(&path, e);
        if self.writer.is_none() {
            let file = File::create(&self.path).map_err(|e| Error::io(&self.path, e))?;
            let writer = ParquetWriter::new(file)
                .with_compression(ParquetCompression::Zstd(None))
                .batched(df.schema())
                .map_err(pq)?;
            self.writer = Some(writer);
        }
        if df.height() == 0 {
            return Ok(());
        }
        self.rows += df.height() as u64;
        self.writer
            .as_mut()
            .expect("created above")
            .write_batch(&df)
            .map_err(pq)
    }

    fn finish(self) -> Result<u64, Error> {
        if let Some(w) = self.writer {
            w.finish().map_err(|e| Error::parquet(&self.path, e))?;
        }
        Ok(self.rows)
    }
}

pub(crate) fn part_path(parts: &Path, table: &str, b: usize) -> PathBuf {
    parts.join(format!("{table}-{b:06}.parquet"))
}

fn encode(df: &mut DataFrame, path: &Path) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(df)
        .map_err(|e| Error::parquet(path, e))?;
    Ok(bytes)
}

/// Write `bytes` to `path` through a temporary name.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let tmp = path.with_extension("parquet.tmp");
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// What `<dir>.partial/plan.json` records, so `--resume` continues only
/// the run it belongs to.
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct PartialState {
    config_sha256: String,
    layout: Layout,
    shard: Shard,
    trajectory_every: u64,
}

/// An experiment being written: `<dir>.partial/`.
pub struct Store<'a> {
    plan: &'a Plan,
    /// How the plan is cut into blocks.
    pub layout: Layout,
    /// The shard this process runs.
    pub shard: Shard,
    partial: PathBuf,
    dir: PathBuf,
    trajectories: bool,
    kinds: Vec<AxisKind>,
}

/// Is `dir` a finished openmarket experiment (which a new run may replace)?
pub(crate) fn is_experiment(dir: &Path) -> bool {
    dir.join("manifest.json").is_file()
}

/// The shard a finished experiment folder holds (`WHOLE` for a whole run).
fn shard_of(dir: &Path) -> Option<Shard> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).ok()?;
    let m: Manifest = serde_json::from_str(&text).ok()?;
    Some(m.shard.unwrap_or(Shard::WHOLE))
}

/// `<dir>.partial`, beside `dir`.
pub(crate) fn partial_of(dir: &Path) -> Result<PathBuf, Error> {
    let name = dir
        .file_name()
        .ok_or_else(|| Error::Refused(format!("{} does not name a folder", dir.display())))?
        .to_string_lossy()
        .to_string();
    Ok(dir.with_file_name(format!("{name}.partial")))
}

fn describe(s: Shard) -> String {
    if s == Shard::WHOLE {
        "a whole experiment".to_string()
    } else {
        format!("shard {s}")
    }
}

impl<'a> Store<'a> {
    /// Start (or with `resume`, continue) writing the experiment `dir`.
    /// A finished experiment already at `dir` is replaced at the end; any
    /// other existing folder is refused.
    pub fn open(
        plan: &'a Plan,
        dir: &Path,
        shard: Shard,
        config_sha256: &str,
        trajectory_every: u64,
        resume: bool,
    ) -> Result<Self, Error> {
        if dir.exists() && !is_experiment(dir) {
            return Err(Error::Refused(format!(
                "{} already exists and is not an openmarket experiment folder: choose another --out or remove it",
                dir.display()
            )));
        }
        if let Some(other) = shard_of(dir).filter(|s| *s != shard) {
            return Err(Error::Refused(format!(
                "{} holds {}; this run is {}: give each shard its own --out",
                dir.display(),
                describe(other),
                describe(shard)
            )));
        }
        let partial = partial_of(dir)?;
        let state = PartialState {
            config_sha256: config_sha256.to_string(),
            layout: Layout::new(plan, shard.n),
            shard,
            trajectory_every,
        };
        let state_path = partial.join("plan.json");
        let parts = partial.join("parts");
        if partial.exists() {
            if !resume {
                return Err(Error::Refused(format!(
                    "{} holds an interrupted run: pass --resume to finish it, or remove that folder to start again",
                    partial.display()
                )));
            }
            let found: PartialState = std::fs::read_to_string(&state_path)
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .ok_or_else(|| {
                    Error::Refused(format!(
                        "{} has no readable plan.json: remove it to start again",
                        partial.display()
                    ))
                })?;
            std::fs::create_dir_all(&parts).map_err(|e| Error::io(&parts, e))?;
            if found != state {
                let what = if found.config_sha256 != state.config_sha256 {
                    format!(
                        "another config (sha256 {} there, {} now)",
                        found.config_sha256, state.config_sha256
                    )
                } else if found.shard != state.shard {
                    format!("another shard ({} there, {} now)", found.shard, state.shard)
                } else if found.trajectory_every != state.trajectory_every {
                    format!(
                        "another [output] trajectory_every ({} there, {} now)",
                        found.trajectory_every, state.trajectory_every
                    )
                } else {
                    "another block layout (a different openmarket version?)".to_string()
                };
                return Err(Error::Refused(format!(
                    "cannot resume {}: it was started with {what}; remove it to start again",
                    partial.display()
                )));
            }
        } else {
            std::fs::create_dir_all(&parts).map_err(|e| Error::io(&parts, e))?;
            let text = serde_json::to_string_pretty(&state).expect("state serializes") + "\n";
            std::fs::write(&state_path, text).map_err(|e| Error::io(&state_path, e))?;
        }
        Ok(Store {
            plan,
            layout: state.layout,
            shard,
            partial,
            dir: dir.to_path_buf(),
            trajectories: trajectory_every > 0,
            kinds: schema::axis_kinds(plan),
        })
    }

    fn parts(&self) -> PathBuf {
        self.partial.join("parts")
    }

    /// Whether block `b` is already written.
    pub fn is_done(&self, b: usize) -> bool {
        part_path(&self.parts(), "runs", b).is_file()
    }

    /// The blocks this shard owns.
    pub fn owned(&self) -> Vec<usize> {
        self.layout.owned(self.shard).collect()
    }

    /// The owned blocks not yet written.
    pub fn todo(&self) -> Vec<usize> {
        self.owned()
            .into_iter()
            .filter(|&b| !self.is_done(b))
            .collect()
    }

    /// Finish: a whole run concatenates its parts into one file per table;
    /// a shard keeps its parts for `merge`. Then the manifest, then the
    /// rename that makes the folder visible.
    pub fn finish(self, manifest: impl FnOnce(Rows) -> Manifest) -> Result<PathBuf, Error> {
        let parts = self.parts();
        let whole = self.shard == Shard::WHOLE;
        let rows = if whole {
            let sources: Vec<PathBuf> = (0..self.layout.blocks).map(|_| parts.clone()).collect();
            concatenate(&sources, &self.partial, self.trajectories)?
        } else {
            count_parts(&parts)?
        };
        manifest(rows).write(&self.partial)?;
        // plan.json goes last: until then `--resume` still recognises the
        // folder (and recreates `parts/` if a crash removed it).
        if whole {
            std::fs::remove_dir_all(&parts).map_err(|e| Error::io(&parts, e))?;
        }
        let state = self.partial.join("plan.json");
        std::fs::remove_file(&state).map_err(|e| Error::io(&state, e))?;
        publish(&self.partial, &self.dir)?;
        Ok(self.dir)
    }
}

/// A block's tables, encoded in memory, in write order.
pub struct Part(Vec<(&'static str, Vec<u8>)>);

impl Sink for Store<'_> {
    type Part = Part;

    fn encode(&self, b: usize, batch: Batch) -> Result<Part, SinkError> {
        let parts = self.parts();
        let path = |t| part_path(&parts, t, b);
        let mut out = Vec::with_capacity(3);
        let mut eq = schema::equilibria_frame(self.plan, &self.kinds, &batch.equilibria)
            .map_err(|e| Error::parquet(&path("equilibria"), e))?;
        out.push(("equilibria", encode(&mut eq, &path("equilibria"))?));
        if self.trajectories {
            let mut tr = schema::trajectories_frame(&batch.trajectories)
                .map_err(|e| Error::parquet(&path("trajectories"), e))?;
            out.push(("trajectories", encode(&mut tr, &path("trajectories"))?));
        }
        let mut runs = schema::runs_frame(self.plan, &self.kinds, &batch.runs)
            .map_err(|e| Error::parquet(&path("runs"), e))?;
        out.push(("runs", encode(&mut runs, &path("runs"))?));
        Ok(Part(out))
    }

    fn commit(&mut self, b: usize, part: Part) -> Result<(), SinkError> {
        let parts = self.parts();
        for (table, bytes) in part.0 {
            write_atomically(&part_path(&parts, table, b), &bytes)?;
        }
        Ok(())
    }
}

impl Rows {
    fn add(&mut self, table: &str, n: u64) {
        match table {
            "runs" => self.runs += n,
            "equilibria" => self.equilibria += n,
            _ => self.trajectories += n,
        }
    }
}

fn count_parts(parts: &Path) -> Result<Rows, Error> {
    let mut rows = Rows::default();
    for entry in std::fs::read_dir(parts).map_err(|e| Error::io(parts, e))? {
        let path = entry.map_err(|e| Error::io(parts, e))?.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let table = TABLES.iter().find(|t| name.starts_with(&format!("{t}-")));
        if let Some(table) = table.filter(|_| name.ends_with(".parquet")) {
            rows.add(table, read_parquet(&path)?.height() as u64);
        }
    }
    Ok(rows)
}

/// Concatenate block parts into `<out>/<table>.parquet`, block b's part
/// taken from `sources[b]`. One block in memory at a time.
pub(crate) fn concatenate(
    sources: &[PathBuf],
    out: &Path,
    trajectories: bool,
) -> Result<Rows, Error> {
    let mut rows = Rows::default();
    for table in TABLES {
        if table == "trajectories" && !trajectories {
            continue;
        }
        let mut writer = Table::new(out.join(format!("{table}.parquet")));
        for (b, parts) in sources.iter().enumerate() {
            writer.write(read_parquet(&part_path(parts, table, b))?)?;
        }
        rows.add(table, writer.finish()?);
    }
    Ok(rows)
}

/// Rename `partial` to `dir`, replacing a finished experiment already there.
pub(crate) fn publish(partial: &Path, dir: &Path) -> Result<(), Error> {
    let mut replaced = None;
    if dir.exists() {
        if !is_experiment(dir) {
            return Err(Error::Refused(format!(
                "{} appeared while running: not replacing it",
                dir.display()
            )));
        }
        // A name only this process uses: nothing of the user's is touched.
        let old = partial.with_extension(format!("replaced-{}", std::process::id()));
        std::fs::rename(dir, &old).map_err(|e| Error::io(dir, e))?;
        replaced = Some(old);
    }
    std::fs::rename(partial, dir).map_err(|e| Error::io(dir, e))?;
    if let Some(old) = replaced {
        std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    }
    Ok(())
}
