//! An experiment folder opened for plotting, and typed reads of its columns.

use std::path::Path;

use anyhow::Result;
use openmarket_core::config::ModelConfig;
use openmarket_core::openness::OpennessGame;
use openmarket_core::plan::Plan;
use polars::prelude::*;

use crate::output::{self, Want, read_parquet};

/// An experiment folder opened for plotting.
pub(super) struct Experiment {
    exp: output::Experiment,
    pub(super) plan: Plan,
}

impl Experiment {
    /// Open a finished whole experiment and re-expand its plan, so point
    /// ids map back to exact games.
    pub(super) fn open(dir: &Path) -> Result<Self> {
        let exp = output::Experiment::open(dir, Want::Whole)?;
        let plan = exp.manifest.plan()?;
        Ok(Experiment { exp, plan })
    }

    pub(super) fn table(&self, name: &str) -> Result<DataFrame> {
        Ok(read_parquet(&self.exp.table_path(name))?)
    }

    pub(super) fn openness(&self, point: usize) -> Option<&OpennessGame> {
        match &self.plan.points[point].config.model {
            ModelConfig::Openness(g) => Some(g),
            ModelConfig::Race(_) | ModelConfig::Sector(_) => None,
        }
    }
}

pub(super) fn u64s(df: &DataFrame, name: &str) -> Result<Vec<u64>> {
    let c = df.column(name)?.cast(&DataType::UInt64)?;
    Ok(c.u64()?.iter().map(|v| v.unwrap_or(0)).collect())
}

pub(super) fn f64s(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    let c = df.column(name)?.cast(&DataType::Float64)?;
    Ok(c.f64()?.iter().collect())
}

pub(super) fn strs(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    let c = df.column(name)?.cast(&DataType::String)?;
    Ok(c.str()?
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect())
}

pub(super) fn lists(df: &DataFrame, name: &str) -> Result<Vec<Vec<f64>>> {
    let c = df.column(name)?.list()?.clone();
    (0..c.len())
        .map(|k| {
            Ok(match c.get_as_series(k) {
                Some(s) => s.f64()?.iter().flatten().collect(),
                None => Vec::new(),
            })
        })
        .collect()
}
