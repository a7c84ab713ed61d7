//! An experiment folder opened for plotting, and typed reads of its columns.

use std::path::Path;

use anyhow::Result;
use openmarket_core::plan::Plan;
use polars::prelude::*;

use crate::output::{self, Want, read_parquet};

/// An experiment folder opened for plotting.
pub(crate) struct Experiment {
    exp: output::Experiment,
    pub(crate) plan: Plan,
}

impl Experiment {
    /// Open a finished whole experiment and re-expand its plan, so point
    /// ids map back to exact games.
    pub(crate) fn open(dir: &Path) -> Result<Self> {
        let exp = output::Experiment::open(dir, Want::Whole)?;
        let plan = exp.manifest.plan()?;
        Ok(Experiment { exp, plan })
    }

    /// The swept parameters, as the tables name their columns.
    pub(crate) fn axes(&self) -> &[String] {
        &self.exp.manifest.axes
    }

    /// The experiment folder as opened.
    pub(crate) fn folder(&self) -> &output::Experiment {
        &self.exp
    }

    pub(crate) fn table(&self, name: &str) -> Result<DataFrame> {
        Ok(read_parquet(&self.exp.table_path(name))?)
    }
}

pub(crate) fn u64s(df: &DataFrame, name: &str) -> Result<Vec<u64>> {
    let c = df.column(name)?.cast(&DataType::UInt64)?;
    Ok(c.u64()?.iter().map(|v| v.unwrap_or(0)).collect())
}

pub(crate) fn f64s(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    let c = df.column(name)?.cast(&DataType::Float64)?;
    Ok(c.f64()?.iter().collect())
}

pub(crate) fn strs(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    let c = df.column(name)?.cast(&DataType::String)?;
    Ok(c.str()?
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect())
}

/// A nullable unsigned column.
pub(crate) fn opt_u64s(df: &DataFrame, name: &str) -> Result<Vec<Option<u64>>> {
    let c = df.column(name)?.cast(&DataType::UInt64)?;
    Ok(c.u64()?.iter().collect())
}

pub(crate) fn lists(df: &DataFrame, name: &str) -> Result<Vec<Vec<f64>>> {
    let c = df.column(name)?.list()?.clone();
    (0..c.len())
        .map(|k| {
            Ok(match c.get_as_series(k) {
                // A null entry (an equilibrium's mixing player) keeps its
                // place, as NaN.
                Some(s) => s.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
                None => Vec::new(),
            })
        })
        .collect()
}
