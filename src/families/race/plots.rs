//! The race family's figure: the share of labs opening against their
//! head start (the underdog pattern).

use anyhow::{Result, bail};
use openmarket_core::config::ModelConfig;

use crate::plot::FigureKind;
use crate::plot::data::{Experiment, lists, strs, u64s};
use crate::plot::draw::{Figure, Lines, MeanCi, Panel};

/// The figures, as `plot --kind` names them.
pub(crate) const FIGURES: &[FigureKind] = &[FigureKind {
    name: "race-openness",
    help: "Share of labs opening against head start (the underdog pattern)",
    build: race_openness,
}];

fn race_openness(exp: &Experiment) -> Result<Figure> {
    let runs = exp.table("runs")?;
    let points = u64s(&runs, "point_id")?;
    let actions = lists(&runs, "actions")?;
    let study: Vec<String> = if runs.column("study").is_ok() {
        strs(&runs, "study")?
    } else {
        vec![String::new(); points.len()]
    };
    let eq = exp.table("equilibria")?;
    let eq_points = u64s(&eq, "point_id")?;
    let eq_actions = lists(&eq, "actions")?;
    // (study, head start, opened) per lab of every run / equilibrium.
    let mut obs: Vec<(String, f64, f64, bool)> = Vec::new();
    let head = |p: u64| match &exp.plan.points[p as usize].config.model {
        ModelConfig::Race(g) => Some(g.head_start.clone()),
        _ => None,
    };
    for (r, &p) in points.iter().enumerate() {
        if let Some(h) = head(p) {
            for (s, x) in h.iter().zip(&actions[r]) {
                obs.push((study[r].clone(), *s, *x, false));
            }
        }
    }
    for (r, &p) in eq_points.iter().enumerate() {
        if let Some(h) = head(p) {
            let st = exp.plan.points[p as usize]
                .study
                .map_or(String::new(), |k| exp.plan.studies[k].clone());
            for (s, x) in h.iter().zip(&eq_actions[r]) {
                obs.push((st.clone(), *s, *x, true));
            }
        }
    }
    if obs.is_empty() {
        bail!("--kind race-openness needs race runs; this experiment has none");
    }
    let lo = obs.iter().map(|o| o.1).fold(f64::INFINITY, f64::min);
    let hi = obs.iter().map(|o| o.1).fold(f64::NEG_INFINITY, f64::max);
    let bins = 12usize;
    let width = ((hi - lo) / bins as f64).max(1e-9);
    let mut studies: Vec<String> = obs.iter().map(|o| o.0.clone()).collect();
    studies.sort();
    studies.dedup();
    let mut series = Vec::new();
    let mut intervals = Vec::new();
    for (k, st) in studies.iter().enumerate() {
        for exact in [true, false] {
            let mut sum = vec![MeanCi::default(); bins];
            for o in obs.iter().filter(|o| &o.0 == st && o.3 == exact) {
                let b = (((o.1 - lo) / width) as usize).min(bins - 1);
                sum[b].add(o.2);
            }
            let at = |b: usize| lo + (b as f64 + 0.5) * width;
            let pts: Vec<(f64, f64)> = sum
                .iter()
                .enumerate()
                .filter(|(_, m)| m.mean().is_finite())
                .map(|(b, m)| (at(b), m.mean()))
                .collect();
            if !exact {
                // The runs' mean over each bin, with its 95% interval.
                intervals.push((
                    k,
                    sum.iter()
                        .enumerate()
                        .filter(|(_, m)| m.mean().is_finite())
                        .map(|(b, m)| (at(b), m.ci().0, m.ci().1))
                        .collect(),
                ));
            }
            let name = if st.is_empty() {
                "race".to_string()
            } else {
                st.clone()
            };
            let label = if exact {
                format!("{name}: pure Nash equilibria")
            } else {
                format!("{name}: runs (final actions)")
            };
            series.push((label, k, pts, exact));
        }
    }
    Ok(Figure::Lines(Lines {
        title: "Underdogs open: share of labs open-sourcing against their head start".into(),
        panels: vec![Panel {
            caption: String::new(),
            x_desc: "head start s_i".into(),
            y_desc: "share open (mean action)".into(),
            log_x: false,
            log_y: false,
            series,
            bands: Vec::new(),
            guides: Vec::new(),
            intervals,
        }],
    }))
}
