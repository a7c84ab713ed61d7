//! Drawing: cell maps and line panels on a plotters backend, with the
//! bundled font.

use anyhow::{Result, bail};
use plotters::coord::Shift;
use plotters::prelude::*;

pub(crate) const FONT: &str = "sans-serif";
pub(crate) const SIZE: (u32, u32) = (1200, 700);

pub(crate) fn pe<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing failed: {e:?}")
}

pub(crate) fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/DejaVuSans.ttf");
        plotters::style::register_font(FONT, FontStyle::Normal, bytes)
            .unwrap_or_else(|_| panic!("the bundled font is valid"));
    });
}

/// (caption, cells (x, y, class), overlay curve).
pub(crate) type Facet = (String, Vec<(f64, f64, String)>, Vec<(f64, f64)>);
/// (label, colour index, points, drawn as a line? else dots).
pub(crate) type LineSeriesSpec = (String, usize, Vec<(f64, f64)>, bool);

/// A categorical cell map: one panel per facet, cells coloured by class.
pub(crate) struct CellMap {
    pub(crate) title: String,
    pub(crate) x_desc: String,
    pub(crate) y_desc: String,
    /// (facet caption, cells (x, y, class), overlay curve).
    pub(crate) facets: Vec<Facet>,
    pub(crate) classes: Vec<(&'static str, RGBColor)>,
    pub(crate) curve_label: String,
    /// Per facet (empty, or one per facet): paths drawn over the cells and
    /// points marked on them.
    pub(crate) overlays: Vec<Overlay>,
}

/// Paths and marks over one facet of a cell map.
#[derive(Default)]
pub(crate) struct Overlay {
    /// Each a polyline, in the facet's coordinates.
    pub(crate) paths: Vec<Vec<(f64, f64)>>,
    /// The paths' ends.
    pub(crate) ends: Vec<(f64, f64)>,
    /// Marked points (drawn as stars).
    pub(crate) marks: Vec<(f64, f64)>,
    /// Legend labels: (paths, ends, marks).
    pub(crate) labels: [&'static str; 3],
}

/// Line and scatter series on one or two panels.
pub(crate) struct Lines {
    pub(crate) title: String,
    pub(crate) panels: Vec<Panel>,
}

/// A shaded band: (colour index, (x, low, high) points).
pub(crate) type Band = (usize, Vec<(f64, f64, f64)>);

pub(crate) struct Panel {
    pub(crate) caption: String,
    pub(crate) x_desc: String,
    pub(crate) y_desc: String,
    pub(crate) log_x: bool,
    pub(crate) log_y: bool,
    /// (label, colour index, points, as line?).
    pub(crate) series: Vec<LineSeriesSpec>,
    /// Shaded bands (colour index, (x, low, high) points): a spread
    /// around a series of the same colour.
    pub(crate) bands: Vec<Band>,
    /// Dashed reference lines (colour index, points), unlabelled: the
    /// caption says what they are.
    pub(crate) guides: Vec<(usize, Vec<(f64, f64)>)>,
    /// 95% intervals drawn as vertical bars (colour index, (x, low, high)):
    /// every mean over runs or populations carries one.
    pub(crate) intervals: Vec<Band>,
}

/// A running mean with its 95% interval (normal approximation:
/// mean ± 1.96 s/√n, s the sample standard deviation). One value has no
/// interval.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct MeanCi {
    n: f64,
    sum: f64,
    sumsq: f64,
}

impl MeanCi {
    pub(crate) fn add(&mut self, v: f64) {
        self.n += 1.0;
        self.sum += v;
        self.sumsq += v * v;
    }

    pub(crate) fn mean(&self) -> f64 {
        self.sum / self.n
    }

    /// (low, high); NaN with fewer than two values.
    pub(crate) fn ci(&self) -> (f64, f64) {
        if self.n < 2.0 {
            return (f64::NAN, f64::NAN);
        }
        let m = self.mean();
        let var = ((self.sumsq - self.n * m * m) / (self.n - 1.0)).max(0.0);
        let h = openmarket_core::analysis::Z_975 * (var / self.n).sqrt();
        (m - h, m + h)
    }
}

pub(crate) enum Figure {
    Cells(CellMap),
    Lines(Lines),
    Bars(Bars),
}

/// Grouped bars with intervals: one group per category (a parameter), one
/// bar per series (an index), on one or more panels.
pub(crate) struct Bars {
    pub(crate) title: String,
    pub(crate) panels: Vec<BarPanel>,
}

pub(crate) struct BarPanel {
    pub(crate) caption: String,
    pub(crate) y_desc: String,
    /// The categories, left to right.
    pub(crate) groups: Vec<String>,
    /// (label, one (value, half-width of its interval) per group).
    pub(crate) series: Vec<(String, Vec<(f64, f64)>)>,
}

fn color(k: usize) -> RGBColor {
    const C: [RGBColor; 12] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(23, 190, 207),
        RGBColor(188, 189, 34),
        RGBColor(0, 0, 128),
        RGBColor(128, 0, 0),
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

impl Figure {
    pub(crate) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(pe)?;
        match self {
            Figure::Cells(m) => m.draw(root),
            Figure::Lines(l) => l.draw(root),
            Figure::Bars(b) => b.draw(root),
        }
    }
}

impl CellMap {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let body = root.titled(&self.title, (FONT, 26)).map_err(pe)?;
        let (panels_area, legend_area) = body.split_vertically(SIZE.1 - 110);
        let panels = panels_area.split_evenly((1, self.facets.len().max(1)));
        let mut present: Vec<&str> = Vec::new();
        for (k, (area, (caption, cells, curve))) in panels.iter().zip(&self.facets).enumerate() {
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
            if let Some(o) = self.overlays.get(k) {
                for path in &o.paths {
                    chart
                        .draw_series(LineSeries::new(
                            path.iter().copied(),
                            RGBColor(33, 102, 172).mix(0.6).stroke_width(2),
                        ))
                        .map_err(pe)?;
                }
                chart
                    .draw_series(
                        o.ends
                            .iter()
                            .map(|&p| Circle::new(p, 5, RGBColor(33, 102, 172).filled())),
                    )
                    .map_err(pe)?;
                chart
                    .draw_series(
                        o.marks
                            .iter()
                            .map(|&p| Cross::new(p, 9, BLACK.stroke_width(3))),
                    )
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
        if let Some(o) = self.overlays.first() {
            let [paths, ends, marks] = o.labels;
            entries.push((paths.into(), RGBColor(33, 102, 172), true));
            entries.push((ends.into(), RGBColor(33, 102, 172), false));
            entries.push((marks.into(), BLACK, false));
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

impl Bars {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let body = root.titled(&self.title, (FONT, 24)).map_err(pe)?;
        let mut entries: Vec<(String, RGBColor, bool)> = Vec::new();
        for panel in &self.panels {
            for (k, (label, _)) in panel.series.iter().enumerate() {
                if !entries.iter().any(|e| &e.0 == label) {
                    entries.push((label.clone(), color(k), false));
                }
            }
        }
        let rows = legend_rows(&entries);
        let (panels_area, legend_area) = body.split_vertically(SIZE.1 - 40 - 32 * rows);
        let areas = panels_area.split_evenly((self.panels.len().max(1), 1));
        for (area, panel) in areas.iter().zip(&self.panels) {
            let n = panel.groups.len();
            let values = panel.series.iter().flat_map(|s| s.1.iter());
            let (lo, hi) = values
                .flat_map(|&(v, h)| [v - h.max(0.0), v + h.max(0.0)])
                .filter(|v| v.is_finite())
                .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
            let pad = ((hi - lo) * 0.05).max(0.01);
            let mut chart = ChartBuilder::on(area)
                .caption(&panel.caption, (FONT, 18))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(70)
                .build_cartesian_2d(-0.5..(n as f64 - 0.5), (lo - pad)..(hi + pad))
                .map_err(pe)?;
            let names = panel.groups.clone();
            chart
                .configure_mesh()
                .disable_x_mesh()
                .y_desc(&panel.y_desc)
                .label_style((FONT, 14))
                .axis_desc_style((FONT, 16))
                .light_line_style(RGBColor(235, 235, 235))
                .x_labels(n.max(1) * 2 + 1)
                .x_label_formatter(&|v| {
                    let k = v.round();
                    if (v - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < names.len() {
                        names[k as usize].clone()
                    } else {
                        String::new()
                    }
                })
                .y_label_formatter(&|v| fmt_num(*v))
                .draw()
                .map_err(pe)?;
            let s = panel.series.len().max(1) as f64;
            let w = 0.8 / s;
            for (k, (_, bars)) in panel.series.iter().enumerate() {
                let c = color(k);
                for (g, &(v, h)) in bars.iter().enumerate().filter(|(_, b)| b.0.is_finite()) {
                    let x0 = g as f64 - 0.4 + k as f64 * w;
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(x0, 0.0), (x0 + w * 0.9, v)],
                            c.mix(0.85).filled(),
                        )))
                        .map_err(pe)?;
                    if h.is_finite() && h > 0.0 {
                        let xm = x0 + w * 0.45;
                        chart
                            .draw_series(std::iter::once(PathElement::new(
                                vec![(xm, v - h), (xm, v + h)],
                                BLACK.stroke_width(2),
                            )))
                            .map_err(pe)?;
                    }
                }
            }
        }
        draw_legend(&legend_area, &entries, false)
    }
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
                .chain(
                    panel
                        .bands
                        .iter()
                        .chain(&panel.intervals)
                        .flat_map(|b| b.1.iter().flat_map(|&(x, lo, hi)| [(x, lo), (x, hi)])),
                )
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
                    for (k, pts) in &panel.bands {
                        let outline: Vec<(f64, f64)> = pts
                            .iter()
                            .map(|&(x, _, hi)| (x, hi))
                            .chain(pts.iter().rev().map(|&(x, lo, _)| (x, lo)))
                            .filter(|p| p.1.is_finite())
                            .collect();
                        chart
                            .draw_series(std::iter::once(Polygon::new(
                                outline,
                                color(*k).mix(0.18).filled(),
                            )))
                            .map_err(pe)?;
                    }
                    for (k, pts) in &panel.guides {
                        chart
                            .draw_series(DashedLineSeries::new(
                                pts.iter().copied(),
                                8,
                                6,
                                color(*k).stroke_width(2),
                            ))
                            .map_err(pe)?;
                    }
                    for (k, bars) in &panel.intervals {
                        let c = color(*k);
                        for &(x, lo, hi) in
                            bars.iter().filter(|b| b.1.is_finite() && b.2.is_finite())
                        {
                            chart
                                .draw_series(std::iter::once(PathElement::new(
                                    vec![(x, lo), (x, hi)],
                                    c.mix(0.7).stroke_width(2),
                                )))
                                .map_err(pe)?;
                        }
                    }
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
                (true, false) => {
                    let (a, b) = log_range(x0, x1);
                    let (c, d) = pad(y0, y1);
                    body!(
                        builder
                            .build_cartesian_2d((a..b).log_scale(), c..d)
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

pub(crate) fn sorted_unique(v: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut u: Vec<f64> = v.filter(|x| x.is_finite()).collect();
    u.sort_by(f64::total_cmp);
    u.dedup();
    u
}

pub(crate) fn fmt_num(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// Floor for zeros on a log axis.
pub(crate) const LOG_FLOOR: f64 = 1e-16;
