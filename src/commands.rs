//! The commands that take a config (`solve`, `export`, `plan`), as library
//! calls shared by the command line and the Python package: each checks
//! its arguments against the game as the command line does, with the same
//! one-line errors.

use std::time::Duration;

use openmarket_core::concept::Concept;
use openmarket_core::config::ModelConfig;
use openmarket_core::race::Actions;
use openmarket_core::race::mip::Formulation;
use openmarket_core::race::solve::{Choice, Question};

use crate::error::Error;
use crate::families::{self, ExportFormat, SolveArgs};
use crate::run::Source;

/// What `solve` asks besides the config (the command line's flags).
#[derive(Clone, Debug)]
pub struct Solve {
    /// One JSON object instead of a readable report.
    pub json: bool,
    /// Which solver lists a race's pure equilibria.
    pub solver: Choice,
    /// A race's question; `None`: the config's `[solve] question`, else all.
    pub question: Option<Question>,
    /// A race's action set, instead of the config's.
    pub actions: Option<Actions>,
    /// The MIP backend's name.
    pub mip_backend: Option<String>,
    /// How the discrete MIP models rival maxima.
    pub formulation: Formulation,
    /// The most seconds a MIP may take; 0: no limit.
    pub time_limit: u64,
    /// The solution concept.
    pub concept: Concept,
    /// A QRE's temperature.
    pub temperature: Option<f64>,
}

impl Default for Solve {
    fn default() -> Self {
        Solve {
            json: false,
            solver: Choice::default(),
            question: None,
            actions: None,
            mip_backend: None,
            formulation: Formulation::default(),
            time_limit: openmarket_core::limits::DEFAULT_MIP_SECONDS,
            concept: Concept::PureNash,
            temperature: None,
        }
    }
}

/// `openmarket solve`: the config's game solved, as a report or JSON.
pub fn solve(config: &Source, request: &Solve) -> Result<String, Error> {
    let cfg = config.load()?;
    let concept = request.concept;
    let question = request.question.unwrap_or(match &cfg.model {
        ModelConfig::Race(game) if concept == Concept::PureNash => game.question(),
        _ => Question::All,
    });
    if question != Question::All
        && (concept != Concept::PureNash || !matches!(cfg.model, ModelConfig::Race(_)))
    {
        return Err(Error::Usage(format!(
            "--question {} asks about a race's pure equilibria (--concept pure); the question of other games and concepts is `all`",
            <&str>::from(question)
        )));
    }
    if request.temperature.is_some() && concept != Concept::Qre {
        return Err(Error::Usage("--temperature goes with --concept qre".into()));
    }
    let args = SolveArgs {
        json: request.json,
        solver: request.solver,
        question,
        actions: request.actions,
        mip_backend: request.mip_backend.clone(),
        formulation: request.formulation,
        time_limit: (request.time_limit > 0).then(|| Duration::from_secs(request.time_limit)),
        concept,
        temperature: request.temperature,
    };
    families::solve(&cfg, &args)
}

/// `openmarket export`: the config's game in another tool's format.
pub fn export(config: &Source, format: ExportFormat) -> Result<String, Error> {
    let (text, origin) = config.read()?;
    let cfg = openmarket_core::config::parse(&text, &origin)?;
    families::export(&cfg, format, &origin)
}

/// `openmarket plan`: the plan a config expands to, checked as `run`
/// would check it, and its origin.
pub fn plan(config: &Source) -> Result<(openmarket_core::plan::Plan, String), Error> {
    let (text, origin) = config.read()?;
    let plan = openmarket_core::plan::expand(&text, &origin)?;
    // What `run` would refuse, `plan` refuses too.
    openmarket_core::experiment::validate(&plan, true).map_err(|source| Error::Plan {
        origin: origin.clone(),
        source,
    })?;
    Ok((plan, origin))
}
