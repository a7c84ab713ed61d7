//! Experiment output: Parquet (zstd) through Polars, and a JSON manifest.
//!
//! The plan is cut into blocks of consecutive points (`Layout`). Each block
//! is written as its own part files into `<dir>.partial/parts/`; the runs
//! part is renamed into place last, so its presence is the block's "done"
//! mark and `--resume` skips it. When every block is done the parts are
//! concatenated, batch by batch (bounded memory), into one file per table,
//! the manifest is written, and `<dir>.partial` is renamed to `<dir>`: an
//! interrupted run never leaves a folder that looks finished.
//!
//! A shard (`--shard K/N`) owns every N-th block and keeps its parts;
//! `merge` checks that the shards cover the plan exactly once and
//! concatenates their parts in block order, which is plan order.

use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use openmarket_core::config::ModelConfig;
use openmarket_core::experiment::{Batch, EquilibriumRow, RunRow, TrajectoryRow};
use openmarket_core::plan::{Plan, run_seed};
use polars::prelude::*;

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
    fn write(&mut self, df: DataFrame) -> Result<()> {
        if self.writer.is_none() {
            let file = File::create(&self.path)
                .with_context(|| format!("cannot create {}", self.path.display()))?;
            let writer = ParquetWriter::new(file)
                .with_compression(ParquetCompression::Zstd(None))
                .batched(df.schema())?;
            self.writer = Some(writer);
        }
        if df.height() == 0 {
            return Ok(());
        }
        self.rows += df.height() as u64;
        self.writer
            .as_mut()
            .expect("created above")
            .write_batch(&df)?;
        Ok(())
    }

    fn finish(self) -> Result<u64> {
        if let Some(w) = self.writer {
            w.finish()?;
        }
        Ok(self.rows)
    }
}

/// The Parquet type of a swept parameter, fixed by the whole plan so every
/// block of an experiment has the same schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AxisKind {
    Int,
    Float,
    Bool,
    Text,
}

/// Each axis's kind: computed once per experiment, not per block.
pub fn axis_kinds(plan: &Plan) -> Vec<AxisKind> {
    plan.axes
        .iter()
        .map(|axis| {
            let all = |f: fn(&toml::Value) -> bool| {
                plan.points.iter().filter_map(|p| p.param(axis)).all(f)
            };
            if all(toml::Value::is_integer) {
                AxisKind::Int
            } else if all(|v| v.is_integer() || v.is_float()) {
                AxisKind::Float
            } else if all(toml::Value::is_bool) {
                AxisKind::Bool
            } else {
                AxisKind::Text
            }
        })
        .collect()
}

/// The swept parameters as typed columns, one value per row; null where a
/// row's study does not sweep that axis.
fn param_columns(plan: &Plan, kinds: &[AxisKind], point_of_row: &[usize]) -> Vec<Column> {
    plan.axes
        .iter()
        .zip(kinds)
        .map(|(axis, kind)| {
            let values: Vec<Option<&toml::Value>> = point_of_row
                .iter()
                .map(|&p| plan.points[p].param(axis))
                .collect();
            let name = PlSmallStr::from(axis.as_str());
            match kind {
                AxisKind::Int => Column::new(
                    name,
                    values
                        .iter()
                        .map(|v| v.and_then(toml::Value::as_integer))
                        .collect::<Vec<_>>(),
                ),
                AxisKind::Float => Column::new(
                    name,
                    values
                        .iter()
                        .map(|v| v.and_then(|v| v.as_float().or(v.as_integer().map(|i| i as f64))))
                        .collect::<Vec<_>>(),
                ),
                AxisKind::Bool => Column::new(
                    name,
                    values
                        .iter()
                        .map(|v| v.and_then(toml::Value::as_bool))
                        .collect::<Vec<_>>(),
                ),
                AxisKind::Text => {
                    let text: Vec<Option<String>> = values
                        .iter()
                        .map(|v| {
                            v.map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                        })
                        .collect();
                    Column::new(name, text)
                }
            }
        })
        .collect()
}

/// A `List(Float64)` column, typed even when `rows` is empty. One builder
/// for the whole column: no per-row Series.
fn list<'a>(name: &str, rows: impl ExactSizeIterator<Item = &'a [f64]>) -> Result<Column> {
    let n = rows.len();
    let mut builder =
        ListPrimitiveChunkedBuilder::<Float64Type>::new(name.into(), n, 2 * n, DataType::Float64);
    for r in rows {
        builder.append_slice(r);
    }
    Ok(builder.finish().into_series().into_column())
}

fn family(plan: &Plan, point: usize) -> &'static str {
    match plan.points[point].config.model {
        ModelConfig::Openness(_) => "openness",
        ModelConfig::Race(_) => "race",
    }
}

/// `study` (when the config has `[[study]]` sections) and the swept
/// parameters.
fn point_columns(plan: &Plan, kinds: &[AxisKind], points: &[usize]) -> Vec<Column> {
    let mut cols = Vec::new();
    if !plan.studies.is_empty() {
        cols.push(Column::new(
            "study".into(),
            points
                .iter()
                .map(|&p| plan.points[p].study.map(|s| plan.studies[s].as_str()))
                .collect::<Vec<_>>(),
        ));
    }
    cols.extend(param_columns(plan, kinds, points));
    cols
}

fn runs_frame(plan: &Plan, kinds: &[AxisKind], rows: &[RunRow]) -> Result<DataFrame> {
    let points: Vec<usize> = rows.iter().map(|r| r.point).collect();
    let mut cols = vec![
        Column::new(
            "point_id".into(),
            rows.iter().map(|r| r.point as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "replicate".into(),
            rows.iter().map(|r| r.replicate).collect::<Vec<_>>(),
        ),
        Column::new(
            "seed".into(),
            rows.iter().map(|r| r.seed).collect::<Vec<_>>(),
        ),
    ];
    cols.extend(point_columns(plan, kinds, &points));
    cols.extend([
        Column::new(
            "family".into(),
            rows.iter()
                .map(|r| family(plan, r.point))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "rule".into(),
            rows.iter().map(|r| r.rule).collect::<Vec<_>>(),
        ),
        list("actions", rows.iter().map(|r| r.actions.as_slice()))?,
        list("payoffs", rows.iter().map(|r| r.payoffs.as_slice()))?,
        Column::new(
            "nash_conv".into(),
            rows.iter().map(|r| r.nash_conv).collect::<Vec<_>>(),
        ),
        Column::new(
            "converged".into(),
            rows.iter().map(|r| r.converged).collect::<Vec<_>>(),
        ),
        Column::new(
            "iterations".into(),
            rows.iter().map(|r| r.iterations).collect::<Vec<_>>(),
        ),
        Column::new(
            "termination_reason".into(),
            rows.iter()
                .map(|r| r.termination.name())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "cycle_detected".into(),
            rows.iter().map(|r| r.cycle_detected).collect::<Vec<_>>(),
        ),
        Column::new(
            "avg_regret".into(),
            rows.iter().map(|r| r.avg_regret).collect::<Vec<_>>(),
        ),
        Column::new(
            "dist_to_equilibrium".into(),
            rows.iter()
                .map(|r| r.dist_to_equilibrium)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "regime".into(),
            rows.iter().map(|r| r.regime).collect::<Vec<_>>(),
        ),
    ]);
    Ok(DataFrame::new_infer_height(cols)?)
}

fn equilibria_frame(plan: &Plan, kinds: &[AxisKind], rows: &[EquilibriumRow]) -> Result<DataFrame> {
    let points: Vec<usize> = rows.iter().map(|r| r.point).collect();
    let mut cols = vec![Column::new(
        "point_id".into(),
        rows.iter().map(|r| r.point as u64).collect::<Vec<_>>(),
    )];
    cols.extend(point_columns(plan, kinds, &points));
    cols.extend([
        Column::new(
            "solver".into(),
            rows.iter().map(|r| r.solver).collect::<Vec<_>>(),
        ),
        Column::new(
            "equilibrium".into(),
            rows.iter().map(|r| r.index as u64).collect::<Vec<_>>(),
        ),
        list("actions", rows.iter().map(|r| r.actions.as_slice()))?,
        Column::new(
            "strict".into(),
            rows.iter().map(|r| r.strict).collect::<Vec<_>>(),
        ),
        Column::new(
            "nontrivial".into(),
            rows.iter().map(|r| r.nontrivial).collect::<Vec<_>>(),
        ),
        Column::new(
            "regime".into(),
            rows.iter().map(|r| r.regime).collect::<Vec<_>>(),
        ),
        Column::new(
            "delta".into(),
            rows.iter().map(|r| r.delta).collect::<Vec<_>>(),
        ),
    ]);
    Ok(DataFrame::new_infer_height(cols)?)
}

fn trajectories_frame(rows: &[TrajectoryRow]) -> Result<DataFrame> {
    Ok(DataFrame::new_infer_height(vec![
        Column::new(
            "point_id".into(),
            rows.iter().map(|r| r.point as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "replicate".into(),
            rows.iter().map(|r| r.replicate).collect::<Vec<_>>(),
        ),
        Column::new(
            "iteration".into(),
            rows.iter().map(|r| r.iteration).collect::<Vec<_>>(),
        ),
        list("actions", rows.iter().map(|r| r.actions.as_slice()))?,
        Column::new(
            "nash_conv".into(),
            rows.iter().map(|r| r.nash_conv).collect::<Vec<_>>(),
        ),
    ])?)
}

/// The three tables of an experiment, in the order a block writes them
/// (runs last: its part marks the block done).
pub const TABLES: [&str; 3] = ["equilibria", "trajectories", "runs"];

/// `--shard K/N`: this process owns blocks b with b mod N = K.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub k: usize,
    pub n: usize,
}

impl Shard {
    pub const WHOLE: Shard = Shard { k: 0, n: 1 };
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("--shard {s}: expected K/N with 0 ≤ K < N, e.g. 0/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (usize, usize) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if n == 0 || k >= n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

/// How a plan is cut into blocks of consecutive points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Layout {
    /// Points per block.
    pub block: usize,
    pub blocks: usize,
    pub points: usize,
}

impl Layout {
    /// Blocks of about 20,000 runs (bounded memory), at least 8 per shard
    /// (resume granularity, and work for every shard), at most 10,000
    /// points. Content never depends on it: only file boundaries do.
    pub fn new(plan: &Plan, shards: usize) -> Self {
        let points = plan.points.len();
        let by_runs = 20_000usize.div_ceil(plan.seeds_per_point.max(1) as usize);
        let by_shards = points.div_ceil(8 * shards.max(1));
        let block = by_runs.min(by_shards).clamp(1, 10_000);
        Layout {
            block,
            blocks: points.div_ceil(block),
            points,
        }
    }

    pub fn range(&self, b: usize) -> Range<usize> {
        b * self.block..((b + 1) * self.block).min(self.points)
    }

    pub fn owned(&self, shard: Shard) -> impl Iterator<Item = usize> {
        (shard.k..self.blocks).step_by(shard.n)
    }
}

fn part_path(parts: &Path, table: &str, b: usize) -> PathBuf {
    parts.join(format!("{table}-{b:06}.parquet"))
}

fn write_parquet_atomically(path: &Path, df: &mut DataFrame) -> Result<()> {
    let tmp = path.with_extension("parquet.tmp");
    let file = File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(df)?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

pub fn read_parquet(path: &Path) -> Result<DataFrame> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
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
    pub layout: Layout,
    pub shard: Shard,
    partial: PathBuf,
    dir: PathBuf,
    trajectories: bool,
    kinds: Vec<AxisKind>,
}

/// Is `dir` a finished openmarket experiment (which a new run may replace)?
fn is_experiment(dir: &Path) -> bool {
    dir.join("manifest.json").is_file()
}

/// The shard a finished experiment folder holds (`WHOLE` for a whole run).
fn shard_of(dir: &Path) -> Option<Shard> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).ok()?;
    let m: serde_json::Value = serde_json::from_str(&text).ok()?;
    if m["shard"].is_null() {
        Some(Shard::WHOLE)
    } else {
        serde_json::from_value(m["shard"].clone()).ok()
    }
}

fn partial_of(dir: &Path) -> Result<PathBuf> {
    let name = dir
        .file_name()
        .context("--out must name a folder")?
        .to_string_lossy()
        .to_string();
    Ok(dir.with_file_name(format!("{name}.partial")))
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
    ) -> Result<Self> {
        if dir.exists() && !is_experiment(dir) {
            bail!(
                "{} already exists and is not an openmarket experiment folder: choose another --out or remove it",
                dir.display()
            );
        }
        if let Some(other) = shard_of(dir).filter(|s| *s != shard) {
            let name = |s: Shard| {
                if s == Shard::WHOLE {
                    "a whole experiment".to_string()
                } else {
                    format!("shard {}/{}", s.k, s.n)
                }
            };
            bail!(
                "{} holds {}; this run is {}: give each shard its own --out",
                dir.display(),
                name(other),
                name(shard)
            );
        }
        let partial = partial_of(dir)?;
        let state = PartialState {
            config_sha256: config_sha256.to_string(),
            layout: Layout::new(plan, shard.n),
            shard,
            trajectory_every,
        };
        let state_path = partial.join("plan.json");
        if partial.exists() {
            if !resume {
                bail!(
                    "{} holds an interrupted run: pass --resume to finish it, or remove that folder to start again",
                    partial.display()
                );
            }
            let found: PartialState = std::fs::read_to_string(&state_path)
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .with_context(|| {
                    format!(
                        "{} has no readable plan.json: remove it to start again",
                        partial.display()
                    )
                })?;
            std::fs::create_dir_all(partial.join("parts"))?;
            if found != state {
                let what = if found.config_sha256 != state.config_sha256 {
                    format!(
                        "another config (sha256 {} there, {} now)",
                        found.config_sha256, state.config_sha256
                    )
                } else if found.shard != state.shard {
                    format!(
                        "another shard ({}/{} there, {}/{} now)",
                        found.shard.k, found.shard.n, state.shard.k, state.shard.n
                    )
                } else if found.trajectory_every != state.trajectory_every {
                    format!(
                        "another [output] trajectory_every ({} there, {} now)",
                        found.trajectory_every, state.trajectory_every
                    )
                } else {
                    "another block layout (a different openmarket version?)".to_string()
                };
                bail!(
                    "cannot resume {}: it was started with {what}; remove it to start again",
                    partial.display()
                );
            }
        } else {
            std::fs::create_dir_all(partial.join("parts"))
                .with_context(|| format!("cannot create {}", partial.display()))?;
            std::fs::write(&state_path, serde_json::to_string_pretty(&state)? + "\n")?;
        }
        Ok(Store {
            plan,
            layout: state.layout,
            shard,
            partial,
            dir: dir.to_path_buf(),
            trajectories: trajectory_every > 0,
            kinds: axis_kinds(plan),
        })
    }

    fn parts(&self) -> PathBuf {
        self.partial.join("parts")
    }

    pub fn is_done(&self, b: usize) -> bool {
        part_path(&self.parts(), "runs", b).is_file()
    }

    /// Write block `b`; the runs part goes last and marks it done.
    pub fn write_block(&self, b: usize, batch: &Batch) -> Result<()> {
        let parts = self.parts();
        let mut eq = equilibria_frame(self.plan, &self.kinds, &batch.equilibria)?;
        write_parquet_atomically(&part_path(&parts, "equilibria", b), &mut eq)?;
        if self.trajectories {
            let mut tr = trajectories_frame(&batch.trajectories)?;
            write_parquet_atomically(&part_path(&parts, "trajectories", b), &mut tr)?;
        }
        let mut runs = runs_frame(self.plan, &self.kinds, &batch.runs)?;
        write_parquet_atomically(&part_path(&parts, "runs", b), &mut runs)
    }

    /// Finish: a whole run concatenates its parts into one file per table;
    /// a shard keeps its parts for `merge`. Then the manifest, then the
    /// rename that makes the folder visible.
    pub fn finish(self, manifest: impl FnOnce(Rows) -> serde_json::Value) -> Result<PathBuf> {
        let parts = self.parts();
        let whole = self.shard == Shard::WHOLE;
        let rows = if whole {
            let sources: Vec<PathBuf> = (0..self.layout.blocks).map(|_| parts.clone()).collect();
            concatenate(&sources, &self.partial, self.trajectories)?
        } else {
            count_parts(&parts)?
        };
        std::fs::write(
            self.partial.join("manifest.json"),
            serde_json::to_string_pretty(&manifest(rows))? + "\n",
        )?;
        // plan.json goes last: until then `--resume` still recognises the
        // folder (and recreates `parts/` if a crash removed it).
        if whole {
            std::fs::remove_dir_all(&parts)?;
        }
        std::fs::remove_file(self.partial.join("plan.json"))?;
        publish(&self.partial, &self.dir)?;
        Ok(self.dir)
    }
}

/// Row counts per table, as the manifest records them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rows {
    pub runs: u64,
    pub equilibria: u64,
    pub trajectories: u64,
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

fn count_parts(parts: &Path) -> Result<Rows> {
    let mut rows = Rows::default();
    for entry in std::fs::read_dir(parts)? {
        let path = entry?.path();
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
fn concatenate(sources: &[PathBuf], out: &Path, trajectories: bool) -> Result<Rows> {
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
fn publish(partial: &Path, dir: &Path) -> Result<()> {
    let mut replaced = None;
    if dir.exists() {
        if !is_experiment(dir) {
            bail!("{} appeared while running: not replacing it", dir.display());
        }
        // A name only this process uses: nothing of the user's is touched.
        let old = partial.with_extension(format!("replaced-{}", std::process::id()));
        std::fs::rename(dir, &old)?;
        replaced = Some(old);
    }
    std::fs::rename(partial, dir)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), dir.display()))?;
    if let Some(old) = replaced {
        std::fs::remove_dir_all(&old)?;
    }
    Ok(())
}

/// A shard folder, as `merge` reads it.
pub struct ShardDir {
    pub dir: PathBuf,
    pub manifest: serde_json::Value,
}

impl ShardDir {
    pub fn open(dir: &Path) -> Result<Self> {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "{} is not a finished shard: no manifest.json",
                dir.display()
            )
        })?;
        let manifest: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON", path.display()))?;
        if manifest["shard"].is_null() {
            bail!(
                "{} is a whole experiment, not a shard (run with --shard K/N)",
                dir.display()
            );
        }
        Ok(ShardDir {
            dir: dir.to_path_buf(),
            manifest,
        })
    }
}

/// Check that `shards` cover `plan` exactly once — every block in exactly
/// one shard, and every block's runs are exactly its points × replicates
/// with the seeds the master seed gives — then write one experiment into
/// `out`. Returns the row counts.
pub fn merge(plan: &Plan, layout: Layout, shards: &[ShardDir], out: &Path) -> Result<Rows> {
    let mut sources: Vec<Option<PathBuf>> = vec![None; layout.blocks];
    for s in shards {
        let parts = s.dir.join("parts");
        for (b, slot) in sources.iter_mut().enumerate() {
            if part_path(&parts, "runs", b).is_file() {
                if let Some(first) = slot {
                    bail!(
                        "block {b} (points {:?}) is in two shards: {} and {}",
                        layout.range(b),
                        first.display(),
                        parts.display()
                    );
                }
                *slot = Some(parts.clone());
            }
        }
    }
    let mut complete = Vec::with_capacity(layout.blocks);
    for (b, source) in sources.into_iter().enumerate() {
        let parts = source.with_context(|| {
            format!(
                "block {b} (points {:?}) is in no shard: a shard is missing or unfinished",
                layout.range(b)
            )
        })?;
        check_block(
            plan,
            layout,
            b,
            &read_parquet(&part_path(&parts, "runs", b))?,
        )?;
        complete.push(parts);
    }
    let partial = partial_of(out)?;
    if partial.join("plan.json").exists() {
        bail!(
            "{} holds an interrupted `run`: finish it with --resume or remove it, or merge into another --out",
            partial.display()
        );
    }
    if partial.exists() {
        // What an interrupted merge left: nothing there is final.
        std::fs::remove_dir_all(&partial)?;
    }
    if out.exists() && !is_experiment(out) {
        bail!(
            "{} already exists and is not an openmarket experiment folder",
            out.display()
        );
    }
    std::fs::create_dir_all(&partial)?;
    let trajectories = plan
        .points
        .first()
        .is_some_and(|p| p.config.output.trajectory_every > 0);
    let rows = concatenate(&complete, &partial, trajectories)?;
    Ok(rows)
}

/// Publish a merged folder once its manifest is written.
pub fn finish_merge(out: &Path, manifest: &serde_json::Value) -> Result<()> {
    let partial = partial_of(out)?;
    std::fs::write(
        partial.join("manifest.json"),
        serde_json::to_string_pretty(manifest)? + "\n",
    )?;
    publish(&partial, out)
}

fn check_block(plan: &Plan, layout: Layout, b: usize, runs: &DataFrame) -> Result<()> {
    let ids = runs.column("point_id")?.u64()?;
    let reps = runs.column("replicate")?.u64()?;
    let seeds = runs.column("seed")?.u64()?;
    let expected = layout.range(b).len() * plan.seeds_per_point as usize;
    if runs.height() != expected {
        bail!("block {b}: {} runs, expected {expected}", runs.height());
    }
    let mut k = 0;
    for point in layout.range(b) {
        for rep in 0..plan.seeds_per_point {
            let (id, r, seed) = (ids.get(k), reps.get(k), seeds.get(k));
            let want = run_seed(plan.master_seed, point, rep);
            if id != Some(point as u64) || r != Some(rep) || seed != Some(want) {
                bail!(
                    "block {b}, row {k}: found (point {id:?}, replicate {r:?}, seed {seed:?}), expected (point {point}, replicate {rep}, seed {want})"
                );
            }
            k += 1;
        }
    }
    Ok(())
}
