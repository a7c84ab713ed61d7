//! Experiment output: Parquet (zstd) through Polars, and a JSON manifest.
//!
//! Everything is written into `<dir>.partial-<pid>` and renamed to `<dir>`
//! only when complete, so an interrupted run never leaves a folder that
//! looks finished. Rows arrive in batches (see `experiment::run_plan`) and
//! are written as row groups, so memory stays bounded.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use openmarket_core::config::ModelConfig;
use openmarket_core::experiment::{Batch, EquilibriumRow, RunRow, TrajectoryRow};
use openmarket_core::plan::Plan;
use polars::prelude::*;

/// A Parquet file written batch by batch; created at the first batch,
/// whose schema fixes the file's.
struct Table {
    path: PathBuf,
    writer: Option<BatchedWriter<File>>,
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

    fn write(&mut self, df: DataFrame) -> Result<()> {
        if df.height() == 0 {
            return Ok(());
        }
        if self.writer.is_none() {
            let file = File::create(&self.path)
                .with_context(|| format!("cannot create {}", self.path.display()))?;
            let writer = ParquetWriter::new(file)
                .with_compression(ParquetCompression::Zstd(None))
                .batched(df.schema())?;
            self.writer = Some(writer);
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

/// The swept parameters as typed columns, one value per row.
fn param_columns(plan: &Plan, point_of_row: &[usize]) -> Vec<Column> {
    plan.axes
        .iter()
        .enumerate()
        .map(|(a, name)| {
            let values: Vec<&toml::Value> = point_of_row
                .iter()
                .map(|&p| &plan.points[p].params[a].1)
                .collect();
            let name = PlSmallStr::from(name.as_str());
            let all_int = plan.points.iter().all(|p| p.params[a].1.is_integer());
            let all_num = plan
                .points
                .iter()
                .all(|p| p.params[a].1.is_integer() || p.params[a].1.is_float());
            let all_bool = plan.points.iter().all(|p| p.params[a].1.is_bool());
            if all_int {
                Column::new(
                    name,
                    values.iter().map(|v| v.as_integer()).collect::<Vec<_>>(),
                )
            } else if all_num {
                Column::new(
                    name,
                    values
                        .iter()
                        .map(|v| v.as_float().or(v.as_integer().map(|i| i as f64)))
                        .collect::<Vec<_>>(),
                )
            } else if all_bool {
                Column::new(name, values.iter().map(|v| v.as_bool()).collect::<Vec<_>>())
            } else {
                let text: Vec<String> = values
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect();
                Column::new(name, text)
            }
        })
        .collect()
}

fn list(name: &str, rows: impl Iterator<Item = Vec<f64>>) -> Column {
    let series: Vec<Series> = rows.map(|v| Series::new(PlSmallStr::EMPTY, v)).collect();
    Column::new(name.into(), series)
}

fn family(plan: &Plan, point: usize) -> &'static str {
    match plan.points[point].config.model {
        ModelConfig::Openness(_) => "openness",
        ModelConfig::Race(_) => "race",
    }
}

fn runs_frame(plan: &Plan, rows: &[RunRow]) -> Result<DataFrame> {
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
    cols.extend(param_columns(plan, &points));
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
        list("actions", rows.iter().map(|r| r.actions.clone())),
        list("payoffs", rows.iter().map(|r| r.payoffs.clone())),
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

fn equilibria_frame(plan: &Plan, rows: &[EquilibriumRow]) -> Result<DataFrame> {
    let points: Vec<usize> = rows.iter().map(|r| r.point).collect();
    let mut cols = vec![Column::new(
        "point_id".into(),
        rows.iter().map(|r| r.point as u64).collect::<Vec<_>>(),
    )];
    cols.extend(param_columns(plan, &points));
    cols.extend([
        Column::new(
            "solver".into(),
            rows.iter().map(|r| r.solver).collect::<Vec<_>>(),
        ),
        Column::new(
            "equilibrium".into(),
            rows.iter().map(|r| r.index as u64).collect::<Vec<_>>(),
        ),
        list("actions", rows.iter().map(|r| r.actions.clone())),
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
        list("actions", rows.iter().map(|r| r.actions.clone())),
        Column::new(
            "nash_conv".into(),
            rows.iter().map(|r| r.nash_conv).collect::<Vec<_>>(),
        ),
    ])?)
}

/// Writes one experiment folder.
pub struct ExperimentWriter<'a> {
    plan: &'a Plan,
    partial: PathBuf,
    dir: PathBuf,
    runs: Table,
    equilibria: Table,
    trajectories: Table,
}

impl<'a> ExperimentWriter<'a> {
    /// Refuses to overwrite an existing experiment folder.
    pub fn create(plan: &'a Plan, dir: &Path) -> Result<Self> {
        if dir.exists() {
            bail!(
                "{} already exists: choose another --out or remove it",
                dir.display()
            );
        }
        let name = dir
            .file_name()
            .context("--out must name a folder")?
            .to_string_lossy()
            .to_string();
        let partial = dir.with_file_name(format!("{name}.partial-{}", std::process::id()));
        std::fs::create_dir_all(&partial)
            .with_context(|| format!("cannot create {}", partial.display()))?;
        Ok(ExperimentWriter {
            plan,
            runs: Table::new(partial.join("runs.parquet")),
            equilibria: Table::new(partial.join("equilibria.parquet")),
            trajectories: Table::new(partial.join("trajectories.parquet")),
            partial,
            dir: dir.to_path_buf(),
        })
    }

    pub fn write(&mut self, batch: Batch) -> Result<()> {
        self.runs.write(runs_frame(self.plan, &batch.runs)?)?;
        self.equilibria
            .write(equilibria_frame(self.plan, &batch.equilibria)?)?;
        self.trajectories
            .write(trajectories_frame(&batch.trajectories)?)?;
        Ok(())
    }

    /// Close the files, write the manifest, and make the folder visible.
    pub fn finish(
        self,
        manifest: impl FnOnce(u64, u64, u64) -> serde_json::Value,
    ) -> Result<PathBuf> {
        let runs = self.runs.finish()?;
        let equilibria = self.equilibria.finish()?;
        let trajectories = self.trajectories.finish()?;
        let m = manifest(runs, equilibria, trajectories);
        std::fs::write(
            self.partial.join("manifest.json"),
            serde_json::to_string_pretty(&m)? + "\n",
        )?;
        std::fs::rename(&self.partial, &self.dir).with_context(|| {
            format!(
                "cannot rename {} to {}",
                self.partial.display(),
                self.dir.display()
            )
        })?;
        Ok(self.dir)
    }
}
