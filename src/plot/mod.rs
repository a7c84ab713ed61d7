//! `openmarket plot`: figures from an experiment folder, as PNG or SVG.
//!
//! Data comes from the folder's Parquet files; where a figure needs the
//! model itself (the indifference curve p̄(θ), the lever, the labs' head
//! starts) it re-expands the plan from the config stored in the manifest,
//! so point ids map back to exact games. The font is bundled (DejaVu Sans,
//! `assets/`), so nothing depends on system font libraries.

pub(crate) mod analysis;
pub(crate) mod data;
pub(crate) mod draw;
pub(crate) mod figures;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::ValueEnum;
use plotters::prelude::*;

use data::Experiment;
use draw::{Figure, SIZE, pe};

/// A figure `plot --kind` draws: every experiment's, or a family's (each
/// family lists its own in its folder).
pub(crate) struct FigureKind {
    /// `--kind NAME`.
    pub name: &'static str,
    /// One line for `--help`.
    pub help: &'static str,
    /// Reads what it needs from the experiment.
    pub build: fn(&Experiment) -> Result<Figure>,
}

/// The figures every experiment has.
pub(crate) const COMMON: &[FigureKind] = &[
    FigureKind {
        name: "convergence",
        help: "Each rule's median target gap against t (log-log), interquartile band shaded, beside the slope theory gives",
        build: figures::convergence,
    },
    FigureKind {
        name: "sensitivity",
        help: "After `analyze --method sobol|morris`: each output's indices (S1 and ST, or mu*) per parameter, with 95% intervals",
        build: analysis::sensitivity,
    },
    FigureKind {
        name: "prim",
        help: "After `analyze --method prim`: the coverage-density trade-off of the peeling, and the chosen box over its two most restricted parameters, rows coloured by outcome",
        build: analysis::prim,
    },
    FigureKind {
        name: "basins",
        help: "At points with several target equilibria: the share of runs reaching each, against the swept parameter",
        build: figures::basins,
    },
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Png,
    Svg,
}

/// Draw `figure` from `dir` into `out` (default `<dir>/plots/<name>.<fmt>`).
pub(crate) fn plot(
    dir: &Path,
    figure: &FigureKind,
    format: Format,
    out: Option<PathBuf>,
) -> Result<PathBuf> {
    draw::register_font();
    let exp = Experiment::open(dir)?;
    let name = figure.name;
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
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create folder {}", parent.display()))?;
    }
    let fig = (figure.build)(&exp)?;
    // Draw to a temporary file and rename, like every other output.
    let tmp = path.with_extension(format!(
        "tmp.{}",
        path.extension().and_then(|e| e.to_str()).unwrap_or("png")
    ));
    match format {
        Format::Png => {
            let root = BitMapBackend::new(&tmp, SIZE).into_drawing_area();
            fig.draw(&root)?;
            root.present()
                .map_err(pe)
                .with_context(|| format!("cannot write {}", tmp.display()))?;
        }
        Format::Svg => {
            let root = SVGBackend::new(&tmp, SIZE).into_drawing_area();
            fig.draw(&root)?;
            root.present()
                .map_err(pe)
                .with_context(|| format!("cannot write {}", tmp.display()))?;
        }
    }
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}
