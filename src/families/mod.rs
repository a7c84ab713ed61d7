//! Each model family's part of the command line: its `solve` report, its
//! `export` formats and its figures, one folder per family. The folders are
//! registered by the core's one list ([`openmarket_core::with_families!`]):
//! `commands!` below turns it into the dispatch.

use std::time::Duration;

use openmarket_core::concept::Concept;
use openmarket_core::config::{Config, ModelConfig};
use openmarket_core::race::Actions;
use openmarket_core::race::mip::Formulation;
use openmarket_core::race::solve::{Choice, Question};

use crate::error::Error;
use crate::plot::FigureKind;

/// What `openmarket solve` asks, besides the config.
#[derive(Clone, Debug)]
pub struct SolveArgs {
    /// One JSON object instead of a readable report.
    pub json: bool,
    /// Which solver lists a race's pure equilibria.
    pub solver: Choice,
    /// What a race's pure equilibria answer: existence, counts, the list.
    pub question: Question,
    /// A race's action set, instead of the config's.
    pub actions: Option<Actions>,
    /// The MIP backend's name.
    pub mip_backend: Option<String>,
    /// How the discrete MIP models rival maxima.
    pub formulation: Formulation,
    /// The most time a MIP may take.
    pub time_limit: Option<Duration>,
    /// The solution concept.
    pub concept: Concept,
    /// A QRE's temperature.
    pub temperature: Option<f64>,
}

impl SolveArgs {
    /// The QRE's temperature: given, positive and finite.
    pub fn temperature(&self) -> Result<f64, Error> {
        let tau = self
            .temperature
            .ok_or_else(|| Error::Usage("--concept qre needs --temperature TAU".into()))?;
        if tau > 0.0 && tau.is_finite() {
            Ok(tau)
        } else {
            Err(Error::Usage(format!(
                "--temperature = {tau} is out of range (0, inf)"
            )))
        }
    }
}

/// Formats `export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Gambit's strategic form.
    Nfg,
}

macro_rules! commands {
    ($($module:ident => $variant:ident($ty:ty)),* $(,)?) => {
        $(pub mod $module;)*

        /// `openmarket solve`: the config's model solved and rendered.
        pub fn solve(config: &Config, args: &SolveArgs) -> Result<String, Error> {
            match &config.model {
                $(ModelConfig::$variant(m) => $module::solve(m, args),)*
            }
        }

        /// `openmarket export`: the config's model in another tool's format.
        pub fn export(config: &Config, format: ExportFormat, title: &str) -> Result<String, Error> {
            match &config.model {
                $(ModelConfig::$variant(m) => $module::export(m, format, title),)*
            }
        }

        /// `analyze --output` aliases: (family, alias, what it stands for).
        pub(crate) fn output_aliases() -> Vec<(&'static str, &'static str, &'static str)> {
            let mut all = Vec::new();
            $(all.extend($module::OUTPUT_ALIASES.iter().map(|(a, to)| (stringify!($module), *a, *to)));)*
            all
        }

        /// Every figure: those every experiment has, then each family's.
        pub(crate) fn figures() -> Vec<&'static FigureKind> {
            let mut all: Vec<&'static FigureKind> = crate::plot::COMMON.iter().collect();
            $(all.extend($module::FIGURES.iter());)*
            all
        }
    };
}

openmarket_core::with_families!(commands);

/// The `plot --kind` values, with their help.
pub fn figure_kinds() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        figures()
            .into_iter()
            .map(|k| clap::builder::PossibleValue::new(k.name).help(k.help)),
    )
}

/// Draw the figure `plot --kind NAME` names (see [`crate::plot`]) into
/// `out`, which must name a file, not a folder.
pub fn plot(
    dir: &std::path::Path,
    kind: &str,
    format: crate::plot::Format,
    out: Option<std::path::PathBuf>,
) -> Result<std::path::PathBuf, Error> {
    if let Some(out) = out.as_ref().filter(|o| o.is_dir()) {
        return Err(Error::Usage(format!(
            "--out {}: is a folder; name the figure's file (e.g. {})",
            out.display(),
            out.join("figure.png").display()
        )));
    }
    let figure = figures()
        .into_iter()
        .find(|k| k.name == kind)
        .ok_or_else(|| Error::Usage(format!("--kind {kind}: no such figure")))?;
    Ok(crate::plot::plot(dir, figure, format, out)?)
}
