//! An experiment being written: `<dir>.partial/`.
//!
//! The plan is cut into blocks of consecutive points (`Layout`). Each block
//! is written as its own part files into `<dir>.partial/parts/`, then its
//! seal, `block-<b>.json`: each part's size, row count and SHA-256. A block
//! is done when its seal is there and every part matches it; `--resume`
//! skips done blocks and recomputes any other (a damaged, truncated or
//! foreign part is reported and redone), and every part is checked again
//! against its seal before it is published. When every block is done the
//! parts' compressed pages are copied, part by part (bounded memory), into
//! one file per table (`concat`: nothing is decoded or encoded again),
//! the manifest is written, and `<dir>.partial` is renamed to `<dir>`: an
//! interrupted run never leaves a folder that looks finished.
//!
//! A shard (`--shard K/N`) owns every N-th block and keeps its parts for
//! `merge`.

use std::path::{Path, PathBuf};

use openmarket_core::experiment::runner::{Sink, SinkError};
use openmarket_core::experiment::{Batch, Layout, Shard};
use openmarket_core::plan::{Plan, run_seed};
use polars::prelude::*;

use super::concat;
use super::schema::{self, AxisKind};
use super::{Error, Manifest, Rows, read_parquet};

/// The three tables of an experiment, in the order a block writes them
/// (its seal, written after them, marks the block done).
pub const TABLES: [&str; 3] = ["equilibria", "trajectories", "runs"];

pub(crate) fn part_path(parts: &Path, table: &str, b: usize) -> PathBuf {
    parts.join(format!("{table}-{b:06}.parquet"))
}

fn seal_path(parts: &Path, b: usize) -> PathBuf {
    parts.join(format!("block-{b:06}.json"))
}

/// What a block's seal records of each of its parts.
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Sealed {
    table: String,
    bytes: u64,
    rows: u64,
    sha256: String,
}

/// A block's seal: written after its parts, it says what they must be and
/// whose they are (the config's hash, the block's points).
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Seal {
    config_sha256: String,
    block: usize,
    points: [usize; 2],
    parts: Vec<Sealed>,
}

/// What a block of this experiment must be: the config's hash and the
/// block's points.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Owner<'a> {
    pub(crate) config_sha256: &'a str,
    pub(crate) layout: Layout,
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(bytes))
}

/// Why block `b` in `parts` is not a finished, intact block (`Ok` if it is).
/// Each part is read whole to hash it: a block's parts are small.
pub(crate) fn verify_block(parts: &Path, b: usize, owner: Owner) -> Result<(), (PathBuf, String)> {
    let path = seal_path(parts, b);
    let text =
        std::fs::read_to_string(&path).map_err(|e| (path.clone(), format!("no seal: {e}")))?;
    let seal: Seal =
        serde_json::from_str(&text).map_err(|e| (path.clone(), format!("unreadable seal: {e}")))?;
    if seal.config_sha256 != owner.config_sha256 {
        return Err((path, "comes from another config's run".into()));
    }
    let range = owner.layout.range(b);
    if seal.block != b || seal.points != [range.start, range.end] {
        return Err((
            path,
            format!(
                "is the seal of block {} (points {}..{}), not of block {b} (points {}..{})",
                seal.block, seal.points[0], seal.points[1], range.start, range.end
            ),
        ));
    }
    if !seal.parts.iter().any(|p| p.table == "runs") {
        return Err((path, "seals no runs part".into()));
    }
    for p in &seal.parts {
        let Some(table) = TABLES.iter().find(|t| **t == p.table) else {
            return Err((path, format!("names an unknown table `{}`", p.table)));
        };
        let file = part_path(parts, table, b);
        let bytes = std::fs::read(&file).map_err(|e| (file.clone(), e.to_string()))?;
        if bytes.len() as u64 != p.bytes || sha256(&bytes) != p.sha256 {
            return Err((
                file,
                format!(
                    "does not match its seal ({} bytes, sha256 {}; sealed {} bytes, sha256 {})",
                    bytes.len(),
                    &sha256(&bytes)[..12],
                    p.bytes,
                    &p.sha256[..p.sha256.len().min(12)]
                ),
            ));
        }
    }
    Ok(())
}

/// The rows the seal of an intact block records per table.
fn sealed_rows(parts: &Path, b: usize) -> Result<Vec<(String, u64)>, Error> {
    let path = seal_path(parts, b);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let seal: Seal = serde_json::from_str(&text).map_err(|e| Error::Invalid {
        path: path.clone(),
        why: format!("unreadable seal: {e}"),
    })?;
    Ok(seal.parts.into_iter().map(|p| (p.table, p.rows)).collect())
}

/// Every owned block intact, or the first that is not, as an error naming
/// the file.
pub(crate) fn verify_all(
    parts: &Path,
    blocks: impl Iterator<Item = usize>,
    owner: Owner,
) -> Result<(), Error> {
    for b in blocks {
        verify_block(parts, b, owner).map_err(|(path, why)| Error::Invalid {
            path,
            why: format!(
                "{why}; the part cannot be published (run again with --resume to recompute it)"
            ),
        })?;
    }
    Ok(())
}

fn encode(df: &mut DataFrame, path: &Path) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    // Serial inside a part: parts are encoded on the runner's workers, one
    // block each, so a second pool here would only contend with them (and
    // make `--threads 1` use more than one core).
    ParquetWriter::new(&mut bytes)
        .with_compression(ParquetCompression::Zstd(None))
        .set_parallel(false)
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
    config_sha256: String,
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
            config_sha256: config_sha256.to_string(),
        })
    }

    fn parts(&self) -> PathBuf {
        self.partial.join("parts")
    }

    /// Whether block `b` is written and intact.
    pub fn is_done(&self, b: usize) -> bool {
        verify_block(&self.parts(), b, self.owner()).is_ok()
    }

    fn owner(&self) -> Owner<'_> {
        Owner {
            config_sha256: &self.config_sha256,
            layout: self.layout,
        }
    }

    /// Remove what an unfinished or damaged block left, so it is
    /// recomputed; one line per block that had files: the file and what
    /// is wrong with it.
    pub fn clear_unfinished(&self) -> Result<Vec<String>, Error> {
        let parts = self.parts();
        let mut notes = Vec::new();
        for b in self.owned() {
            let files: Vec<PathBuf> = TABLES
                .iter()
                .map(|t| part_path(&parts, t, b))
                .chain([seal_path(&parts, b)])
                .filter(|f| f.exists())
                .collect();
            if files.is_empty() {
                continue;
            }
            // Intact bytes of the right block, holding the runs its seeds
            // give (a part copied from elsewhere with its seal edited
            // fails here).
            let checked = verify_block(&parts, b, self.owner()).and_then(|()| {
                let path = part_path(&parts, "runs", b);
                let runs = read_parquet(&path).map_err(|e| (path.clone(), e.to_string()))?;
                check_block(self.plan, self.layout, b, &runs).map_err(|why| (path, why))
            });
            if let Err((path, why)) = checked {
                if seal_path(&parts, b).exists() || part_path(&parts, "runs", b).exists() {
                    notes.push(format!("recomputing block {b}: {}: {why}", path.display()));
                }
                for f in files {
                    std::fs::remove_file(&f).map_err(|e| Error::io(&f, e))?;
                }
            }
        }
        Ok(notes)
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
        // Nothing is published that does not match what was written.
        verify_all(&parts, self.owned().into_iter(), self.owner())?;
        let rows = if whole {
            let sources: Vec<PathBuf> = (0..self.layout.blocks).map(|_| parts.clone()).collect();
            concatenate(&sources, &self.partial, self.trajectories)?
        } else {
            count_parts(&parts)?
        };
        manifest(rows).write(&self.partial)?;
        // plan.json stays until the folder is published: a crash at any
        // point before leaves a `.partial` that `--resume` recognises (and
        // recomputes from, if it finds `parts/` gone); a crash after leaves
        // a finished experiment with a stray plan.json, which nothing reads.
        if whole {
            std::fs::remove_dir_all(&parts).map_err(|e| Error::io(&parts, e))?;
        }
        publish(&self.partial, &self.dir)?;
        let state = self.dir.join("plan.json");
        std::fs::remove_file(&state).map_err(|e| Error::io(&state, e))?;
        Ok(self.dir)
    }
}

/// A block's part files, written and hashed on the worker that computed
/// it; only its seal remains to be written, in block order.
pub struct Part(Vec<Sealed>);

/// Encode `df` and write it as the part file `path`, through a temporary
/// name; what its seal records of it.
fn write_part(table: &str, df: &mut DataFrame, path: &Path) -> Result<Sealed, Error> {
    let bytes = encode(df, path)?;
    write_atomically(path, &bytes)?;
    Ok(Sealed {
        table: table.to_string(),
        bytes: bytes.len() as u64,
        rows: df.height() as u64,
        sha256: sha256(&bytes),
    })
}

impl Sink for Store<'_> {
    type Part = Part;

    /// Parts are written here, in parallel and in any order; a block
    /// counts as done only once `commit` writes its seal, so parts of a
    /// block whose seal never came are recomputed by `--resume`.
    fn encode(&self, b: usize, batch: Batch) -> Result<Part, SinkError> {
        let parts = self.parts();
        let path = |t| part_path(&parts, t, b);
        let mut out = Vec::with_capacity(3);
        let mut eq = schema::equilibria_frame(self.plan, &self.kinds, &batch.equilibria)
            .map_err(|e| Error::parquet(&path("equilibria"), e))?;
        out.push(write_part("equilibria", &mut eq, &path("equilibria"))?);
        drop(eq);
        if self.trajectories {
            let mut tr = schema::trajectories_frame(&batch.trajectories)
                .map_err(|e| Error::parquet(&path("trajectories"), e))?;
            out.push(write_part("trajectories", &mut tr, &path("trajectories"))?);
        }
        let mut runs = schema::runs_frame(self.plan, &self.kinds, &batch.runs)
            .map_err(|e| Error::parquet(&path("runs"), e))?;
        out.push(write_part("runs", &mut runs, &path("runs"))?);
        Ok(Part(out))
    }

    fn commit(&self, b: usize, part: Part) -> Result<(), SinkError> {
        let parts = self.parts();
        let range = self.layout.range(b);
        let seal = Seal {
            config_sha256: self.config_sha256.clone(),
            block: b,
            points: [range.start, range.end],
            parts: part.0,
        };
        let text = serde_json::to_string(&seal).expect("seal serializes") + "\n";
        let path = seal_path(&parts, b);
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
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
/// taken from `sources[b]`, by copying their compressed pages; each part's
/// row count is checked against its seal first. One part in memory at a
/// time.
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
        let paths = sources
            .iter()
            .enumerate()
            .map(|(b, parts)| part_path(parts, table, b));
        let n = concat::concatenate(
            paths,
            &out.join(format!("{table}.parquet")),
            |b, path, part| {
                let sealed = sealed_rows(&sources[b], b)?
                    .into_iter()
                    .find(|(t, _)| t == table)
                    .map(|(_, n)| n);
                if sealed != Some(part.rows) {
                    return Err(Error::Invalid {
                        path: path.to_path_buf(),
                        why: format!("holds {} rows; its seal says {sealed:?}", part.rows),
                    });
                }
                Ok(())
            },
        )?;
        rows.add(table, n);
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

/// A block's runs are exactly its points × replicates, with the seeds the
/// master seed gives.
pub(crate) fn check_block(
    plan: &Plan,
    layout: Layout,
    b: usize,
    runs: &DataFrame,
) -> Result<(), String> {
    let column = |name: &str| -> Result<UInt64Chunked, String> {
        runs.column(name)
            .and_then(|c| c.u64().cloned())
            .map_err(|e| format!("column {name}: {e}"))
    };
    let (ids, reps, seeds) = (column("point_id")?, column("replicate")?, column("seed")?);
    let expected = layout.range(b).len() as u64 * plan.seeds_per_point;
    if runs.height() as u64 != expected {
        return Err(format!(
            "block {b}: {} runs, expected {expected}",
            runs.height()
        ));
    }
    let mut k = 0;
    for point in layout.range(b) {
        for rep in 0..plan.seeds_per_point {
            let (id, r, seed) = (ids.get(k), reps.get(k), seeds.get(k));
            let want = run_seed(plan.master_seed, point, rep);
            if id != Some(point as u64) || r != Some(rep) || seed != Some(want) {
                return Err(format!(
                    "block {b}, row {k}: found (point {id:?}, replicate {r:?}, seed {seed:?}), expected (point {point}, replicate {rep}, seed {want})"
                ));
            }
            k += 1;
        }
    }
    Ok(())
}
