//! The figures: each reads what it needs from the experiment and returns a
//! [`Figure`] for the drawing code.

use anyhow::{Result, bail};
use polars::prelude::*;

use super::data::{Experiment, f64s, lists, opt_u64s, strs, u64s};
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

/// Each run's group as the figures label it: its study (if any) and rule.
fn groups(runs: &DataFrame) -> Result<Vec<String>> {
    let rule = strs(runs, "rule")?;
    Ok(if runs.column("study").is_ok() {
        strs(runs, "study")?
            .into_iter()
            .zip(rule)
            .map(|(s, r)| format!("{s}: {r}"))
            .collect()
    } else {
        rule
    })
}

/// The value at quantile `q` of sorted `v` (nearest rank).
fn quantile(v: &[f64], q: f64) -> f64 {
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// Per rule: the median of the runs' target gaps at t = 1, 2, 4, …
/// (`gap_checkpoints`; a run that stopped early keeps its last gap), with
/// the interquartile band, on log-log axes; dashed, the slope theory gives
/// (`rate_expected`, a power law's exponent) through the median's middle
/// checkpoint.
pub(crate) fn convergence(exp: &Experiment) -> Result<Figure> {
    let runs = exp.table("runs")?;
    if runs.column("gap_checkpoints").is_err() {
        bail!(
            "--kind convergence needs `gap_checkpoints` (tables of schema version 2 or later): run the experiment again with this openmarket"
        );
    }
    let group = groups(&runs)?;
    let checkpoints = lists(&runs, "gap_checkpoints")?;
    let expected = f64s(&runs, "rate_expected")?;
    let mut names: Vec<String> = group.clone();
    names.sort();
    names.dedup();
    let (mut series, mut bands, mut guides) = (Vec::new(), Vec::new(), Vec::new());
    let mut column: Vec<f64> = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let rows: Vec<usize> = (0..group.len())
            .filter(|&i| &group[i] == name && !checkpoints[i].is_empty())
            .collect();
        let Some(len) = rows.iter().map(|&i| checkpoints[i].len()).max() else {
            continue;
        };
        let mut median = Vec::with_capacity(len);
        let mut band = Vec::with_capacity(len);
        for c in 0..len {
            column.clear();
            column.extend(rows.iter().filter_map(|&i| {
                let cp = &checkpoints[i];
                cp.get(c).or(cp.last()).copied().filter(|g| g.is_finite())
            }));
            if column.is_empty() {
                continue;
            }
            column.sort_by(f64::total_cmp);
            let t = (1u64 << c) as f64;
            let floor = |g: f64| g.max(LOG_FLOOR);
            median.push((t, floor(quantile(&column, 0.5))));
            band.push((
                t,
                floor(quantile(&column, 0.25)),
                floor(quantile(&column, 0.75)),
            ));
        }
        if let Some(b) = rows.iter().find_map(|&i| expected[i])
            && let Some(&(t0, g0)) = median.get(median.len() / 2)
        {
            guides.push((
                k,
                median
                    .iter()
                    .map(|&(t, _)| (t, g0 * (t / t0).powf(b)))
                    .collect(),
            ));
        }
        series.push((name.clone(), k, median, true));
        bands.push((k, band));
    }
    if series.is_empty() {
        bail!(
            "--kind convergence: no run of this experiment recorded a target gap (no target, or no runs)"
        );
    }
    Ok(Figure::Lines(Lines {
        title: format!(
            "Convergence per rule ({} runs; gaps below {LOG_FLOOR:e} drawn at it)",
            group.len()
        ),
        panels: vec![Panel {
            caption: "median target gap at t = 1, 2, 4, …; shaded: interquartile range; dashed: the slope theory gives".into(),
            x_desc: "iteration t (log)".into(),
            y_desc: "target gap (log)".into(),
            log_x: true,
            log_y: true,
            series,
            bands,
            guides,
            intervals: Vec::new(),
        }],
    }))
}

/// An equilibrium's name in the basins figure: its profile when it is
/// pure, `interior` otherwise (an interior equilibrium moves with the
/// swept parameter, so its profile would name a new one at every point).
fn basin_name(profile: &[f64]) -> String {
    if profile.iter().all(|&x| x == 0.0 || x == 1.0) {
        let xs: Vec<String> = profile.iter().map(|x| format!("{x}")).collect();
        format!("({})", xs.join(", "))
    } else {
        "interior".into()
    }
}

/// At points with several target equilibria: per rule (one panel each, at
/// most four), the share of its runs that reached each equilibrium (and
/// none) against the first numeric swept parameter.
pub(crate) fn basins(exp: &Experiment) -> Result<Figure> {
    let runs = exp.table("runs")?;
    if runs.column("reached").is_err() {
        bail!(
            "--kind basins needs `reached` (tables of schema version 3 or later): run the experiment again with this openmarket"
        );
    }
    let eq = exp.table("equilibria")?;
    let (eq_point, eq_index, eq_target) = (
        u64s(&eq, "point_id")?,
        u64s(&eq, "equilibrium")?,
        eq.column("target")?.bool()?.iter().collect::<Vec<_>>(),
    );
    let eq_actions = lists(&eq, "actions")?;
    let mut by_point: std::collections::HashMap<u64, Vec<usize>> = Default::default();
    for r in 0..eq_point.len() {
        if eq_target[r] == Some(true) {
            by_point.entry(eq_point[r]).or_default().push(r);
        }
    }
    let targets = |p: u64| by_point.get(&p).map_or(&[][..], Vec::as_slice);
    let axis = exp
        .axes()
        .iter()
        .find(|a| {
            !a.ends_with("rule")
                && f64s(&runs, a).is_ok_and(|v| v.iter().all(Option::is_some))
        })
        .ok_or_else(|| {
            anyhow::anyhow!("--kind basins needs a swept numeric parameter (a sweep axis other than a rule); this experiment sweeps: {}", exp.axes().join(", "))
        })?
        .clone();
    let x: Vec<f64> = f64s(&runs, &axis)?.into_iter().flatten().collect();
    let point = u64s(&runs, "point_id")?;
    let reached = opt_u64s(&runs, "reached")?;
    let group = groups(&runs)?;
    // Per (rule group, x): runs reached per class and runs in all, pooled
    // over the points that share x (other swept parameters), at points
    // with several targets.
    // (group, class) → (x, share, runs) per x.
    type Shares = std::collections::BTreeMap<(String, String), Vec<(f64, f64, f64)>>;
    let mut shares: Shares = Default::default();
    let mut totals: std::collections::HashMap<(String, u64), (f64, f64)> = Default::default();
    let mut classes: Vec<String> = Vec::new();
    let mut tally: std::collections::HashMap<(String, u64, String), f64> = Default::default();
    for i in 0..point.len() {
        let rows = targets(point[i]);
        if rows.len() < 2 {
            continue;
        }
        let class = match reached[i] {
            None => "none".to_string(),
            Some(e) => rows
                .iter()
                .copied()
                .find(|&r| eq_index[r] == e)
                .map_or_else(|| "none".into(), |r| basin_name(&eq_actions[r])),
        };
        if !classes.contains(&class) {
            classes.push(class.clone());
        }
        totals
            .entry((group[i].clone(), x[i].to_bits()))
            .or_insert((x[i], 0.0))
            .1 += 1.0;
        *tally
            .entry((group[i].clone(), x[i].to_bits(), class))
            .or_insert(0.0) += 1.0;
    }
    if totals.is_empty() {
        bail!(
            "--kind basins: no point of this experiment has several target equilibria (see `target` in equilibria.parquet)"
        );
    }
    classes.sort_by_key(|c| (c == "none", c == "interior", c.clone()));
    for ((g, at), (xv, n)) in &totals {
        for c in &classes {
            let k = tally
                .get(&(g.clone(), *at, c.clone()))
                .copied()
                .unwrap_or(0.0);
            shares
                .entry((g.clone(), c.clone()))
                .or_default()
                .push((*xv, k / n, *n));
        }
    }
    let mut names: Vec<String> = totals.keys().map(|(g, _)| g.clone()).collect();
    names.sort();
    names.dedup();
    let panels = names
        .iter()
        .take(4)
        .map(|g| Panel {
            caption: g.clone(),
            x_desc: axis.clone(),
            y_desc: "share of runs".into(),
            log_x: false,
            log_y: false,
            series: classes
                .iter()
                .enumerate()
                .filter_map(|(k, c)| {
                    let mut pts = shares.get(&(g.clone(), c.clone()))?.clone();
                    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                    Some((c.clone(), k, pts.iter().map(|p| (p.0, p.1)).collect(), true))
                })
                .collect(),
            bands: Vec::new(),
            guides: Vec::new(),
            // The Wald interval of each share (n runs pooled at that x).
            intervals: classes
                .iter()
                .enumerate()
                .filter_map(|(k, c)| {
                    let pts = shares.get(&(g.clone(), c.clone()))?;
                    Some((
                        k,
                        pts.iter()
                            .filter(|p| p.2 > 1.0)
                            .map(|&(x, s, n)| {
                                let h =
                                    openmarket_core::analysis::Z_975 * (s * (1.0 - s) / n).sqrt();
                                (x, s - h, s + h)
                            })
                            .collect(),
                    ))
                })
                .collect(),
        })
        .collect();
    Ok(Figure::Lines(Lines {
        title: format!(
            "Which equilibrium the runs reach, against {axis}{}",
            if names.len() > 4 {
                " (first 4 rules)"
            } else {
                ""
            }
        ),
        panels,
    }))
}
