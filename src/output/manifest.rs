//! `manifest.json`, typed, and the one function that opens an experiment
//! folder for `summarize`, `plot` and `merge`.

use polars::prelude::{ParquetReader, SerReader};
use std::path::{Path, PathBuf};

use openmarket_core::experiment::{Layout, Shard};
use openmarket_core::plan::{self, Plan};
use serde::{Deserialize, Serialize};

use super::Error;
pub use super::schema::SCHEMA_VERSION;

/// Row counts per table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rows {
    /// `runs.parquet`.
    pub runs: u64,
    /// `equilibria.parquet`.
    pub equilibria: u64,
    /// `trajectories.parquet` (0 without trajectories).
    pub trajectories: u64,
}

/// One shard a merged experiment came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergedShard {
    /// The shard's folder.
    pub dir: String,
    /// Its worker threads.
    pub threads: usize,
    /// Its wall time.
    pub wall_seconds: f64,
    /// Runs it had done before a `--resume`.
    pub resumed_runs: u64,
}

/// What `manifest.json` records of an experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The version of the tables' columns ([`SCHEMA_VERSION`] when
    /// written; absent, 0, in folders written before it was recorded).
    #[serde(default)]
    pub schema_version: u32,
    /// The config's path as given.
    pub config_file: String,
    /// The config, verbatim.
    pub config: String,
    /// Its SHA-256.
    pub config_sha256: String,
    /// The crate version.
    pub openmarket_version: String,
    /// openmarket's git revision, if known.
    pub git_revision: Option<String>,
    /// `[runs] master_seed`.
    pub master_seed: u64,
    /// `[runs] seeds_per_point`.
    pub seeds_per_point: u64,
    /// The swept paths (the parameter columns).
    pub axes: Vec<String>,
    /// The `[[study]]` names (empty without).
    pub studies: Vec<String>,
    /// Points in the plan.
    pub points: usize,
    /// How the plan was cut into blocks.
    pub layout: Layout,
    /// `Some` for one shard of a sharded run.
    pub shard: Option<Shard>,
    /// Worker threads (for a merge, the sum over its shards).
    pub threads: usize,
    /// Runs already done when `--resume` continued (for a merge, summed).
    pub resumed_runs: u64,
    /// Rows per table.
    pub rows: Rows,
    /// Wall time of the run (or of the merge).
    pub wall_seconds: f64,
    /// The shards a merge combined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_from: Option<Vec<MergedShard>>,
    /// The `[sweep.design]` the points were drawn from: its kind, its
    /// parameters in column order with their ranges, and its sizes
    /// (`analyze` rebuilds a Sobol' or Morris layout from it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design: Option<openmarket_core::design::Design>,
}

impl Manifest {
    /// The plan, re-expanded from the stored config.
    pub fn plan(&self) -> Result<Plan, Error> {
        plan::expand(&self.config, &self.config_file).map_err(|e| Error::Invalid {
            path: PathBuf::from(&self.config_file),
            why: format!("the stored config no longer expands: {e}"),
        })
    }

    pub(crate) fn write(&self, dir: &Path) -> Result<(), Error> {
        let path = dir.join("manifest.json");
        let text = serde_json::to_string_pretty(self).expect("a manifest serializes") + "\n";
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))
    }
}

/// What kind of finished folder a command needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// A whole experiment (a run, or merged shards): `summarize`, `plot`.
    Whole,
    /// One shard of a sharded run: `merge`.
    Shard,
}

/// A finished experiment folder and its manifest.
#[derive(Clone, Debug)]
pub struct Experiment {
    /// The folder.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
}

impl Experiment {
    /// Open `dir`, refusing whatever is not a finished experiment of the
    /// wanted kind: no manifest (or an interrupted run beside it), an
    /// unreadable manifest, a shard where a whole experiment is wanted and
    /// the reverse, missing tables.
    pub fn open(dir: &Path, want: Want) -> Result<Experiment, Error> {
        let path = dir.join("manifest.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let partial = super::store::partial_of(dir).ok();
                return Err(Error::Refused(match partial.filter(|p| p.exists()) {
                    Some(p) => format!(
                        "{} is not a finished experiment: {} holds an interrupted run (finish it with `openmarket run --resume`)",
                        dir.display(),
                        p.display()
                    ),
                    None => format!(
                        "{} is not a finished openmarket experiment: no manifest.json",
                        dir.display()
                    ),
                }));
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        // A newer binary's manifest may have fields this one does not know:
        // its version is read first, for a message that says so.
        let version = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("schema_version").and_then(|s| s.as_u64()));
        if let Some(v) = version.filter(|&v| v > u64::from(SCHEMA_VERSION)) {
            return Err(Error::Refused(format!(
                "{} was written with table schema version {v}; this openmarket reads up to {SCHEMA_VERSION}: use a newer openmarket",
                dir.display()
            )));
        }
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| Error::Invalid {
            path: path.clone(),
            why: format!("not an openmarket manifest: {e}"),
        })?;
        match (want, manifest.shard) {
            (Want::Whole, Some(s)) => {
                return Err(Error::Refused(format!(
                    "{} is shard {s} of a sharded run: merge the shards first (`openmarket merge`)",
                    dir.display()
                )));
            }
            (Want::Shard, None) => {
                return Err(Error::Refused(format!(
                    "{} is a whole experiment, not a shard (shards come from `openmarket run --shard K/N`)",
                    dir.display()
                )));
            }
            _ => {}
        }
        if want == Want::Whole {
            let mut tables = vec!["runs", "equilibria"];
            if manifest.rows.trajectories > 0 {
                tables.push("trajectories");
            }
            for t in tables {
                let p = dir.join(format!("{t}.parquet"));
                if !p.is_file() {
                    return Err(Error::Invalid {
                        path: p,
                        why: "is missing: the folder is damaged".into(),
                    });
                }
                // The row count from the file's footer: a table swapped in
                // from another experiment, or truncated, is refused here.
                let rows = std::fs::File::open(&p)
                    .map_err(|e| Error::io(&p, e))
                    .and_then(|f| {
                        ParquetReader::new(f)
                            .num_rows()
                            .map_err(|e| Error::parquet(&p, e))
                    })?;
                let want = match t {
                    "runs" => manifest.rows.runs,
                    "equilibria" => manifest.rows.equilibria,
                    _ => manifest.rows.trajectories,
                };
                if rows as u64 != want {
                    return Err(Error::Invalid {
                        path: p,
                        why: format!(
                            "holds {rows} rows; the manifest says {want}: the folder is damaged"
                        ),
                    });
                }
            }
        }
        Ok(Experiment {
            dir: dir.to_path_buf(),
            manifest,
        })
    }

    /// The path of table `name` (`runs`, `equilibria`, `trajectories`).
    pub fn table_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.parquet"))
    }
}
