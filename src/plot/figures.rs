//! The figures: each reads what it needs from the experiment and returns a
//! [`Figure`] for the drawing code.

use anyhow::{Result, bail};
use polars::prelude::*;

use super::data::{Experiment, f64s, strs, u64s};
use super::draw::{Figure, LOG_FLOOR, Lines, Panel};

/// At most `k` values spread evenly over `values`.
pub(crate) fn pick(values: &[f64], k: usize) -> Vec<f64> {
    if values.len() <= k {
        return values.to_vec();
    }
    (0..k)
        .map(|i| values[i * (values.len() - 1) / (k - 1)])
        .collect()
}

pub(crate) fn need(df: &DataFrame, cols: &[&str], kind: &str) -> Result<()> {
    for c in cols {
        if df.column(c).is_err() {
            bail!(
                "--kind {kind} needs `{c}` swept in the experiment (see experiments/); this folder's columns: {}",
                df.get_column_names()
                    .iter()
                    .map(|n| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    Ok(())
}

pub(crate) fn convergence(exp: &Experiment) -> Result<Figure> {
    let runs = exp.table("runs")?;
    let rule = strs(&runs, "rule")?;
    let iterations: Vec<f64> = u64s(&runs, "iterations")?
        .iter()
        .map(|&i| i as f64)
        .collect();
    let dist = f64s(&runs, "dist_to_target")?;
    let gap = f64s(&runs, "target_gap")?;
    let mut rules: Vec<String> = rule.clone();
    rules.sort();
    rules.dedup();
    let mut panels = Vec::new();
    for (caption, y_desc, values) in [
        (
            "Distance to each rule's target (pure or mixed NE, QRE, SPE)",
            "L∞ distance (log)",
            &dist,
        ),
        (
            "Target gap at the end (NashConv, logit residual, CCE gap)",
            "target gap (log)",
            &gap,
        ),
    ] {
        let series = rules
            .iter()
            .enumerate()
            .map(|(k, r)| {
                let pts = (0..rule.len())
                    .filter(|&i| &rule[i] == r)
                    .filter_map(|i| Some((iterations[i], values[i]?.max(LOG_FLOOR))))
                    .collect();
                (r.clone(), k, pts, false)
            })
            .collect();
        panels.push(Panel {
            caption: caption.into(),
            x_desc: "iterations (log)".into(),
            y_desc: y_desc.into(),
            log_x: true,
            log_y: true,
            series,
        });
    }
    Ok(Figure::Lines(Lines {
        title: format!(
            "Convergence per rule ({} runs; values below {LOG_FLOOR:e} drawn at it)",
            rule.len()
        ),
        panels,
    }))
}
