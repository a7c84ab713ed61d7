//! Command-line interface: argument parsing and dispatch. Everything a
//! command does lives in the library (`run`, `output`, `summary`, `plot`,
//! `report`, `commands`, and the core); this file turns arguments into
//! calls and draws the progress bars.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use openmarket_core::concept::Concept;
use openmarket_core::experiment::Shard;
use openmarket_core::limits::DEFAULT_MIP_SECONDS;
use openmarket_core::race::Actions;
use openmarket_core::race::mip::Formulation;
use openmarket_core::race::solve::{Choice, Question};

use crate::error::Error;
use crate::families::{self, ExportFormat};
use crate::progress::bar;
use crate::report::emit;
use crate::{commands, output, report, run, summary};

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
        /// mip or both. `auto` enumerates discrete games up to 24 labs to
        /// decide existence and up to 32 to count or list, and uses the MIP
        /// otherwise.
        #[arg(long, default_value = "auto", value_parser = Choice::parse)]
        solver: Choice,
        /// Race only, with --concept pure: `exists` (does a non-trivial pure
        /// NE exist? with a witness), `count` (how many pure NE, how many
        /// non-trivial) or `all` (every pure NE). Default: the config's
        /// `[solve] question`, else `all`.
        #[arg(long, value_parser = Question::parse)]
        question: Option<Question>,
        /// Race only: override the config's action set (discrete or continuous).
        #[arg(long, value_parser = Actions::parse)]
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
        /// Race and normal-form games: the solution concept: `pure` (pure
        /// Nash equilibria, the default), `mixed` (every Nash equilibrium,
        /// mixed ones included) or `qre` (the logit quantal response
        /// equilibrium at --temperature).
        #[arg(long, default_value = "pure", value_parser = Concept::parse)]
        concept: Concept,
        /// With --concept qre: the temperature τ of the logit response,
        /// P(a) ∝ exp(u(a)/τ) (Gambit's λ = 1/τ).
        #[arg(long, value_name = "TAU")]
        temperature: Option<f64>,
    },
    /// Write the game of a config in another tool's format (a discrete
    /// race or a normal-form game as a Gambit strategic-form `.nfg` file,
    /// for Gambit or OpenSpiel).
    Export {
        /// A TOML config of a discrete race or a normal-form game.
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
    /// Sensitivity indices (Sobol', Morris) or scenario discovery (PRIM)
    /// of an experiment's outputs; writes DIR/analysis/METHOD-OUTPUT.parquet.
    Analyze {
        /// An experiment folder.
        dir: PathBuf,
        /// The analysis: `sobol` and `morris` need a sweep drawn from their
        /// `[sweep.design]`; `prim` boxes any sweep's numeric parameters.
        #[arg(long, value_enum)]
        method: crate::analyze::Method,
        /// What to analyse: a column (`converged`), a list element
        /// (`actions[0]`), a family alias (`omega`, `alpha1`, `u_g`, `u_d`)
        /// or a comparison (`regime == "pay_penalty"`, `omega >= 0.5`).
        /// Repeat for several outputs.
        #[arg(long = "output", required = true, value_name = "EXPR")]
        outputs: Vec<String>,
        /// The table: `runs` (averaged per point for Sobol' and Morris; one
        /// row per run for PRIM) or `equilibria` (each point's target row).
        /// Default: runs when the experiment has runs.
        #[arg(long, value_enum)]
        table: Option<crate::analyze::Table>,
        /// Bootstrap resamples for the intervals (Sobol', Morris).
        #[arg(long, default_value_t = 1000)]
        resamples: usize,
        /// The bootstrap's seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// PRIM: the density a box must reach to count as found (the EMA
        /// Workbench's `threshold`).
        #[arg(long, default_value_t = 0.8)]
        threshold: f64,
        /// PRIM: the share of the box's points one peel removes.
        #[arg(long, default_value_t = 0.05)]
        peel_alpha: f64,
        /// PRIM: the share one paste adds back.
        #[arg(long, default_value_t = 0.05)]
        paste_alpha: f64,
        /// PRIM: the smallest share of all rows a box may keep.
        #[arg(long, default_value_t = 0.05)]
        mass_min: f64,
        /// PRIM: the chosen box is the densest step with at least this coverage.
        #[arg(long, default_value_t = 0.5)]
        min_coverage: f64,
        /// Sobol': analyse only the design's first N base rows (a power of
        /// two), to see how the indices settle as N grows.
        #[arg(long, value_name = "N")]
        base_rows: Option<usize>,
        /// Print one JSON object instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Draw a figure from an experiment folder (PNG or SVG).
    Plot {
        /// An experiment folder.
        dir: PathBuf,
        /// The figure (see `--help` for the list).
        #[arg(long, value_parser = families::figure_kinds())]
        kind: String,
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

/// Run the command.
pub fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Solve {
            config,
            json,
            solver,
            question,
            actions,
            mip_backend,
            formulation,
            time_limit,
            concept,
            temperature,
        } => {
            let request = commands::Solve {
                json,
                solver,
                question,
                actions,
                mip_backend,
                formulation,
                time_limit,
                concept,
                temperature,
            };
            emit(commands::solve(&run::Source::File(config), &request)?)
        }
        Command::Run {
            config,
            out,
            threads,
            yes,
            resume,
            shard,
        } => {
            let progress = crate::progress::RunBar(bar(
                "{pos}/{len} runs {wide_bar} {elapsed_precise} eta {eta}",
            ));
            let report = run::run(
                &run::Request {
                    config: run::Source::File(config),
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
            format,
            out,
        } => {
            let text = commands::export(&run::Source::File(config), format)?;
            match out {
                Some(path) => std::fs::write(&path, text)
                    .map_err(|e| Error::Output(crate::output::Error::Io { path, source: e }))?,
                None => emit(&text)?,
            }
            Ok(())
        }
        Command::Plan { config } => {
            let (plan, origin) = commands::plan(&run::Source::File(config))?;
            emit(report::plan_text(&origin, &plan))?;
            Ok(())
        }
        Command::Merge { dirs, out } => {
            let r = output::merge::merge(&dirs, &out)?;
            emit(report::merge_text(&r))
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
            let text = summary.render(json, points, fail_if_unconverged)?;
            // A closed stdout must not hide a failed check: the check's
            // exit code wins.
            let printed = emit(text);
            if let Some(m) = fail_if_unconverged {
                summary.check(m)?;
            }
            printed
        }
        Command::Analyze {
            dir,
            method,
            outputs,
            table,
            resamples,
            seed,
            threshold,
            peel_alpha,
            paste_alpha,
            mass_min,
            min_coverage,
            base_rows,
            json,
        } => {
            let report = crate::analyze::analyze(&crate::analyze::Request {
                dir,
                method,
                outputs,
                table,
                resamples,
                seed,
                prim: openmarket_core::analysis::prim::Options {
                    threshold,
                    peel_alpha,
                    paste_alpha,
                    mass_min,
                },
                min_coverage,
                base_rows,
            })?;
            emit(report.render(json))
        }
        Command::Plot {
            dir,
            kind,
            format,
            out,
        } => {
            let path = families::plot(&dir, &kind, format, out)?;
            emit(format!("wrote {}", path.display()) + "\n")?;
            Ok(())
        }
    }
}
