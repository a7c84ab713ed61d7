//! `openmarket plot`: figures from an experiment folder, as PNG or SVG.
//!
//! Data comes from the folder's Parquet files; where a figure needs the
//! model itself (the indifference curve p̄(θ), the lever, the labs' head
//! starts) it re-expands the plan from the config stored in the manifest,
//! so point ids map back to exact games. The font is bundled (DejaVu Sans,
//! `assets/`), so nothing depends on system font libraries.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use openmarket_core::config::ModelConfig;
use openmarket_core::openness::{OpennessGame, Regulation};
use openmarket_core::plan::{self, Plan};
use plotters::coord::Shift;
use plotters::prelude::*;
use polars::prelude::*;

use crate::output::read_parquet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// The (θ, p) plane coloured by regime, with p̄(θ), faceted by α0.
    RegimeMap,
    /// Equilibrium openness ω against α0, one line per ε.
    OpennessCurve,
    /// Which lever (threshold or penalty) moves ω, over α0 and θ.
    LeverMap,
    /// Distance to equilibrium and NashConv against iterations, per rule.
    Convergence,
    /// Share of labs opening against head start (the underdog pattern).
    RaceOpenness,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Png,
    Svg,
}

const FONT: &str = "sans-serif";
const SIZE: (u32, u32) = (1200, 700);

fn pe<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing failed: {e:?}")
}

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../assets/DejaVuSans.ttf");
        plotters::style::register_font(FONT, FontStyle::Normal, bytes)
            .unwrap_or_else(|_| panic!("the bundled font is valid"));
    });
}

/// An experiment folder opened for plotting.
struct Experiment {
    dir: PathBuf,
    plan: Plan,
}

impl Experiment {
    fn open(dir: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(dir.join("manifest.json")).with_context(|| {
            format!(
                "{} is not an experiment folder: no manifest.json",
                dir.display()
            )
        })?;
        let manifest: serde_json::Value = serde_json::from_str(&text)?;
        if !manifest["shard"].is_null() {
            bail!("{} is one shard: merge the shards first", dir.display());
        }
        let config = manifest["config"]
            .as_str()
            .context("manifest has no config")?;
        let origin = manifest["config_file"].as_str().unwrap_or("manifest");
        let plan = plan::expand(config, origin)?;
        Ok(Experiment {
            dir: dir.to_path_buf(),
            plan,
        })
    }

    fn table(&self, name: &str) -> Result<DataFrame> {
        read_parquet(&self.dir.join(format!("{name}.parquet")))
    }

    fn openness(&self, point: usize) -> Option<&OpennessGame> {
        match &self.plan.points[point].config.model {
            ModelConfig::Openness(g) => Some(g),
            ModelConfig::Race(_) => None,
        }
    }
}

fn u64s(df: &DataFrame, name: &str) -> Result<Vec<u64>> {
    let c = df.column(name)?.cast(&DataType::UInt64)?;
    Ok(c.u64()?.iter().map(|v| v.unwrap_or(0)).collect())
}

fn f64s(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    let c = df.column(name)?.cast(&DataType::Float64)?;
    Ok(c.f64()?.iter().collect())
}

fn strs(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    let c = df.column(name)?.cast(&DataType::String)?;
    Ok(c.str()?
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect())
}

fn lists(df: &DataFrame, name: &str) -> Result<Vec<Vec<f64>>> {
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

/// Draw `kind` from `dir` into `out` (default `<dir>/plots/<kind>.<fmt>`).
pub fn plot(dir: &Path, kind: Kind, format: Format, out: Option<PathBuf>) -> Result<PathBuf> {
    register_font();
    let exp = Experiment::open(dir)?;
    let name = kind
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default();
    let path = out.unwrap_or_else(|| {
        dir.join("plots").join(format!(
            "{name}.{}",
            match format {
                Format::Png => "png",
                Format::Svg => "svg",
            }
        ))
    });
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let fig = match kind {
        Kind::RegimeMap => regime_map(&exp)?,
        Kind::OpennessCurve => openness_curve(&exp)?,
        Kind::LeverMap => lever_map(&exp)?,
        Kind::Convergence => convergence(&exp)?,
        Kind::RaceOpenness => race_openness(&exp)?,
    };
    // Draw to a temporary file and rename, like every other output.
    let tmp = path.with_extension(format!(
        "tmp.{}",
        path.extension().and_then(|e| e.to_str()).unwrap_or("png")
    ));
    match format {
        Format::Png => {
            let root = BitMapBackend::new(&tmp, SIZE).into_drawing_area();
            fig.draw(&root)?;
            root.present().map_err(pe)?;
        }
        Format::Svg => {
            let root = SVGBackend::new(&tmp, SIZE).into_drawing_area();
            fig.draw(&root)?;
            root.present().map_err(pe)?;
        }
    }
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// (caption, cells (x, y, class), overlay curve).
type Facet = (String, Vec<(f64, f64, String)>, Vec<(f64, f64)>);
/// (label, colour index, points, drawn as a line? else dots).
type LineSeriesSpec = (String, usize, Vec<(f64, f64)>, bool);

/// A categorical cell map: one panel per facet, cells coloured by class.
struct CellMap {
    title: String,
    x_desc: String,
    y_desc: String,
    /// (facet caption, cells (x, y, class), overlay curve).
    facets: Vec<Facet>,
    classes: Vec<(&'static str, RGBColor)>,
    curve_label: String,
}

/// Line and scatter series on one or two panels.
struct Lines {
    title: String,
    panels: Vec<Panel>,
}

struct Panel {
    caption: String,
    x_desc: String,
    y_desc: String,
    log_x: bool,
    log_y: bool,
    /// (label, colour index, points, as line?).
    series: Vec<LineSeriesSpec>,
}

enum Figure {
    Cells(CellMap),
    Lines(Lines),
}

fn color(k: usize) -> RGBColor {
    const C: [RGBColor; 8] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
    ];
    C[k % C.len()]
}

/// Half the gap to the neighbouring grid value on each side.
fn cell_edges(values: &[f64], v: f64) -> (f64, f64) {
    let k = values.iter().position(|&x| x == v).unwrap_or(0);
    let left = if k > 0 {
        (values[k] - values[k - 1]) / 2.0
    } else {
        0.0
    };
    let right = if k + 1 < values.len() {
        (values[k + 1] - values[k]) / 2.0
    } else {
        0.0
    };
    let (left, right) = match (left, right) {
        (0.0, 0.0) => (0.5, 0.5),
        (0.0, r) => (r, r),
        (l, 0.0) => (l, l),
        lr => lr,
    };
    (v - left, v + right)
}

fn sorted_unique(v: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut u: Vec<f64> = v.filter(|x| x.is_finite()).collect();
    u.sort_by(f64::total_cmp);
    u.dedup();
    u
}

/// At most `k` values spread evenly over `values`.
fn pick(values: &[f64], k: usize) -> Vec<f64> {
    if values.len() <= k {
        return values.to_vec();
    }
    (0..k)
        .map(|i| values[i * (values.len() - 1) / (k - 1)])
        .collect()
}

fn fmt_num(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.to_string()
    }
}

fn need(df: &DataFrame, cols: &[&str], kind: &str) -> Result<()> {
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
            exp.openness(p as usize)
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
        let game = exp
            .openness(points[r0] as usize)
            .context("openness point")?;
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
    let form = exp
        .openness(0)
        .and_then(|g| g.regulation)
        .map_or("", |r| r.form.name());
    Ok(Figure::Cells(CellMap {
        title: format!("Equilibrium regime over threshold θ and {form} penalty p"),
        x_desc: "threshold θ".into(),
        y_desc: "penalty p".into(),
        facets: out,
        classes: regime_classes(),
        curve_label: "p*(θ): G indifferent between complying and paying".into(),
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
            exp.openness(p as usize)
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
                let g = exp.openness(points[r] as usize)?;
                let eq = g.solve();
                let class = match eq.lever.name() {
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
    }))
}

fn openness_curve(exp: &Experiment) -> Result<Figure> {
    let eq = exp.table("equilibria")?;
    need(&eq, &["model.alpha0"], "openness-curve")?;
    let alpha0 = f64s(&eq, "model.alpha0")?;
    let omega: Vec<f64> = lists(&eq, "actions")?.iter().map(|a| a[0]).collect();
    let eps: Vec<f64> = u64s(&eq, "point_id")?
        .iter()
        .map(|&p| exp.openness(p as usize).map_or(f64::NAN, |g| g.epsilon))
        .collect();
    // The runs' mean final ω per point, as markers over the exact lines.
    let runs = exp.table("runs")?;
    let run_points = u64s(&runs, "point_id")?;
    let run_omega: Vec<f64> = lists(&runs, "actions")?.iter().map(|a| a[0]).collect();
    let mut mean: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    for (p, w) in run_points.iter().zip(&run_omega) {
        let e = mean.entry(*p).or_default();
        e.0 += w;
        e.1 += 1.0;
    }
    let eq_points = u64s(&eq, "point_id")?;
    let mut series = Vec::new();
    for (k, &e) in sorted_unique(eps.iter().copied()).iter().enumerate() {
        let mut line: Vec<(f64, f64)> = (0..alpha0.len())
            .filter(|&r| eps[r] == e)
            .filter_map(|r| Some((alpha0[r]?, omega[r])))
            .collect();
        line.sort_by(|a, b| a.0.total_cmp(&b.0));
        let marks: Vec<(f64, f64)> = (0..alpha0.len())
            .filter(|&r| eps[r] == e)
            .filter_map(|r| {
                let (s, n) = mean.get(&eq_points[r])?;
                Some((alpha0[r]?, s / n))
            })
            .collect();
        series.push((format!("ε = {}: equilibrium", fmt_num(e)), k, line, true));
        series.push((
            format!("ε = {}: runs (mean final ω)", fmt_num(e)),
            k,
            marks,
            false,
        ));
    }
    let regulated = exp.openness(0).is_some_and(|g| g.regulation.is_some());
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
        }],
    }))
}

/// Floor for zeros on a log axis.
const LOG_FLOOR: f64 = 1e-16;

fn convergence(exp: &Experiment) -> Result<Figure> {
    let runs = exp.table("runs")?;
    let rule = strs(&runs, "rule")?;
    let iterations: Vec<f64> = u64s(&runs, "iterations")?
        .iter()
        .map(|&i| i as f64)
        .collect();
    let dist = f64s(&runs, "dist_to_equilibrium")?;
    let nash = f64s(&runs, "nash_conv")?;
    let mut rules: Vec<String> = rule.clone();
    rules.sort();
    rules.dedup();
    let mut panels = Vec::new();
    for (caption, y_desc, values) in [
        (
            "Distance to the nearest exact equilibrium",
            "L∞ distance (log)",
            &dist,
        ),
        ("NashConv of the final profile", "NashConv (log)", &nash),
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
        ModelConfig::Openness(_) => None,
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
    for (k, st) in studies.iter().enumerate() {
        for exact in [true, false] {
            let mut sum = vec![(0.0, 0.0); bins];
            for o in obs.iter().filter(|o| &o.0 == st && o.3 == exact) {
                let b = (((o.1 - lo) / width) as usize).min(bins - 1);
                sum[b].0 += o.2;
                sum[b].1 += 1.0;
            }
            let pts: Vec<(f64, f64)> = sum
                .iter()
                .enumerate()
                .filter(|(_, (_, n))| *n > 0.0)
                .map(|(b, (s, n))| (lo + (b as f64 + 0.5) * width, s / n))
                .collect();
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
        }],
    }))
}

impl Figure {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(pe)?;
        match self {
            Figure::Cells(m) => m.draw(root),
            Figure::Lines(l) => l.draw(root),
        }
    }
}

impl CellMap {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let body = root.titled(&self.title, (FONT, 26)).map_err(pe)?;
        let (panels_area, legend_area) = body.split_vertically(SIZE.1 - 110);
        let panels = panels_area.split_evenly((1, self.facets.len().max(1)));
        let mut present: Vec<&str> = Vec::new();
        for (area, (caption, cells, curve)) in panels.iter().zip(&self.facets) {
            let xs = sorted_unique(cells.iter().map(|c| c.0));
            let ys = sorted_unique(cells.iter().map(|c| c.1));
            let (x0, x1) = (
                cell_edges(&xs, xs[0]).0,
                cell_edges(&xs, xs[xs.len() - 1]).1,
            );
            let (y0, y1) = (
                cell_edges(&ys, ys[0]).0,
                cell_edges(&ys, ys[ys.len() - 1]).1,
            );
            let mut chart = ChartBuilder::on(area)
                .caption(caption, (FONT, 20))
                .margin(12)
                .x_label_area_size(45)
                .y_label_area_size(60)
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(pe)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc(&self.x_desc)
                .y_desc(&self.y_desc)
                .label_style((FONT, 15))
                .axis_desc_style((FONT, 17))
                .x_labels(6)
                .y_labels(7)
                .draw()
                .map_err(pe)?;
            for (name, c) in &self.classes {
                let rects: Vec<_> = cells
                    .iter()
                    .filter(|cell| cell.2 == *name)
                    .map(|(x, y, _)| {
                        let (a, b) = cell_edges(&xs, *x);
                        let (lo, hi) = cell_edges(&ys, *y);
                        Rectangle::new([(a, lo), (b, hi)], c.filled())
                    })
                    .collect();
                if !rects.is_empty() && !present.contains(name) {
                    present.push(name);
                }
                chart.draw_series(rects).map_err(pe)?;
            }
            if !curve.is_empty() {
                let inside: Vec<(f64, f64)> = curve
                    .iter()
                    .copied()
                    .filter(|&(x, y)| x >= x0 && x <= x1 && y.is_finite() && y <= y1)
                    .collect();
                chart
                    .draw_series(LineSeries::new(inside, BLACK.stroke_width(3)))
                    .map_err(pe)?;
            }
        }
        // One shared legend under the panels, never over the data.
        let mut entries: Vec<(String, RGBColor, bool)> = self
            .classes
            .iter()
            .filter(|(n, _)| present.contains(n))
            .map(|(n, c)| (n.replace('_', " "), *c, false))
            .collect();
        if self.facets.iter().any(|f| !f.2.is_empty()) {
            entries.push((self.curve_label.clone(), BLACK, true));
        }
        draw_legend(&legend_area, &entries, false)
    }
}

/// Where legend entries go: left to right, wrapping into rows.
fn legend_layout(entries: &[(String, RGBColor, bool)], width: i32) -> Vec<(i32, i32)> {
    let (mut x, mut y) = (80i32, 22i32);
    entries
        .iter()
        .map(|(label, _, _)| {
            let w = 70 + 10 * label.chars().count() as i32;
            if x + w > width - 20 && x > 80 {
                x = 80;
                y += 30;
            }
            let at = (x, y);
            x += w;
            at
        })
        .collect()
}

fn legend_rows(entries: &[(String, RGBColor, bool)]) -> u32 {
    legend_layout(entries, SIZE.0 as i32)
        .last()
        .map_or(1, |&(_, y)| ((y - 22) / 30 + 1) as u32)
}

/// Legend entries: a line, a filled square (cells) or a dot (scatter).
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor, bool)],
    dots: bool,
) -> Result<()> {
    let width = area.dim_in_pixel().0 as i32;
    for ((label, c, line), (x, y)) in entries.iter().zip(legend_layout(entries, width)) {
        if *line {
            area.draw(&PathElement::new(
                vec![(x, y), (x + 30, y)],
                c.stroke_width(3),
            ))
            .map_err(pe)?;
        } else if dots {
            area.draw(&Circle::new((x + 15, y), 6, c.filled()))
                .map_err(pe)?;
        } else {
            area.draw(&Rectangle::new(
                [(x + 5, y - 8), (x + 25, y + 8)],
                c.filled(),
            ))
            .map_err(pe)?;
        }
        area.draw(&Text::new(label.clone(), (x + 40, y - 9), (FONT, 17)))
            .map_err(pe)?;
    }
    Ok(())
}

impl Lines {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let body = root.titled(&self.title, (FONT, 24)).map_err(pe)?;
        // A legend strip under the panels: one row per ~5 entries.
        let mut entries: Vec<(String, RGBColor, bool)> = Vec::new();
        for panel in &self.panels {
            for (label, k, _, line) in &panel.series {
                if !entries.iter().any(|e| &e.0 == label) {
                    entries.push((label.clone(), color(*k), *line));
                }
            }
        }
        let rows = legend_rows(&entries);
        let (panels_area, legend_area) = body.split_vertically(SIZE.1 - 40 - 32 * rows);
        let panels = panels_area.split_evenly((1, self.panels.len().max(1)));
        for (area, panel) in panels.iter().zip(&self.panels) {
            let all: Vec<(f64, f64)> = panel
                .series
                .iter()
                .flat_map(|s| s.2.iter().copied())
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .collect();
            if all.is_empty() {
                bail!("nothing to draw in panel `{}`", panel.caption);
            }
            let (x0, x1) = all
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                    (a.min(p.0), b.max(p.0))
                });
            let (y0, y1) = all
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                    (a.min(p.1), b.max(p.1))
                });
            let pad = |lo: f64, hi: f64| {
                let d = if hi > lo { (hi - lo) * 0.05 } else { 0.5 };
                (lo - d, hi + d)
            };
            let log_range = |lo: f64, hi: f64| (lo.max(LOG_FLOOR) / 3.0, (hi * 3.0).max(lo * 10.0));
            let mut builder = ChartBuilder::on(area);
            builder
                .caption(&panel.caption, (FONT, 20))
                .margin(15)
                .x_label_area_size(45)
                .y_label_area_size(75);
            macro_rules! body {
                ($chart:expr) => {{
                    let mut chart = $chart;
                    chart
                        .configure_mesh()
                        .x_desc(&panel.x_desc)
                        .y_desc(&panel.y_desc)
                        .label_style((FONT, 15))
                        .axis_desc_style((FONT, 17))
                        .light_line_style(RGBColor(235, 235, 235))
                        .x_label_formatter(&|v| fmt_num(*v))
                        .y_label_formatter(&|v| {
                            if panel.log_y {
                                format!("{v:.0e}")
                            } else {
                                fmt_num(*v)
                            }
                        })
                        .draw()
                        .map_err(pe)?;
                    for (_, k, pts, line) in &panel.series {
                        let c = color(*k);
                        let pts: Vec<(f64, f64)> =
                            pts.iter().copied().filter(|p| p.1.is_finite()).collect();
                        if *line {
                            chart
                                .draw_series(LineSeries::new(pts, c.stroke_width(3)))
                                .map_err(pe)?;
                        } else {
                            chart
                                .draw_series(
                                    pts.into_iter()
                                        .map(|p| Circle::new(p, 4, c.mix(0.5).filled())),
                                )
                                .map_err(pe)?;
                        }
                    }
                }};
            }
            match (panel.log_x, panel.log_y) {
                (true, true) => {
                    let (a, b) = log_range(x0, x1);
                    let (c, d) = log_range(y0, y1);
                    body!(
                        builder
                            .build_cartesian_2d((a..b).log_scale(), (c..d).log_scale())
                            .map_err(pe)?
                    )
                }
                (false, true) => {
                    let (a, b) = pad(x0, x1);
                    let (c, d) = log_range(y0, y1);
                    body!(
                        builder
                            .build_cartesian_2d(a..b, (c..d).log_scale())
                            .map_err(pe)?
                    )
                }
                _ => {
                    let (a, b) = pad(x0, x1);
                    let (c, d) = pad(y0, y1);
                    body!(builder.build_cartesian_2d(a..b, c..d).map_err(pe)?)
                }
            }
        }
        draw_legend(&legend_area, &entries, true)
    }
}
