//! Figures of `openmarket analyze`'s results (`DIR/analysis/`): the
//! sensitivity indices with their intervals, and PRIM's trade-off and box.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use polars::prelude::*;

use super::data::{Experiment, f64s, strs};
use super::draw::{BarPanel, Bars, Figure, Lines, Panel};
use crate::output::read_parquet;

/// The analysis files of one method, sorted by name.
fn files(exp: &Experiment, prefix: &str) -> Result<Vec<PathBuf>> {
    let dir = exp.folder().dir.join("analysis");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "parquet")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(prefix))
        })
        .collect();
    found.sort();
    Ok(found)
}

fn short(name: &str) -> String {
    name.trim_start_matches("model.").to_string()
}

fn first_str(df: &DataFrame, name: &str) -> Result<String> {
    Ok(strs(df, name)?.into_iter().next().unwrap_or_default())
}

/// Per Sobol' or Morris file (up to four): S1 and ST (or μ*) per
/// parameter with their 95% intervals.
pub(crate) fn sensitivity(exp: &Experiment) -> Result<Figure> {
    let mut panels = Vec::new();
    let mut paths = files(exp, "sobol-")?;
    paths.extend(files(exp, "morris-")?);
    if paths.is_empty() {
        bail!(
            "--kind sensitivity needs `openmarket analyze {} --method sobol|morris --output …` first (no DIR/analysis/sobol-* or morris-* file)",
            exp.folder().dir.display()
        );
    }
    for path in paths.iter().take(4) {
        let df = read_parquet(path).with_context(|| format!("cannot read {}", path.display()))?;
        let output = first_str(&df, "output")?;
        if df.column("index").is_ok() {
            let index = strs(&df, "index")?;
            let param = strs(&df, "parameter")?;
            let value = f64s(&df, "value")?;
            let conf = f64s(&df, "conf")?;
            let mut groups: Vec<String> = Vec::new();
            for (i, p) in index.iter().zip(&param) {
                if i != "S2" && !groups.contains(p) {
                    groups.push(p.clone());
                }
            }
            let series = ["S1", "ST"]
                .iter()
                .map(|kind| {
                    let bars = groups
                        .iter()
                        .map(|g| {
                            (0..index.len())
                                .find(|&r| index[r] == *kind && &param[r] == g)
                                .map_or((f64::NAN, f64::NAN), |r| {
                                    (value[r].unwrap_or(f64::NAN), conf[r].unwrap_or(f64::NAN))
                                })
                        })
                        .collect();
                    let label = if *kind == "S1" {
                        "S1 (first order)"
                    } else {
                        "ST (total order)"
                    };
                    (label.to_string(), bars)
                })
                .collect();
            panels.push(BarPanel {
                caption: format!("Sobol' indices of {output}"),
                y_desc: "share of variance".into(),
                groups: groups.iter().map(|g| short(g)).collect(),
                series,
            });
        } else {
            let param = strs(&df, "parameter")?;
            let mu_star = f64s(&df, "mu_star")?;
            let conf = f64s(&df, "mu_star_conf")?;
            let sigma = f64s(&df, "sigma")?;
            panels.push(BarPanel {
                caption: format!("Morris screening of {output}"),
                y_desc: "effect per unit-cube step".into(),
                groups: param.iter().map(|g| short(g)).collect(),
                series: vec![
                    (
                        "mu* (mean |effect|)".into(),
                        mu_star
                            .iter()
                            .zip(&conf)
                            .map(|(m, c)| (m.unwrap_or(f64::NAN), c.unwrap_or(f64::NAN)))
                            .collect(),
                    ),
                    (
                        "sigma (spread of effects)".into(),
                        sigma
                            .iter()
                            .map(|s| (s.unwrap_or(f64::NAN), f64::NAN))
                            .collect(),
                    ),
                ],
            });
        }
    }
    Ok(Figure::Bars(Bars {
        title: format!(
            "Which parameters decide the outcome{}",
            if paths.len() > 4 {
                " (first 4 analyses)"
            } else {
                ""
            }
        ),
        panels,
    }))
}

/// The first PRIM file: coverage against density along the peeling, the
/// chosen box marked; and the chosen box over its two most restricted
/// parameters, each row a dot coloured by its outcome.
pub(crate) fn prim(exp: &Experiment) -> Result<Figure> {
    let paths = files(exp, "prim-")?;
    let Some(path) = paths.first() else {
        bail!(
            "--kind prim needs `openmarket analyze {} --method prim --output …` first (no DIR/analysis/prim-* file)",
            exp.folder().dir.display()
        );
    };
    let df = read_parquet(path).with_context(|| format!("cannot read {}", path.display()))?;
    let output = first_str(&df, "output")?;
    let table = first_str(&df, "table")?;
    let cov: Vec<f64> = f64s(&df, "coverage")?
        .into_iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect();
    let den: Vec<f64> = f64s(&df, "density")?
        .into_iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect();
    let chosen = df
        .column("chosen")?
        .bool()?
        .iter()
        .position(|c| c == Some(true))
        .unwrap_or(0);
    let params: Vec<String> = df
        .get_column_names()
        .iter()
        .filter_map(|n| n.strip_suffix(":low").map(str::to_string))
        .collect();
    let limits = |name: &str, r: usize| -> Result<(f64, f64)> {
        let lo = f64s(&df, &format!("{name}:low"))?[r].unwrap_or(f64::NAN);
        let hi = f64s(&df, &format!("{name}:high"))?[r].unwrap_or(f64::NAN);
        Ok((lo, hi))
    };
    // The two parameters the chosen box narrows most, relative to their
    // full range.
    let mut shrink: Vec<(f64, usize)> = Vec::new();
    for (j, p) in params.iter().enumerate() {
        let (lo, hi) = limits(p, chosen)?;
        let (lo0, hi0) = limits(p, 0)?;
        let full = hi0 - lo0;
        shrink.push((
            if full > 0.0 {
                1.0 - (hi - lo) / full
            } else {
                0.0
            },
            j,
        ));
    }
    shrink.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    if shrink.len() < 2 {
        bail!(
            "--kind prim needs at least two boxed parameters; {} has {}",
            path.display(),
            shrink.len()
        );
    }
    let (px, py) = (&params[shrink[0].1], &params[shrink[1].1]);
    let which = crate::analyze::Table::named(&table)
        .with_context(|| format!("{}: unknown table `{table}`", path.display()))?;
    let (y, cols, names) =
        crate::analyze::outcome_rows(exp.folder(), which, &output, &[px.clone(), py.clone()])?;
    if names.len() < 2 {
        bail!("--kind prim: {table}.parquet no longer has the columns {px} and {py}");
    }
    // At most ~4,000 dots, every k-th row: a deterministic thinning.
    let step = (y.len() / 4000).max(1);
    let dots = |yes: bool| -> Vec<(f64, f64)> {
        (0..y.len())
            .step_by(step)
            .filter(|&r| (y[r] != 0.0) == yes)
            .map(|r| (cols[0][r], cols[1][r]))
            .collect()
    };
    let (x0, x1) = limits(px, chosen)?;
    let (y0, y1) = limits(py, chosen)?;
    let outline = vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)];
    let trade: Vec<(f64, f64)> = cov.iter().copied().zip(den.iter().copied()).collect();
    Ok(Figure::Lines(Lines {
        title: format!("Where {output} holds: PRIM on {table}.parquet"),
        panels: vec![
            Panel {
                caption: format!(
                    "peeling trajectory; chosen: step {chosen} (coverage {:.2}, density {:.2})",
                    cov[chosen], den[chosen]
                ),
                x_desc: "coverage".into(),
                y_desc: "density".into(),
                log_x: false,
                log_y: false,
                series: vec![
                    ("peeling and pasting steps".into(), 0, trade, true),
                    (
                        "chosen box".into(),
                        3,
                        vec![(cov[chosen], den[chosen])],
                        false,
                    ),
                ],
                bands: Vec::new(),
                guides: Vec::new(),
                intervals: Vec::new(),
            },
            Panel {
                caption: "the chosen box over its two most restricted parameters".into(),
                x_desc: px.clone(),
                y_desc: py.clone(),
                log_x: false,
                log_y: false,
                series: vec![
                    (format!("{output}: no"), 7, dots(false), false),
                    (format!("{output}: yes"), 1, dots(true), false),
                    ("chosen box".into(), 3, outline, true),
                ],
                bands: Vec::new(),
                guides: Vec::new(),
                intervals: Vec::new(),
            },
        ],
    }))
}
