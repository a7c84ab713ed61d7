//! The openness family's figures: the regime map, the lever map, the
//! openness curve, a learning regulator's paths, and a sector's size.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use openmarket_core::config::ModelConfig;
use openmarket_core::openness::regulator::Regulable;
use openmarket_core::openness::{Market, Openness, OpennessGame, Regulation};
use plotters::prelude::*;

use crate::plot::FigureKind;
use crate::plot::data::{Experiment, f64s, lists, strs, u64s};
use crate::plot::draw::{CellMap, Figure, Lines, MeanCi, Overlay, Panel, fmt_num, sorted_unique};
use crate::plot::figures::{need, pick};

/// The figures, as `plot --kind` names them.
pub(crate) const FIGURES: &[FigureKind] = &[
    FigureKind {
        name: "regime-map",
        help: "The (θ, p) plane coloured by regime, with p̄(θ), faceted by α0",
        build: regime_map,
    },
    FigureKind {
        name: "openness-curve",
        help: "Equilibrium openness ω against α0, one line per ε",
        build: openness_curve,
    },
    FigureKind {
        name: "lever-map",
        help: "Which lever (threshold or penalty) moves ω, over α0 and θ",
        build: lever_map,
    },
    FigureKind {
        name: "regulator",
        help: "A learning regulator's (θ, p) paths over the regime map, the optimum marked, per α0",
        build: regulator,
    },
    FigureKind {
        name: "sector",
        help: "A sector's openness ω and share of entrants against its size K",
        build: sector,
    },
];

/// The openness model of a point, if it is one.
fn model(exp: &Experiment, point: usize) -> Option<&Openness> {
    match &exp.plan.points[point].config.model {
        ModelConfig::Openness(m) => Some(m),
        _ => None,
    }
}

/// The pair game of a point, if it is one.
fn pair(exp: &Experiment, point: usize) -> Option<&OpennessGame> {
    match model(exp, point).map(|m| &m.market) {
        Some(Market::Pair(g)) => Some(g),
        _ => None,
    }
}

fn regime_classes() -> Vec<(&'static str, RGBColor)> {
    vec![
        ("nonbinding", RGBColor(200, 200, 200)),
        ("comply", RGBColor(102, 189, 99)),
        ("pay_penalty", RGBColor(253, 174, 97)),
        ("exit", RGBColor(215, 48, 39)),
    ]
}

fn regime_map(exp: &Experiment) -> Result<Figure> {
    let eq = exp.table("equilibria")?;
    need(
        &eq,
        &["model.regulation.theta", "model.regulation.penalty"],
        "regime-map",
    )?;
    let points = u64s(&eq, "point_id")?;
    let theta = f64s(&eq, "model.regulation.theta")?;
    let penalty = f64s(&eq, "model.regulation.penalty")?;
    let regime = strs(&eq, "regime")?;
    let delta = f64s(&eq, "delta")?;
    let alpha0: Vec<f64> = points
        .iter()
        .map(|&p| {
            pair(exp, p as usize)
                .and_then(|g| g.alpha0_value())
                .unwrap_or(f64::NAN)
        })
        .collect();
    // Only rows of regulated openness points with θ and p swept (a
    // [[study]] config may mix in others).
    let usable: Vec<usize> = (0..points.len())
        .filter(|&r| theta[r].is_some() && penalty[r].is_some() && alpha0[r].is_finite())
        .collect();
    let facets = pick(&sorted_unique(usable.iter().map(|&r| alpha0[r])), 4);
    if facets.is_empty() {
        bail!("--kind regime-map found no regulated openness point with an exogenous α0");
    }
    let mut out = Vec::new();
    for &a in &facets {
        let rows: Vec<usize> = usable.iter().copied().filter(|&r| alpha0[r] == a).collect();
        let cells = rows
            .iter()
            .filter_map(|&r| Some((theta[r]?, penalty[r]?, regime[r].clone())))
            .collect();
        // p̄(θ) at this facet's game and δ (exact for a fixed δ; with a
        // bargained δ, the δ of the facet's first point).
        let r0 = rows[0];
        let game = pair(exp, points[r0] as usize).context("openness point")?;
        let reg0 = game.regulation.context("regulated game")?;
        let d = delta[r0].unwrap_or(0.5);
        let curve = (0..=400)
            .map(|k| {
                let t = k as f64 / 400.0;
                let reg = Regulation { theta: t, ..reg0 };
                (t, game.indifference_penalty(d, &reg))
            })
            .collect();
        out.push((format!("α0 = {}", fmt_num(a)), cells, curve));
    }
    let form = pair(exp, 0)
        .and_then(|g| g.regulation)
        .map_or("", |r| r.form.into());
    Ok(Figure::Cells(CellMap {
        title: format!("Equilibrium regime over threshold θ and {form} penalty p"),
        x_desc: "threshold θ".into(),
        y_desc: "penalty p".into(),
        facets: out,
        classes: regime_classes(),
        curve_label: "p*(θ): G indifferent between complying and paying".into(),
        overlays: Vec::new(),
    }))
}

fn lever_map(exp: &Experiment) -> Result<Figure> {
    let eq = exp.table("equilibria")?;
    need(&eq, &["model.regulation.theta"], "lever-map")?;
    let points = u64s(&eq, "point_id")?;
    let theta = f64s(&eq, "model.regulation.theta")?;
    let penalty: Vec<f64> = points
        .iter()
        .map(|&p| {
            pair(exp, p as usize)
                .and_then(|g| g.regulation)
                .map_or(f64::NAN, |r| r.penalty)
        })
        .collect();
    let facets = pick(&sorted_unique(penalty.iter().copied()), 4);
    let mut out = Vec::new();
    for &pen in &facets {
        let cells: Vec<(f64, f64, String)> = (0..points.len())
            .filter(|&r| penalty[r] == pen)
            .filter_map(|r| {
                let g = pair(exp, points[r] as usize)?;
                let eq = g.solve();
                let class = match eq.lever.as_ref() {
                    "none" => "none (nonbinding or exit)",
                    other => other,
                };
                Some((g.alpha0_value()?, theta[r]?, class.to_string()))
            })
            .collect();
        if !cells.is_empty() {
            out.push((format!("p = {}", fmt_num(pen)), cells, Vec::new()));
        }
    }
    if out.is_empty() {
        bail!(
            "--kind lever-map found no regulated openness point with θ swept and an exogenous α0"
        );
    }
    Ok(Figure::Cells(CellMap {
        title: "Which lever moves openness ω: threshold (G complies) or penalty (G pays)".into(),
        x_desc: "baseline performance α0".into(),
        y_desc: "threshold θ".into(),
        facets: out,
        classes: vec![
            ("none (nonbinding or exit)", RGBColor(200, 200, 200)),
            ("threshold", RGBColor(69, 117, 180)),
            ("penalty", RGBColor(244, 109, 67)),
        ],
        curve_label: String::new(),
        overlays: Vec::new(),
    }))
}

fn openness_curve(exp: &Experiment) -> Result<Figure> {
    let eq = exp.table("equilibria")?;
    need(&eq, &["model.alpha0"], "openness-curve")?;
    let alpha0 = f64s(&eq, "model.alpha0")?;
    let omega: Vec<f64> = lists(&eq, "actions")?.iter().map(|a| a[0]).collect();
    let eps: Vec<f64> = u64s(&eq, "point_id")?
        .iter()
        .map(|&p| pair(exp, p as usize).map_or(f64::NAN, |g| g.epsilon))
        .collect();
    // The runs' mean final ω per point, as markers over the exact lines.
    let runs = exp.table("runs")?;
    let run_points = u64s(&runs, "point_id")?;
    let run_omega: Vec<f64> = lists(&runs, "actions")?.iter().map(|a| a[0]).collect();
    let mut mean: BTreeMap<u64, MeanCi> = BTreeMap::new();
    for (p, w) in run_points.iter().zip(&run_omega) {
        mean.entry(*p).or_default().add(*w);
    }
    let eq_points = u64s(&eq, "point_id")?;
    let mut series = Vec::new();
    let mut intervals = Vec::new();
    for (k, &e) in sorted_unique(eps.iter().copied()).iter().enumerate() {
        let mut line: Vec<(f64, f64)> = (0..alpha0.len())
            .filter(|&r| eps[r] == e)
            .filter_map(|r| Some((alpha0[r]?, omega[r])))
            .collect();
        line.sort_by(|a, b| a.0.total_cmp(&b.0));
        let runs: Vec<(f64, &MeanCi)> = (0..alpha0.len())
            .filter(|&r| eps[r] == e)
            .filter_map(|r| Some((alpha0[r]?, mean.get(&eq_points[r])?)))
            .collect();
        let marks: Vec<(f64, f64)> = runs.iter().map(|(a, m)| (*a, m.mean())).collect();
        intervals.push((
            k,
            runs.iter().map(|(a, m)| (*a, m.ci().0, m.ci().1)).collect(),
        ));
        series.push((format!("ε = {}: equilibrium", fmt_num(e)), k, line, true));
        series.push((
            format!("ε = {}: runs (mean final ω)", fmt_num(e)),
            k,
            marks,
            false,
        ));
    }
    let regulated = pair(exp, 0).is_some_and(|g| g.regulation.is_some());
    Ok(Figure::Lines(Lines {
        title: if regulated {
            "Equilibrium openness ω against baseline performance α0".into()
        } else {
            "Unregulated openness ω against baseline performance α0".into()
        },
        panels: vec![Panel {
            caption: String::new(),
            x_desc: "baseline performance α0".into(),
            y_desc: "openness ω".into(),
            log_x: false,
            log_y: false,
            series,
            bands: Vec::new(),
            guides: Vec::new(),
            intervals,
        }],
    }))
}

/// The learning regulator's recommended (θ, p) over its runs, drawn over
/// the SPE regime of every (θ, p) of its search box, the exact optimal
/// regulation marked: one panel per α0 (up to four), for one regulator
/// rule (ucb1 if present) and one objective (the first).
fn regulator(exp: &Experiment) -> Result<Figure> {
    let runs = exp.table("runs")?;
    need(&runs, &["regulator_rule"], "regulator")?;
    let points = u64s(&runs, "point_id")?;
    let rule = strs(&runs, "regulator_rule")?;
    let objective = strs(&runs, "regulator_objective")?;
    let rows: Vec<usize> = (0..points.len()).filter(|&r| !rule[r].is_empty()).collect();
    if rows.is_empty() {
        bail!("--kind regulator needs runs with a [regulator] section; this experiment has none");
    }
    let chosen_rule = if rows.iter().any(|&r| rule[r] == "ucb1") {
        "ucb1".to_string()
    } else {
        rule[rows[0]].clone()
    };
    let chosen_objective = objective[rows[0]].clone();
    let mut by_alpha0: BTreeMap<u64, (f64, u64)> = BTreeMap::new();
    for &r in &rows {
        if rule[r] != chosen_rule || objective[r] != chosen_objective {
            continue;
        }
        let p = points[r];
        let alpha0 = model(exp, p as usize).and_then(|m| m.market.alpha0());
        if let Some(a) = alpha0 {
            by_alpha0.entry(a.to_bits()).or_insert((a, p));
        }
    }
    let mut candidates: Vec<(f64, u64)> = by_alpha0.into_values().collect();
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
    let alphas = pick(&candidates.iter().map(|c| c.0).collect::<Vec<_>>(), 4);
    let chosen: Vec<(f64, u64)> = candidates
        .into_iter()
        .filter(|c| alphas.contains(&c.0))
        .collect();
    let trajectories = exp.table("trajectories").context(
        "--kind regulator draws the regulator's path: run with [output] trajectory_every > 0",
    )?;
    let t_points = u64s(&trajectories, "point_id")?;
    let t_rep = u64s(&trajectories, "replicate")?;
    let t_actions = lists(&trajectories, "actions")?;
    let eq = exp.table("equilibria")?;
    let eq_points = u64s(&eq, "point_id")?;
    let eq_concept = strs(&eq, "concept")?;
    let eq_actions = lists(&eq, "actions")?;
    let mut facets = Vec::new();
    let mut overlays = Vec::new();
    for (a, p) in chosen {
        let Some(m) = model(exp, p as usize) else {
            continue;
        };
        let Some(reg) = &m.regulator else {
            continue;
        };
        let regime_at = |t: f64, q: f64| m.market.regulated(&reg.search, t, q).regime();
        // The regime of the SPE over a 40 × 40 grid of the search box.
        const N: usize = 40;
        let mut cells = Vec::with_capacity((N + 1) * (N + 1));
        for i in 0..=N {
            for j in 0..=N {
                let (t, q) = reg.search.at(i as f64 / N as f64, j as f64 / N as f64);
                let regime = regime_at(t, q);
                cells.push((t, q, regime.as_ref().to_string()));
            }
        }
        let mut paths: BTreeMap<u64, Vec<(f64, f64)>> = BTreeMap::new();
        for k in 0..t_points.len() {
            if t_points[k] == p && t_rep[k] < 8 && t_actions[k].len() >= 2 {
                paths
                    .entry(t_rep[k])
                    .or_default()
                    .push((t_actions[k][0], t_actions[k][1]));
            }
        }
        let marks = (0..eq_points.len())
            .filter(|&k| eq_points[k] == p && eq_concept[k] == "optimal_regulation")
            .map(|k| (eq_actions[k][0], eq_actions[k][1]))
            .collect();
        facets.push((format!("α0 = {}", fmt_num(a)), cells, Vec::new()));
        overlays.push(Overlay {
            ends: paths.values().filter_map(|v| v.last().copied()).collect(),
            paths: paths.into_values().collect(),
            marks,
            labels: [
                "regulator's recommended (θ, p) over its steps",
                "where it ends",
                "exact optimal regulation",
            ],
        });
    }
    if facets.is_empty() {
        bail!("--kind regulator found no regulated openness point with an exogenous α0");
    }
    Ok(Figure::Cells(CellMap {
        title: format!(
            "A learning regulator ({chosen_rule}, objective {chosen_objective}) over the SPE regime of each (θ, p)"
        ),
        x_desc: "threshold θ".into(),
        y_desc: "penalty p".into(),
        facets,
        classes: regime_classes(),
        curve_label: String::new(),
        overlays,
    }))
}

/// Per (group, K): ω and the share of entrants over populations, and the
/// group's value.
type Sums = (MeanCi, MeanCi, f64);

/// A sector's equilibrium openness ω and number of entrants against its
/// size K, averaged over the other swept values except one: the first
/// swept key that is neither K nor a seed (e.g. the entry costs' spread)
/// gives one line per value.
fn sector(exp: &Experiment) -> Result<Figure> {
    let eq = exp.table("equilibria")?;
    need(&eq, &["entrants"], "sector")?;
    let points = u64s(&eq, "point_id")?;
    let actions = lists(&eq, "actions")?;
    let entrants = f64s(&eq, "entrants")?;
    let size = |p: u64| match model(exp, p as usize).map(|m| &m.market) {
        Some(Market::Sector(m)) => Some(m.specialists.len() as f64),
        _ => None,
    };
    let axis = exp
        .plan
        .axes
        .iter()
        .find(|a| !a.ends_with(".k") && !a.ends_with(".seed"))
        .cloned();
    let group: Vec<Option<f64>> = match &axis {
        Some(a) => f64s(&eq, a)?,
        None => vec![None; points.len()],
    };
    // (group, K) → (Σω, Σ entrants, n, the group's value).
    let mut acc: BTreeMap<(u64, u64), Sums> = BTreeMap::new();
    for r in 0..points.len() {
        let (Some(k), Some(e)) = (size(points[r]), entrants[r]) else {
            continue;
        };
        // Without a spread axis, one group (its value never shown).
        let g = group[r].unwrap_or(0.0);
        let slot = acc.entry((g.to_bits(), k as u64)).or_default();
        slot.0.add(actions[r][0]);
        slot.1.add(e / k);
        slot.2 = g;
    }
    if acc.is_empty() {
        bail!(
            "--kind sector needs a sector experiment ([[model.specialists]] or [model.population]); see experiments/sector_size.toml"
        );
    }
    let groups = sorted_unique(acc.values().map(|v| v.2));
    let label = |g: f64| match &axis {
        Some(a) => format!(
            "{} = {}",
            a.trim_start_matches("model.population.")
                .trim_start_matches("model."),
            fmt_num(g)
        ),
        None => "all populations".to_string(),
    };
    let (mut omega, mut share) = (Vec::new(), Vec::new());
    let (mut omega_ci, mut share_ci) = (Vec::new(), Vec::new());
    for (c, &g) in groups.iter().enumerate() {
        let of = |f: &dyn Fn(&Sums) -> &MeanCi| -> Vec<(f64, &MeanCi)> {
            acc.iter()
                .filter(|(_, v)| v.2.to_bits() == g.to_bits())
                .map(|((_, k), v)| (*k as f64, f(v)))
                .collect()
        };
        let (w, s) = (of(&|v| &v.0), of(&|v| &v.1));
        let mean = |m: &[(f64, &MeanCi)]| m.iter().map(|(k, v)| (*k, v.mean())).collect();
        let ci = |m: &[(f64, &MeanCi)]| m.iter().map(|(k, v)| (*k, v.ci().0, v.ci().1)).collect();
        omega.push((label(g), c, mean(&w), true));
        share.push((label(g), c, mean(&s), true));
        omega_ci.push((c, ci(&w)));
        share_ci.push((c, ci(&s)));
    }
    Ok(Figure::Lines(Lines {
        title: "Openness and entry as the downstream sector grows".into(),
        panels: vec![
            Panel {
                caption: "G's equilibrium openness ω (mean over populations, 95% interval)".into(),
                x_desc: "specialists K".into(),
                y_desc: "openness ω".into(),
                log_x: true,
                log_y: false,
                series: omega,
                bands: Vec::new(),
                guides: Vec::new(),
                intervals: omega_ci,
            },
            Panel {
                caption: "share of specialists that enter".into(),
                x_desc: "specialists K".into(),
                y_desc: "entrants / K".into(),
                log_x: true,
                log_y: false,
                series: share,
                bands: Vec::new(),
                guides: Vec::new(),
                intervals: share_ci,
            },
        ],
    }))
}
