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
use openmarket_core::{experiment, plan};
use sha2::{Digest, Sha256};

use crate::{output, report};

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
    /// Run the dynamics of a config (and its sweep) and write Parquet output.
    Run {
        /// A TOML config with a [dynamics] section (see configs/quickstart.toml).
        config: PathBuf,
        /// Output folder (default: [output] dir, else output/<config name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Run a plan larger than the safety limit.
        #[arg(long)]
        yes: bool,
    },
}

/// Plans with more runs than this need `--yes`.
pub const PLAN_LIMIT: u64 = 1_000_000;

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
        Command::Run {
            config,
            out,
            threads,
            yes,
        } => run_experiment(config, out, threads, yes),
    }
}

fn run_experiment(
    config: PathBuf,
    out: Option<PathBuf>,
    threads: Option<usize>,
    yes: bool,
) -> Result<(), CliError> {
    let origin = config.display().to_string();
    let text = std::fs::read_to_string(&config).map_err(|e| {
        CliError::Config(ConfigError {
            origin: origin.clone(),
            field: None,
            message: format!("cannot read file: {e}"),
        })
    })?;
    let plan = plan::expand(&text, &origin)?;
    experiment::check_plan(&plan).map_err(|e| CliError::Usage(format!("{origin}: {e}")))?;
    if plan.runs() > PLAN_LIMIT && !yes {
        return Err(CliError::Usage(format!(
            "{origin}: the plan has {} points × {} seeds = {} runs, above the limit of {PLAN_LIMIT}; pass --yes to run it",
            plan.points.len(),
            plan.seeds_per_point,
            plan.runs()
        )));
    }
    let first = &plan.points[0].config;
    let dir = out.or_else(|| first.output.dir.clone()).unwrap_or_else(|| {
        PathBuf::from("output").join(
            config
                .file_stem()
                .map_or("experiment".into(), |s| s.to_string_lossy().to_string()),
        )
    });
    let trajectory_every = first.output.trajectory_every;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| CliError::Other(anyhow::anyhow!(e)))?;
    let started = Instant::now();
    let mut writer = output::ExperimentWriter::create(&plan, &dir)?;
    let counter = AtomicU64::new(0);
    let done = std::sync::atomic::AtomicBool::new(false);
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(plan.runs());
        bar.set_style(
            ProgressStyle::with_template("{pos}/{len} runs {wide_bar} {elapsed_precise} eta {eta}")
                .expect("valid template"),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let all: Vec<usize> = (0..plan.points.len()).collect();
    // Batches small enough to bound memory, large enough to keep both
    // cores busy and row groups reasonably sized.
    let batch = (200_000 / plan.seeds_per_point.max(1) as usize).clamp(1, 10_000);
    let (mut converged, mut total) = (0u64, 0u64);
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                bar.set_position(counter.load(Ordering::Relaxed));
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        let r = pool.install(|| {
            experiment::run_plan(&plan, &all, batch, trajectory_every, Some(&counter), |b| {
                total += b.runs.len() as u64;
                converged += b.runs.iter().filter(|r| r.converged).count() as u64;
                writer.write(b).map_err(|e| format!("{e:#}"))
            })
        });
        done.store(true, Ordering::Relaxed);
        r
    });
    bar.finish_and_clear();
    result.map_err(|e| CliError::Other(anyhow::anyhow!(e)))?;
    let seconds = started.elapsed().as_secs_f64();
    let hash = format!("{:x}", Sha256::digest(text.as_bytes()));
    let threads_used = pool.current_num_threads();
    let dir = writer.finish(|runs, equilibria, trajectories| {
        serde_json::json!({
            "config_file": origin,
            "config": text,
            "config_sha256": hash,
            "openmarket_version": env!("CARGO_PKG_VERSION"),
            "git_revision": git_revision(),
            "master_seed": plan.master_seed,
            "seeds_per_point": plan.seeds_per_point,
            "axes": plan.axes,
            "points": plan.points.len(),
            "threads": threads_used,
            "rows": { "runs": runs, "equilibria": equilibria, "trajectories": trajectories },
            "wall_seconds": seconds,
        })
    })?;
    println!(
        "{} points × {} seeds = {total} runs in {seconds:.2} s on {threads_used} threads; {converged} converged ({:.1}%)",
        plan.points.len(),
        plan.seeds_per_point,
        100.0 * converged as f64 / total.max(1) as f64
    );
    println!(
        "wrote {}/{{runs,equilibria{}}}.parquet and manifest.json",
        dir.display(),
        if trajectory_every > 0 {
            ",trajectories"
        } else {
            ""
        }
    );
    Ok(())
}

/// The git revision of the working directory, if it is a checkout.
fn git_revision() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
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
