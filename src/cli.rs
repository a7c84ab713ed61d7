//! Command-line interface: parse arguments, load the config, dispatch.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use openmarket_core::config::{self, ConfigError, ModelConfig};
use openmarket_core::mip;
use openmarket_core::race::enumerate::Enumeration;
use openmarket_core::race::mip::DiscreteMip;
use openmarket_core::race::{Actions, RaceGame, RaceSolution, RaceSolver, SolveError};

use crate::report;

#[derive(Parser, Debug)]
#[command(
    name = "openmarket",
    version,
    about = "Agent-based simulator of the AI-openness market"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Solve the game of a config exactly and print its equilibrium.
    Solve {
        /// A TOML config (see configs/).
        config: PathBuf,
        /// Print one JSON object on stdout instead of a readable report.
        #[arg(long)]
        json: bool,
        /// Race only: how to find the pure Nash equilibria. `auto` enumerates
        /// discrete games up to 24 labs and uses the MIP otherwise.
        #[arg(long, value_enum, default_value_t = SolverChoice::Auto)]
        solver: SolverChoice,
        /// Race only: override the config's action set.
        #[arg(long, value_enum)]
        actions: Option<ActionsArg>,
        /// Race only: MIP backend (`microlp`; `highs` when built with --features highs).
        #[arg(long)]
        mip_backend: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SolverChoice {
    Auto,
    Enumerate,
    Mip,
    /// Run both and fail unless they list the same equilibria.
    Both,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ActionsArg {
    Discrete,
    Continuous,
}

/// Discrete games up to this size are enumerated by `--solver auto`.
const AUTO_ENUMERATE_MAX: usize = 24;

/// Errors the command reports; each knows its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// The request does not fit the game (e.g. enumerating 40 labs).
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl CliError {
    /// 2 for bad input (usage and config), 1 for failures while running.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Config(_) | CliError::Usage(_) => 2,
            CliError::Other(_) => 1,
        }
    }
}

pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Solve {
            config,
            json,
            solver,
            actions,
            mip_backend,
        } => {
            let cfg = config::load(&config)?;
            match cfg.model {
                ModelConfig::Openness(game) => {
                    let eq = game.solve();
                    if json {
                        println!("{}", report::openness_json(&game, &eq));
                    } else {
                        print!("{}", report::openness_text(&game, &eq));
                    }
                }
                ModelConfig::Race(mut game) => {
                    if let Some(a) = actions {
                        game.actions = match a {
                            ActionsArg::Discrete => Actions::Discrete,
                            ActionsArg::Continuous => Actions::Continuous,
                        };
                    }
                    let backend = match mip_backend {
                        Some(name) => mip::backend(&name).map_err(CliError::Usage)?,
                        None => mip::default_backend(),
                    };
                    let start = Instant::now();
                    let solution = solve_race(&game, solver, backend)?;
                    let seconds = start.elapsed().as_secs_f64();
                    if json {
                        println!("{}", report::race_json(&game, &solution, seconds));
                    } else {
                        print!("{}", report::race_text(&game, &solution, seconds));
                    }
                }
            }
            Ok(())
        }
    }
}

fn solve_error(e: SolveError) -> CliError {
    match e {
        SolveError::TooLarge { .. } | SolveError::Unsupported(_) => CliError::Usage(e.to_string()),
        SolveError::Mip(_) => CliError::Other(anyhow::anyhow!(e)),
    }
}

fn solve_race(
    game: &RaceGame,
    choice: SolverChoice,
    backend: &dyn mip::MipBackend,
) -> Result<RaceSolution, CliError> {
    let discrete = game.actions == Actions::Discrete;
    let mip = DiscreteMip { backend };
    match choice {
        SolverChoice::Auto if discrete && game.n() <= AUTO_ENUMERATE_MAX => {
            enumerate_with_progress(game)
        }
        SolverChoice::Auto | SolverChoice::Mip => mip.solve(game).map_err(solve_error),
        SolverChoice::Enumerate => enumerate_with_progress(game),
        SolverChoice::Both => {
            let by_enum = enumerate_with_progress(game)?;
            let by_mip = mip.solve(game).map_err(solve_error)?;
            let profiles = |s: &RaceSolution| {
                s.equilibria
                    .iter()
                    .map(|e| e.actions.clone())
                    .collect::<Vec<_>>()
            };
            if profiles(&by_enum) != profiles(&by_mip) {
                return Err(CliError::Other(anyhow::anyhow!(
                    "enumeration and MIP disagree: {:?} vs {:?}",
                    profiles(&by_enum),
                    profiles(&by_mip)
                )));
            }
            Ok(RaceSolution {
                solver: "enumerate+mip",
                ..by_enum
            })
        }
    }
}

/// Enumerate on rayon's pool while this thread draws a progress bar
/// (hidden when stderr is not a terminal).
fn enumerate_with_progress(game: &RaceGame) -> Result<RaceSolution, CliError> {
    if !std::io::stderr().is_terminal() || game.n() < 20 {
        return Enumeration::default().solve(game).map_err(solve_error);
    }
    let counter = AtomicU64::new(0);
    let bar = ProgressBar::new(1u64 << game.n().min(63));
    bar.set_style(
        ProgressStyle::with_template("enumerating {pos}/{len} profiles {wide_bar} {eta}")
            .expect("valid template"),
    );
    let result = std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            Enumeration {
                progress: Some(&counter),
            }
            .solve(game)
        });
        while !worker.is_finished() {
            bar.set_position(counter.load(Ordering::Relaxed));
            std::thread::sleep(Duration::from_millis(100));
        }
        worker.join().expect("enumeration thread")
    });
    bar.finish_and_clear();
    result.map_err(solve_error)
}
