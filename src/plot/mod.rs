//! `openmarket plot`: figures from an experiment folder, as PNG or SVG.
//!
//! Data comes from the folder's Parquet files; where a figure needs the
//! model itself (the indifference curve p̄(θ), the lever, the labs' head
//! starts) it re-expands the plan from the config stored in the manifest,
//! so point ids map back to exact games. The font is bundled (DejaVu Sans,
//! `assets/`), so nothing depends on system font libraries.

mod data;
mod draw;
mod figures;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::ValueEnum;
use plotters::prelude::*;

use data::Experiment;
use draw::{SIZE, pe};

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
    /// A learning regulator's (θ, p) paths over the regime map, the
    /// optimum marked, per α0.
    Regulator,
    /// A sector's openness ω and share of entrants against its size K.
    Sector,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Png,
    Svg,
}

/// Draw `kind` from `dir` into `out` (default `<dir>/plots/<kind>.<fmt>`).
pub fn plot(dir: &Path, kind: Kind, format: Format, out: Option<PathBuf>) -> Result<PathBuf> {
    draw::register_font();
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
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create folder {}", parent.display()))?;
    }
    let fig = match kind {
        Kind::RegimeMap => figures::regime_map(&exp)?,
        Kind::OpennessCurve => figures::openness_curve(&exp)?,
        Kind::LeverMap => figures::lever_map(&exp)?,
        Kind::Convergence => figures::convergence(&exp)?,
        Kind::RaceOpenness => figures::race_openness(&exp)?,
        Kind::Regulator => figures::regulator(&exp)?,
        Kind::Sector => figures::sector(&exp)?,
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
