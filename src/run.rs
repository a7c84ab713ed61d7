//! `openmarket run`: a config to a finished experiment folder. The plan is
//! validated, the store opened, the core runner executes the blocks not
//! yet written into it, and the manifest seals the folder.

use std::path::PathBuf;
use std::time::Instant;

use openmarket_core::experiment::{self, Shard, runner};
use openmarket_core::limits::{MAX_POINTS, MAX_SEEDS, MAX_THREADS};
use openmarket_core::plan;
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::output::{Manifest, Store};

/// Where a config comes from.
#[derive(Clone, Debug)]
pub enum Source {
    /// A TOML file; relative paths in it are relative to its folder.
    File(PathBuf),
    /// TOML text given directly (the Python package's dicts and strings);
    /// `origin` names it in messages and in the manifest, and relative
    /// paths in it are relative to the working directory.
    Text {
        /// The TOML text.
        text: String,
        /// Its name in messages, e.g. `<dict>`.
        origin: String,
    },
}

impl Source {
    /// The config's text and the name its messages give it.
    pub fn read(&self) -> Result<(String, String), openmarket_core::config::ConfigError> {
        match self {
            Source::File(path) => Ok((
                openmarket_core::config::read(path)?,
                path.display().to_string(),
            )),
            Source::Text { text, origin } => {
                let limit = openmarket_core::limits::MAX_CONFIG_BYTES;
                if text.len() as u64 > limit {
                    return Err(openmarket_core::config::ConfigError {
                        origin: origin.clone(),
                        field: None,
                        message: format!("is larger than {} MiB: not a config", limit >> 20),
                    });
                }
                Ok((text.clone(), origin.clone()))
            }
        }
    }

    /// Read and validate a single-model config.
    pub fn load(
        &self,
    ) -> Result<openmarket_core::config::Config, openmarket_core::config::ConfigError> {
        let (text, origin) = self.read()?;
        openmarket_core::config::parse(&text, &origin)
    }

    /// The name of the default output folder: the file's stem, or
    /// `experiment` for text.
    fn stem(&self) -> String {
        match self {
            Source::File(path) => path
                .file_stem()
                .map_or("experiment".into(), |s| s.to_string_lossy().to_string()),
            Source::Text { .. } => "experiment".into(),
        }
    }
}

/// What to run and where.
#[derive(Clone, Debug)]
pub struct Request {
    /// The config.
    pub config: Source,
    /// The output folder (default: `[output] dir`, else `output/<config name>`).
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    pub threads: Option<usize>,
    /// Run a plan above the size that needs confirmation.
    pub confirmed: bool,
    /// Finish an interrupted run of the same config into the same folder.
    pub resume: bool,
    /// The shard to run ([`Shard::WHOLE`] for all of it).
    pub shard: Shard,
}

/// Told how far a run has come (the command line draws a bar).
pub trait Progress: Sync {
    /// The run owns `total` runs, of which `done` were written before.
    fn start(&self, total: u64, done: u64);
    /// `n` more runs finished (called from the worker threads).
    fn advance(&self, n: u64);
    /// The runs are done (the folder is not yet sealed).
    fn finish(&self);
    /// Something the user should know that is not an error (a block being
    /// recomputed on resume).
    fn note(&self, line: &str) {
        eprintln!("{line}");
    }
    /// Whether the caller asks the run to stop (an interrupt): asked before
    /// each block of points is started; the run then ends with
    /// `RunError::Interrupted`, leaving a resumable `DIR.partial`.
    fn stopped(&self) -> bool {
        false
    }
}

/// What a finished run did.
#[derive(Clone, Debug)]
pub struct Report {
    /// Points in the plan.
    pub points: usize,
    /// Seeds per point.
    pub seeds: u64,
    /// Runs computed now.
    pub ran: u64,
    /// Runs already written before `--resume`.
    pub skipped: u64,
    /// Of the runs computed now, converged.
    pub converged: u64,
    /// Wall time of the computation.
    pub seconds: f64,
    /// Worker threads.
    pub threads: usize,
    /// The folder written.
    pub dir: PathBuf,
    /// The shard run.
    pub shard: Shard,
    /// Blocks this shard owns, and blocks in the plan.
    pub blocks: (usize, usize),
    /// Whether trajectories were kept.
    pub trajectories: bool,
}

/// The default folder: output/<config name>, or
/// output/<config name>-shard-K-of-N so that shards never share a folder.
fn default_dir(config: &Source, shard: Shard) -> PathBuf {
    let stem = config.stem();
    PathBuf::from("output").join(if shard == Shard::WHOLE {
        stem
    } else {
        format!("{stem}-shard-{}-of-{}", shard.k, shard.n)
    })
}

/// openmarket's own git revision, recorded at build time (build.rs).
pub fn git_revision() -> Option<String> {
    option_env!("OPENMARKET_GIT_REVISION").map(String::from)
}

/// Run `request`, telling `progress` how far it has come.
pub fn run(request: &Request, progress: &dyn Progress) -> Result<Report, Error> {
    let (text, origin) = request.config.read()?;
    // Refuse a plan too large to run before building any of it. Points or
    // seeds past their own limits are left to `expand`, whose message names
    // the field.
    if let Some((points, seeds)) =
        plan::count(&text).filter(|&(p, s)| p <= MAX_POINTS && s <= MAX_SEEDS)
    {
        experiment::check_size(points, seeds, request.confirmed).map_err(|source| Error::Plan {
            origin: origin.clone(),
            source,
        })?;
    }
    if let Some(t) = request.threads.filter(|&t| t == 0 || t > MAX_THREADS) {
        return Err(Error::Usage(format!(
            "--threads = {t} is out of range [1, {MAX_THREADS}]"
        )));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(request.threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start worker threads: {e}")))?;
    // Planning builds points in parallel: on the run's threads, too.
    let plan = pool.install(|| plan::expand(&text, &origin))?;
    experiment::validate(&plan, request.confirmed).map_err(|source| Error::Plan {
        origin: origin.clone(),
        source,
    })?;
    let first = &plan.points[0].config;
    let dir = request
        .out
        .clone()
        .or_else(|| first.output.dir.clone())
        .unwrap_or_else(|| default_dir(&request.config, request.shard));
    let trajectory_every = first.output.trajectory_every;
    let blocks = experiment::Layout::new(&plan, request.shard.n).blocks;
    if request.shard.k >= blocks {
        return Err(Error::Usage(format!(
            "--shard {}: the plan has {blocks} blocks, so shard {} of {} would own none; use at most {blocks} shards",
            request.shard, request.shard.k, request.shard.n
        )));
    }
    let started = Instant::now();
    // Files a model was read from (an .nfg) are part of what the config
    // means: their hashes join its text's.
    let mut inputs: Vec<String> = plan
        .points
        .iter()
        .flat_map(|p| p.config.model.inputs())
        .collect();
    inputs.sort();
    inputs.dedup();
    let hash = if inputs.is_empty() {
        format!("{:x}", Sha256::digest(text.as_bytes()))
    } else {
        let mut h = Sha256::new();
        h.update(text.as_bytes());
        for i in &inputs {
            h.update(b"\n");
            h.update(i.as_bytes());
        }
        format!("{:x}", h.finalize())
    };
    let store = Store::open(
        &plan,
        &dir,
        request.shard,
        &hash,
        trajectory_every,
        request.resume,
    )?;
    let layout = store.layout;
    for note in store.clear_unfinished()? {
        progress.note(&note);
    }
    let runs_in = |blocks: &[usize]| -> u64 {
        blocks
            .iter()
            .map(|&b| layout.range(b).len() as u64 * plan.seeds_per_point)
            .sum()
    };
    let owned = store.owned();
    let todo = store.todo();
    let total = runs_in(&owned);
    let skipped = total - runs_in(&todo);
    progress.start(total, skipped);
    let stats = pool.install(|| {
        runner::run(
            &plan,
            &layout,
            &todo,
            trajectory_every,
            &store,
            &|n| progress.advance(n),
            &|| progress.stopped(),
        )
    });
    progress.finish();
    let stats = stats?;
    let seconds = started.elapsed().as_secs_f64();
    let threads = pool.current_num_threads();
    let shard = request.shard;
    let dir = store.finish(|rows| Manifest {
        schema_version: crate::output::manifest::SCHEMA_VERSION,
        config_file: origin.clone(),
        config: text.clone(),
        config_sha256: hash.clone(),
        openmarket_version: env!("CARGO_PKG_VERSION").to_string(),
        git_revision: git_revision(),
        master_seed: plan.master_seed,
        seeds_per_point: plan.seeds_per_point,
        axes: plan.axes.clone(),
        studies: plan.studies.clone(),
        points: plan.points.len(),
        layout,
        shard: (shard != Shard::WHOLE).then_some(shard),
        threads,
        resumed_runs: skipped,
        rows,
        wall_seconds: seconds,
        merged_from: None,
        design: plan.design.clone(),
    })?;
    Ok(Report {
        points: plan.points.len(),
        seeds: plan.seeds_per_point,
        ran: stats.runs,
        skipped,
        converged: stats.converged,
        seconds,
        threads,
        dir,
        shard,
        blocks: (owned.len(), layout.blocks),
        trajectories: trajectory_every > 0,
    })
}
