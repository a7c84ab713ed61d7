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

use crate::{output, report, summary};

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
        /// Finish an interrupted run of the same config into the same --out,
        /// skipping the blocks of points already written.
        #[arg(long)]
        resume: bool,
        /// Run only shard K of N (every N-th block of points) and keep its
        /// part files for `openmarket merge`; e.g. --shard 0/4.
        #[arg(long, value_name = "K/N")]
        shard: Option<output::Shard>,
    },
    /// Print the size of a sweep (points, runs, rows, bytes) without running it.
    Plan { config: PathBuf },
    /// Convergence verdict of an experiment folder: per rule and per point,
    /// and the points where the dynamics disagree with the equilibria.
    Summarize {
        dir: PathBuf,
        /// Print one JSON object instead of tables.
        #[arg(long)]
        json: bool,
        /// Print every point's row, not only the overview and the worst.
        #[arg(long)]
        points: bool,
        /// A point disagrees when its runs' median L∞ distance to the nearest
        /// equilibrium exceeds this.
        #[arg(long, default_value_t = 1e-3, value_name = "D")]
        dist_tol: f64,
        /// Exit with code 3 when any point (and rule) has a smaller share of
        /// converged runs than SHARE, in [0, 1].
        #[arg(long, value_name = "SHARE")]
        fail_if_unconverged: Option<f64>,
    },
    /// Draw a figure from an experiment folder (PNG or SVG).
    Plot {
        dir: PathBuf,
        #[arg(long, value_enum)]
        kind: crate::plot::Kind,
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
    /// A check the user asked for failed (`summarize --fail-if-unconverged`).
    #[error("{0}")]
    Check(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl CliError {
    /// 2 for bad input (usage and config), 3 for a failed check, 1 for
    /// failures while running.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Config(_) | CliError::Usage(_) => 2,
            CliError::Check(_) => 3,
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
            resume,
            shard,
        } => run_experiment(
            config,
            RunOptions {
                out,
                threads,
                yes,
                resume,
                shard: shard.unwrap_or(output::Shard::WHOLE),
            },
        ),
        Command::Plan { config } => {
            let (text, origin) = read_config(&config)?;
            let plan = plan::expand(&text, &origin)?;
            print!("{}", report::plan_text(&origin, &plan));
            Ok(())
        }
        Command::Merge { dirs, out } => merge(&dirs, &out),
        Command::Summarize {
            dir,
            json,
            points,
            dist_tol,
            fail_if_unconverged,
        } => {
            if !(dist_tol >= 0.0 && dist_tol.is_finite()) {
                return Err(CliError::Usage(format!(
                    "--dist-tol = {dist_tol} is out of range [0, inf)"
                )));
            }
            if let Some(m) = fail_if_unconverged.filter(|m| !(0.0..=1.0).contains(m)) {
                return Err(CliError::Usage(format!(
                    "--fail-if-unconverged = {m} is out of range [0, 1]"
                )));
            }
            let summary = summary::summarize(&dir, dist_tol)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&summary.json(fail_if_unconverged)?)
                        .map_err(anyhow::Error::from)?
                );
            } else {
                print!("{}", summary.text(points, fail_if_unconverged)?);
            }
            if let Some(m) = fail_if_unconverged {
                let bad = summary.unconverged(m)?.height();
                if bad > 0 {
                    return Err(CliError::Check(format!(
                        "{bad} of {} points have a converged share below {m}",
                        summary.points.height()
                    )));
                }
            }
            Ok(())
        }
        Command::Plot {
            dir,
            kind,
            format,
            out,
        } => {
            let path = crate::plot::plot(&dir, kind, format, out)?;
            println!("wrote {}", path.display());
            Ok(())
        }
    }
}

fn read_config(config: &std::path::Path) -> Result<(String, String), CliError> {
    let origin = config.display().to_string();
    let text = std::fs::read_to_string(config).map_err(|e| {
        CliError::Config(ConfigError {
            origin: origin.clone(),
            field: None,
            message: format!("cannot read file: {e}"),
        })
    })?;
    Ok((text, origin))
}

pub struct RunOptions {
    pub out: Option<PathBuf>,
    pub threads: Option<usize>,
    pub yes: bool,
    pub resume: bool,
    pub shard: output::Shard,
}

fn run_experiment(config: PathBuf, opts: RunOptions) -> Result<(), CliError> {
    let (text, origin) = read_config(&config)?;
    let plan = plan::expand(&text, &origin)?;
    experiment::check_plan(&plan).map_err(|e| CliError::Usage(format!("{origin}: {e}")))?;
    if plan.runs() > PLAN_LIMIT && !opts.yes {
        return Err(CliError::Usage(format!(
            "{origin}: the plan has {} points × {} seeds = {} runs, above the limit of {PLAN_LIMIT}; pass --yes to run it",
            plan.points.len(),
            plan.seeds_per_point,
            plan.runs()
        )));
    }
    let first = &plan.points[0].config;
    // Default: output/<config name>, or output/<config name>-shard-K-of-N
    // so that the shards of one config never share a folder.
    let dir = opts
        .out
        .or_else(|| first.output.dir.clone())
        .unwrap_or_else(|| {
            let stem = config
                .file_stem()
                .map_or("experiment".into(), |s| s.to_string_lossy().to_string());
            let shard = opts.shard;
            PathBuf::from("output").join(if shard == output::Shard::WHOLE {
                stem
            } else {
                format!("{stem}-shard-{}-of-{}", shard.k, shard.n)
            })
        });
    let trajectory_every = first.output.trajectory_every;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.unwrap_or(0))
        .build()
        .map_err(|e| CliError::Other(anyhow::anyhow!(e)))?;
    let started = Instant::now();
    let hash = format!("{:x}", Sha256::digest(text.as_bytes()));
    let store = output::Store::open(
        &plan,
        &dir,
        opts.shard,
        &hash,
        trajectory_every,
        opts.resume,
    )?;
    let layout = store.layout;
    let owned: Vec<usize> = layout.owned(opts.shard).collect();
    let todo: Vec<usize> = owned
        .iter()
        .copied()
        .filter(|&b| !store.is_done(b))
        .collect();
    let runs_in = |blocks: &[usize]| -> u64 {
        blocks
            .iter()
            .map(|&b| layout.range(b).len() as u64 * plan.seeds_per_point)
            .sum()
    };
    let total = runs_in(&owned);
    let skipped = total - runs_in(&todo);
    let counter = AtomicU64::new(skipped);
    let done = std::sync::atomic::AtomicBool::new(false);
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{pos}/{len} runs {wide_bar} {elapsed_precise} eta {eta}")
                .expect("valid template"),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut converged = 0u64;
    let result: anyhow::Result<()> = std::thread::scope(|scope| {
        // The bar's ticker parks between updates and is woken at the end, so
        // a short run does not wait out its last tick.
        let ticker = scope.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                bar.set_position(counter.load(Ordering::Relaxed));
                std::thread::park_timeout(Duration::from_millis(100));
            }
        });
        // A writer thread turns finished blocks into Parquet while the pool
        // computes the next one; the bounded channel keeps at most one block
        // waiting, so memory stays bounded.
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, experiment::Batch)>(1);
        let store = &store;
        let writer = scope.spawn(move || -> anyhow::Result<u64> {
            let mut converged = 0u64;
            for (b, batch) in rx {
                converged += batch.runs.iter().filter(|r| r.converged).count() as u64;
                store.write_block(b, &batch)?;
            }
            Ok(converged)
        });
        let computed = pool.install(|| -> anyhow::Result<()> {
            for &b in &todo {
                let points: Vec<usize> = layout.range(b).collect();
                let batch =
                    experiment::run_points(&plan, &points, trajectory_every, Some(&counter))
                        .map_err(|e| anyhow::anyhow!(e))?;
                if tx.send((b, batch)).is_err() {
                    // The writer stopped on an error: it reports it below.
                    break;
                }
            }
            Ok(())
        });
        drop(tx);
        let written = writer.join().expect("writer thread");
        let r = computed.and(written.map(|c| converged = c));
        done.store(true, Ordering::Relaxed);
        ticker.thread().unpark();
        r
    });
    bar.finish_and_clear();
    result?;
    let seconds = started.elapsed().as_secs_f64();
    let threads_used = pool.current_num_threads();
    let shard = opts.shard;
    let dir = store.finish(|rows| {
        serde_json::json!({
            "config_file": origin,
            "config": text,
            "config_sha256": hash,
            "openmarket_version": env!("CARGO_PKG_VERSION"),
            "git_revision": git_revision(),
            "master_seed": plan.master_seed,
            "seeds_per_point": plan.seeds_per_point,
            "axes": plan.axes,
            "studies": plan.studies,
            "points": plan.points.len(),
            "layout": layout,
            "shard": (shard != output::Shard::WHOLE).then_some(shard),
            "threads": threads_used,
            "resumed_runs": skipped,
            "rows": rows,
            "wall_seconds": seconds,
        })
    })?;
    let ran = total - skipped;
    println!(
        "{} points × {} seeds: {ran} runs in {seconds:.2} s on {threads_used} threads{}{}; {converged} of {ran} converged ({:.1}%)",
        plan.points.len(),
        plan.seeds_per_point,
        if shard != output::Shard::WHOLE {
            format!(
                " (shard {}/{}: {} of {} blocks)",
                shard.k,
                shard.n,
                owned.len(),
                layout.blocks
            )
        } else {
            String::new()
        },
        if skipped > 0 {
            format!(", {skipped} already done before --resume")
        } else {
            String::new()
        },
        100.0 * converged as f64 / ran.max(1) as f64
    );
    if shard == output::Shard::WHOLE {
        println!(
            "wrote {}/{{runs,equilibria{}}}.parquet and manifest.json",
            dir.display(),
            if trajectory_every > 0 {
                ",trajectories"
            } else {
                ""
            }
        );
    } else {
        println!(
            "wrote shard parts to {}/parts/ and manifest.json; combine the shards with `openmarket merge`",
            dir.display()
        );
    }
    Ok(())
}

fn merge(dirs: &[PathBuf], out: &std::path::Path) -> Result<(), CliError> {
    let started = Instant::now();
    let shards: Vec<output::ShardDir> = dirs
        .iter()
        .map(|d| output::ShardDir::open(d))
        .collect::<anyhow::Result<_>>()?;
    let first = &shards[0].manifest;
    for s in &shards[1..] {
        for key in ["config_sha256", "layout"] {
            if s.manifest[key] != first[key] {
                return Err(CliError::Usage(format!(
                    "{} and {} come from different experiments ({key} differs)",
                    shards[0].dir.display(),
                    s.dir.display()
                )));
            }
        }
        if s.manifest["shard"]["n"] != first["shard"]["n"] {
            return Err(CliError::Usage(format!(
                "{} and {} were cut into different shard counts",
                shards[0].dir.display(),
                s.dir.display()
            )));
        }
    }
    let text = first["config"].as_str().unwrap_or_default();
    let origin = first["config_file"]
        .as_str()
        .unwrap_or("manifest")
        .to_string();
    let plan = plan::expand(text, &origin)?;
    let layout: output::Layout = serde_json::from_value(first["layout"].clone())
        .map_err(|e| CliError::Other(anyhow::anyhow!("manifest layout: {e}")))?;
    if layout != output::Layout::new(&plan, first["shard"]["n"].as_u64().unwrap_or(1) as usize) {
        return Err(CliError::Other(anyhow::anyhow!(
            "the shards' layout does not match their config's plan"
        )));
    }
    let rows = output::merge(&plan, layout, &shards, out)?;
    let mut manifest = first.clone();
    manifest["shard"] = serde_json::Value::Null;
    manifest["rows"] = serde_json::json!(rows);
    manifest["threads"] = serde_json::json!(
        shards
            .iter()
            .map(|s| s.manifest["threads"].clone())
            .collect::<Vec<_>>()
    );
    manifest["resumed_runs"] = serde_json::json!(
        shards
            .iter()
            .map(|s| s.manifest["resumed_runs"].as_u64().unwrap_or(0))
            .sum::<u64>()
    );
    manifest["merged_from"] = serde_json::json!(
        shards
            .iter()
            .map(|s| s.dir.display().to_string())
            .collect::<Vec<_>>()
    );
    manifest["shard_wall_seconds"] = serde_json::json!(
        shards
            .iter()
            .map(|s| s.manifest["wall_seconds"].clone())
            .collect::<Vec<_>>()
    );
    manifest["wall_seconds"] = serde_json::json!(started.elapsed().as_secs_f64());
    output::finish_merge(out, &manifest)?;
    println!(
        "merged {} shards ({} blocks, {} runs) into {}",
        shards.len(),
        layout.blocks,
        rows.runs,
        out.display()
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
