//! Command-line interface: argument parsing and dispatch. Everything a
//! command does lives in the library (`run`, `output`, `summary`, `plot`,
//! `report`, and the core); this file turns arguments into calls, draws
//! the progress bars, and adds the command-line hints to errors.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use openmarket_core::concept::Concept;
use openmarket_core::config::{self, ModelConfig};
use openmarket_core::experiment::{PlanError, Shard};
use openmarket_core::limits::DEFAULT_MIP_SECONDS;
use openmarket_core::mip;
use openmarket_core::plan;
use openmarket_core::race::mip::Formulation;
use openmarket_core::race::solve::{self, Choice, Options};
use openmarket_core::race::{Actions, RaceGame, RaceSolution, SolveError};
use openmarket_core::regulator::optimal::optimal_regulation;

use crate::error::Error;
use crate::{output, report, run, summary};

#[derive(Parser, Debug)]
#[command(
    name = "openmarket",
    version,
    about = "Agent-based simulator of the AI-openness market"
)]
/// The command line.
pub struct Cli {
    #[command(subcommand)]
    /// The subcommand.
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Solve the game of a config exactly and print its equilibrium.
    Solve {
        /// A TOML config (see configs/).
        config: PathBuf,
        /// Print one JSON object on stdout instead of a readable report.
        #[arg(long)]
        json: bool,
        /// Race only: how to find the pure Nash equilibria: auto, enumerate,
        /// mip or both. `auto` enumerates discrete games up to 24 labs and
        /// uses the MIP otherwise.
        #[arg(long, default_value = "auto", value_parser = Choice::parse)]
        solver: Choice,
        /// Race only: override the config's action set (discrete or continuous).
        #[arg(long, value_parser = parse_actions)]
        actions: Option<Actions>,
        /// Race only: MIP backend (`microlp`; `highs` when built with --features highs).
        #[arg(long)]
        mip_backend: Option<String>,
        /// Race only: how the discrete MIP models the rival maxima of `lead`
        /// and `gap`: `witness` (the default) or `selection` (the first
        /// release's, for comparison).
        #[arg(long, default_value = "witness", value_parser = Formulation::parse)]
        formulation: Formulation,
        /// Race only: the most seconds the MIP may take (0: no limit).
        #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_MIP_SECONDS)]
        time_limit: u64,
        /// Race only: the solution concept: `pure` (pure Nash equilibria, the
        /// default), `mixed` (every Nash equilibrium, mixed ones included) or
        /// `qre` (the logit quantal response equilibrium at --temperature).
        #[arg(long, default_value = "pure", value_parser = Concept::parse)]
        concept: Concept,
        /// With --concept qre: the temperature τ of the logit response,
        /// P(a) ∝ exp(u(a)/τ) (Gambit's λ = 1/τ).
        #[arg(long, value_name = "TAU")]
        temperature: Option<f64>,
    },
    /// Write the game of a config in another tool's format (a discrete
    /// race as a Gambit strategic-form `.nfg` file, for Gambit or OpenSpiel).
    Export {
        /// A TOML config of a discrete race.
        config: PathBuf,
        /// The format (`nfg`).
        #[arg(long, default_value = "nfg")]
        format: ExportFormat,
        /// Output file (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
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
        /// Finish an interrupted run of the same config into the same --out,
        /// skipping the blocks of points already written.
        #[arg(long)]
        resume: bool,
        /// Run only shard K of N (every N-th block of points) and keep its
        /// part files for `openmarket merge`; e.g. --shard 0/4.
        #[arg(long, value_name = "K/N")]
        shard: Option<Shard>,
    },
    /// Print the size of a sweep (points, runs, rows, bytes) without running it.
    Plan {
        /// A TOML config.
        config: PathBuf,
    },
    /// Convergence verdict of an experiment folder: per rule and per point,
    /// and the points where the dynamics disagree with the equilibria.
    Summarize {
        /// An experiment folder.
        dir: PathBuf,
        /// Print one JSON object instead of tables.
        #[arg(long)]
        json: bool,
        /// Print every point's row, not only the overview and the worst.
        #[arg(long)]
        points: bool,
        /// Exit with code 3 when any point (and rule) has a smaller share of
        /// converged runs than SHARE, in [0, 1].
        #[arg(long, value_name = "SHARE")]
        fail_if_unconverged: Option<f64>,
    },
    /// Draw a figure from an experiment folder (PNG or SVG).
    Plot {
        /// An experiment folder.
        dir: PathBuf,
        /// The figure.
        #[arg(long, value_enum)]
        kind: crate::plot::Kind,
        /// The file format.
        #[arg(long, value_enum, default_value_t = crate::plot::Format::Png)]
        format: crate::plot::Format,
        /// Output file (default: DIR/plots/KIND.png or .svg).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Merge the folders of `run --shard K/N` into one experiment folder,
    /// after checking that they cover the plan exactly once.
    Merge {
        /// The shard folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// The merged experiment folder.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Formats `export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Gambit's strategic form.
    Nfg,
}

fn parse_actions(s: &str) -> Result<Actions, String> {
    match s {
        "discrete" => Ok(Actions::Discrete),
        "continuous" => Ok(Actions::Continuous),
        other => Err(format!(
            "unknown action set \"{other}\"; one of discrete, continuous"
        )),
    }
}

/// The command line's hint for an error of the library, if it has one.
pub fn hint(e: &Error) -> Option<&'static str> {
    match e {
        Error::Plan {
            source: PlanError::NeedsConfirmation { .. },
            ..
        } => Some("pass --yes to run it"),
        Error::Solve(SolveError::TooLarge { .. }) => Some("use --solver mip"),
        Error::Solve(SolveError::Unsupported(_)) => Some("choose another --solver"),
        Error::Solve(SolveError::TimeLimit { .. }) => {
            Some("raise --time-limit, or build with --features openmarket-core/highs")
        }
        _ => None,
    }
}

/// A progress bar on stderr, hidden when stderr is not a terminal.
fn bar(template: &str) -> ProgressBar {
    if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(0);
        bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
        bar
    } else {
        ProgressBar::hidden()
    }
}

struct RunBar(ProgressBar);

impl run::Progress for RunBar {
    fn start(&self, total: u64, done: u64) {
        self.0.set_length(total);
        self.0.set_position(done);
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
    fn note(&self, line: &str) {
        self.0.suspend(|| eprintln!("{line}"));
    }
}

/// The last panic's message and place, kept by the binary's panic hook so
/// that an uncaught panic is reported in one line.
static LAST_PANIC: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// Keep a panic's description (called from the panic hook).
pub fn record_panic(description: String) {
    if let Ok(mut p) = LAST_PANIC.lock() {
        *p = description;
    }
}

/// The last panic's description.
pub fn last_panic() -> String {
    LAST_PANIC.lock().map(|p| p.clone()).unwrap_or_default()
}

/// Write to standard output. A reader that has gone (`| head`) is not an
/// error worth a message: [`Error::ClosedPipe`] ends the command quietly.
fn emit(text: impl AsRef<str>) -> Result<(), Error> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_ref().as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => Error::ClosedPipe,
            _ => Error::Output(crate::output::Error::Io {
                path: "standard output".into(),
                source: e,
            }),
        })
}

/// Run the command.
pub fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Solve {
            config,
            json,
            solver,
            actions,
            mip_backend,
            formulation,
            time_limit,
            concept,
            temperature,
        } => {
            let cfg = config::load(&config)?;
            if temperature.is_some() && concept != Concept::Qre {
                return Err(Error::Usage("--temperature goes with --concept qre".into()));
            }
            match cfg.model {
                ModelConfig::Openness(_)
                    if !matches!(concept, Concept::PureNash | Concept::Spe) =>
                {
                    return Err(Error::Usage(format!(
                        "--concept {}: the openness game is solved for its subgame-perfect equilibrium (--concept spe); mixed and qre apply to the discrete race",
                        concept.as_ref()
                    )));
                }
                ModelConfig::Race(game) if concept != Concept::PureNash => {
                    let game = match actions {
                        Some(a) => game.with_actions(a),
                        None => game,
                    };
                    let start = Instant::now();
                    let text = match concept {
                        Concept::MixedNash => {
                            let sol = game.mixed_equilibria()?;
                            let seconds = start.elapsed().as_secs_f64();
                            if json {
                                report::mixed_json(&game, &sol, seconds).to_string() + "\n"
                            } else {
                                report::mixed_text(&game, &sol, seconds)
                            }
                        }
                        Concept::Qre => {
                            let tau = temperature.ok_or_else(|| {
                                Error::Usage("--concept qre needs --temperature TAU".into())
                            })?;
                            if !(tau > 0.0 && tau.is_finite()) {
                                return Err(Error::Usage(format!(
                                    "--temperature = {tau} is out of range (0, inf)"
                                )));
                            }
                            let q = game.logit_qre(tau)?;
                            let seconds = start.elapsed().as_secs_f64();
                            if json {
                                report::qre_json(&game, tau, &q, seconds).to_string() + "\n"
                            } else {
                                report::qre_text(&game, tau, &q, seconds)
                            }
                        }
                        other => {
                            return Err(Error::Usage(format!(
                                "--concept {}: a race is solved for pure, mixed or qre",
                                other.as_ref()
                            )));
                        }
                    };
                    emit(&text)?;
                }
                ModelConfig::Sector(_) if !matches!(concept, Concept::PureNash | Concept::Spe) => {
                    return Err(Error::Usage(format!(
                        "--concept {}: a sector is solved for its subgame-perfect equilibrium (--concept spe)",
                        concept.as_ref()
                    )));
                }
                ModelConfig::Sector(m) => {
                    let start = Instant::now();
                    let o = m.bargain();
                    let seconds = start.elapsed().as_secs_f64();
                    if json {
                        emit(format!("{}", report::sector_json(&m, &o, seconds)) + "\n")?;
                    } else {
                        emit(report::sector_text(&m, &o, seconds))?;
                    }
                }
                ModelConfig::Openness(game) => {
                    let eq = game.solve();
                    let optimal = cfg
                        .regulator
                        .as_ref()
                        .map(|r| optimal_regulation(&game, r.objective, &r.search));
                    if json {
                        emit(format!("{}", report::openness_json(&eq, optimal.as_ref())) + "\n")?;
                    } else {
                        emit(report::openness_text(&game, &eq, optimal.as_ref()))?;
                    }
                }
                ModelConfig::Race(game) => {
                    let game = match actions {
                        Some(a) => game.with_actions(a),
                        None => game,
                    };
                    let backend = match mip_backend {
                        Some(name) => mip::backend(&name).map_err(Error::Usage)?,
                        None => mip::default_backend(),
                    };
                    let start = Instant::now();
                    let limit = (time_limit > 0).then(|| Duration::from_secs(time_limit));
                    let solution = solve_race(&game, solver, backend, formulation, limit)?;
                    let seconds = start.elapsed().as_secs_f64();
                    if json {
                        emit(format!("{}", report::race_json(&game, &solution, seconds)) + "\n")?;
                    } else {
                        emit(report::race_text(&game, &solution, seconds))?;
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
            resume,
            shard,
        } => {
            let progress = RunBar(bar(
                "{pos}/{len} runs {wide_bar} {elapsed_precise} eta {eta}",
            ));
            let report = run::run(
                &run::Request {
                    config,
                    out,
                    threads,
                    confirmed: yes,
                    resume,
                    shard: shard.unwrap_or(Shard::WHOLE),
                },
                &progress,
            )?;
            emit(report::run_text(&report))?;
            Ok(())
        }
        Command::Export {
            config,
            format: ExportFormat::Nfg,
            out,
        } => {
            let cfg = config::load(&config)?;
            let ModelConfig::Race(game) = cfg.model else {
                return Err(Error::Usage(
                    "export writes a discrete race; this config is an openness game".into(),
                ));
            };
            let text = report::nfg(&game, &config.display().to_string())?;
            match out {
                Some(path) => std::fs::write(&path, text)
                    .map_err(|e| Error::Output(crate::output::Error::Io { path, source: e }))?,
                None => emit(&text)?,
            }
            Ok(())
        }
        Command::Plan { config } => {
            let origin = config.display().to_string();
            let text = config::read(&config)?;
            let plan = plan::expand(&text, &origin)?;
            // What `run` would refuse, `plan` refuses too.
            openmarket_core::experiment::validate(&plan, true).map_err(|source| Error::Plan {
                origin: origin.clone(),
                source,
            })?;
            emit(report::plan_text(&origin, &plan))?;
            Ok(())
        }
        Command::Merge { dirs, out } => {
            let r = output::merge::merge(&dirs, &out)?;
            emit(
                format!(
                    "merged {} shards ({} blocks, {} runs) into {}",
                    r.shards,
                    r.blocks,
                    r.runs,
                    r.out.display()
                ) + "\n",
            )?;
            Ok(())
        }
        Command::Summarize {
            dir,
            json,
            points,
            fail_if_unconverged,
        } => {
            if let Some(m) = fail_if_unconverged.filter(|m| !(0.0..=1.0).contains(m)) {
                return Err(Error::Usage(format!(
                    "--fail-if-unconverged = {m} is out of range [0, 1]"
                )));
            }
            let summary = summary::summarize(&dir)?;
            let query = |e: polars::error::PolarsError| anyhow::anyhow!("summarize: {e}");
            let text = if json {
                let v = summary.json(fail_if_unconverged).map_err(query)?;
                serde_json::to_string_pretty(&v).expect("JSON serializes") + "\n"
            } else {
                summary.text(points, fail_if_unconverged).map_err(query)?
            };
            // A closed stdout must not hide a failed check: the check's
            // exit code wins.
            let printed = emit(text);
            if let Some(m) = fail_if_unconverged {
                let bad = summary.unconverged(m).map_err(query)?.height();
                if bad > 0 {
                    return Err(Error::Check(format!(
                        "{bad} of {} points have a converged share below {m}",
                        summary.points.height()
                    )));
                }
            }
            printed
        }
        Command::Plot {
            dir,
            kind,
            format,
            out,
        } => {
            if let Some(out) = out.as_ref().filter(|o| o.is_dir()) {
                return Err(Error::Usage(format!(
                    "--out {}: is a folder; name the figure's file (e.g. {})",
                    out.display(),
                    out.join("figure.png").display()
                )));
            }
            let path = crate::plot::plot(&dir, kind, format, out)?;
            emit(format!("wrote {}", path.display()) + "\n")?;
            Ok(())
        }
    }
}

/// Solve a race by `choice`, drawing a bar while a large game is enumerated.
fn solve_race(
    game: &RaceGame,
    choice: Choice,
    backend: &dyn mip::MipBackend,
    formulation: Formulation,
    time_limit: Option<Duration>,
) -> Result<RaceSolution, Error> {
    let enumerates = matches!(choice, Choice::Enumerate | Choice::Both)
        || (choice == Choice::Auto
            && solve::auto(game) == openmarket_core::method::Method::Enumerate);
    let bar = bar("enumerating {pos}/{len} profiles {wide_bar} {eta}");
    if enumerates && game.n() >= 20 {
        bar.set_length(1u64 << game.n().min(63));
    }
    let advance = |n: u64| bar.inc(n);
    let result = solve::solve(
        game,
        choice,
        &Options {
            backend,
            progress: Some(&advance),
            formulation,
            time_limit,
        },
    );
    bar.finish_and_clear();
    Ok(result?)
}
