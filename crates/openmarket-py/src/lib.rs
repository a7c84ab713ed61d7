//! `openmarket._native`: the library's commands for the Python package
//! (`python/openmarket/__init__.py` is the public, typed face).
//!
//! Every function takes plain values (a config as a file path or TOML
//! text, flags as strings and numbers), releases the GIL while it works,
//! and fails with `NativeError(exit_code, message, field)`: the command
//! line's exit code and one-line message, which the Python layer turns into
//! `ConfigError` or `RunError`. No panic crosses into Python: each call is
//! guarded and a panic becomes an internal-error `NativeError`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::ValueEnum;
use openmarket::Error;
use openmarket::run::Source;
use openmarket_core::concept::Concept;
use openmarket_core::experiment::Shard;
use openmarket_core::race::Actions;
use openmarket_core::race::mip::Formulation;
use openmarket_core::race::solve::{Choice, Question};
use polars::prelude::{DataFrame, ParquetWriter};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde_json::json;

// The command line's allocator: its runs allocate per block, and the
// system allocator made the quick start slower in-process than as a process.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

create_exception!(
    _native,
    NativeError,
    PyException,
    "An openmarket error: args = (exit code, one-line message, field or None)."
);

/// The command line's line for `e` (with its hint) as a `NativeError`.
fn fail(e: Error) -> PyErr {
    let message = match e.hint() {
        Some(hint) => format!("{e}; {hint}"),
        None => e.to_string(),
    };
    let field = match &e {
        Error::Config(c) => c.field.clone(),
        _ => None,
    };
    NativeError::new_err((e.exit_code(), message, field))
}

/// A keyword argument the command line would have refused (exit 2).
fn bad_argument(name: &str, value: &str, why: String) -> PyErr {
    NativeError::new_err((
        2u8,
        format!("{name} = \"{value}\": {why}"),
        Some(name.to_string()),
    ))
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

fn internal(payload: Box<dyn std::any::Any + Send>) -> PyErr {
    NativeError::new_err((
        1u8,
        format!(
            "internal error: {}; this is a bug in openmarket",
            panic_message(payload)
        ),
        None::<String>,
    ))
}

/// Run `f` without the GIL; its error or panic becomes a `NativeError`.
fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> Result<T, Error> + Send) -> PyResult<T> {
    match py.detach(|| catch_unwind(AssertUnwindSafe(f))) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(fail(e)),
        Err(payload) => Err(internal(payload)),
    }
}

/// A config: `kind` is `file` (a path), `dict` or `text` (TOML text, named
/// `<dict>` or `<text>` in messages; relative paths in it are relative to
/// the working directory).
fn source(kind: &str, value: String) -> PyResult<Source> {
    match kind {
        "file" => Ok(Source::File(PathBuf::from(value))),
        "dict" | "text" => Ok(Source::Text {
            text: value,
            origin: format!("<{kind}>"),
        }),
        other => Err(bad_argument(
            "kind",
            other,
            "one of file, dict, text".into(),
        )),
    }
}

fn parsed<T>(
    name: &str,
    value: Option<String>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> PyResult<Option<T>> {
    value
        .map(|v| parse(&v).map_err(|why| bad_argument(name, &v, why)))
        .transpose()
}

fn value_enum<T: ValueEnum>(name: &str, value: &str) -> PyResult<T> {
    T::from_str(value, false).map_err(|_| {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        bad_argument(name, value, format!("one of {}", names.join(", ")))
    })
}

/// `openmarket solve --json`: the JSON text.
#[pyfunction]
#[pyo3(signature = (kind, value, *, concept=None, temperature=None, solver=None, question=None, actions=None, mip_backend=None, formulation=None, time_limit=None))]
#[allow(clippy::too_many_arguments)]
fn solve(
    py: Python<'_>,
    kind: &str,
    value: String,
    concept: Option<String>,
    temperature: Option<f64>,
    solver: Option<String>,
    question: Option<String>,
    actions: Option<String>,
    mip_backend: Option<String>,
    formulation: Option<String>,
    time_limit: Option<u64>,
) -> PyResult<String> {
    let config = source(kind, value)?;
    let defaults = openmarket::commands::Solve::default();
    let request = openmarket::commands::Solve {
        json: true,
        solver: parsed("solver", solver, Choice::parse)?.unwrap_or(defaults.solver),
        question: parsed("question", question, Question::parse)?,
        actions: parsed("actions", actions, Actions::parse)?,
        mip_backend,
        formulation: parsed("formulation", formulation, Formulation::parse)?
            .unwrap_or(defaults.formulation),
        time_limit: time_limit.unwrap_or(defaults.time_limit),
        concept: parsed("concept", concept, Concept::parse)?.unwrap_or(defaults.concept),
        temperature,
    };
    detached(py, move || openmarket::commands::solve(&config, &request))
}

/// `openmarket export`: the game's text in `format`.
#[pyfunction]
#[pyo3(signature = (kind, value, *, format="nfg"))]
fn export(py: Python<'_>, kind: &str, value: String, format: &str) -> PyResult<String> {
    let config = source(kind, value)?;
    let format = value_enum("format", format)?;
    detached(py, move || openmarket::commands::export(&config, format))
}

/// `openmarket plan`: the plan's size as JSON (with the command's text).
#[pyfunction]
fn plan(py: Python<'_>, kind: &str, value: String) -> PyResult<String> {
    let config = source(kind, value)?;
    detached(py, move || {
        let (plan, origin) = openmarket::commands::plan(&config)?;
        let estimate = openmarket::output::size::estimate(&plan);
        let studies: Vec<_> = openmarket::report::study_points(&plan)
            .into_iter()
            .map(|(name, n)| json!({"study": name, "points": n}))
            .collect();
        Ok(json!({
            "config": origin,
            "points": plan.points.len(),
            "seeds_per_point": plan.seeds_per_point,
            "runs": plan.runs(),
            "studies": studies,
            "axes": plan.axes,
            "families": openmarket::report::families(&plan),
            "rows": {
                "runs": plan.runs(),
                "equilibria": estimate.equilibria,
                "trajectories": estimate.trajectories,
            },
            "estimated_bytes": estimate.bytes,
            "text": openmarket::report::plan_text(&origin, &plan),
        })
        .to_string())
    })
}

/// What a run tells the Python thread that polls it.
#[derive(Default)]
struct Polled {
    total: AtomicU64,
    done: AtomicU64,
    stop: AtomicBool,
    notes: Mutex<Vec<String>>,
}

impl openmarket::run::Progress for Polled {
    fn start(&self, total: u64, done: u64) {
        self.total.store(total, Ordering::Relaxed);
        self.done.store(done, Ordering::Relaxed);
    }
    fn advance(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }
    fn finish(&self) {}
    fn note(&self, line: &str) {
        if let Ok(mut notes) = self.notes.lock() {
            notes.push(line.to_string());
        }
    }
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// `openmarket run`: the run's report as JSON. The run works on its own
/// thread; this one polls it every 0.1 s, reporting progress to
/// `progress(done, total, notes)` and checking for signals. On
/// KeyboardInterrupt (or an exception from `progress`) the run is asked to
/// stop: the blocks in hand are finished and kept in `DIR.partial`, which
/// `resume=True` completes, and the exception propagates.
#[pyfunction]
#[pyo3(signature = (kind, value, *, out=None, threads=None, resume=false, yes=false, shard=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    kind: &str,
    value: String,
    out: Option<PathBuf>,
    threads: Option<usize>,
    resume: bool,
    yes: bool,
    shard: Option<String>,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let request = openmarket::run::Request {
        config: source(kind, value)?,
        out,
        threads,
        confirmed: yes,
        resume,
        shard: parsed("shard", shard, |s| s.parse::<Shard>())?.unwrap_or(Shard::WHOLE),
    };
    let polled = Arc::new(Polled::default());
    let worker = {
        let polled = Arc::clone(&polled);
        std::thread::Builder::new()
            .name("openmarket-run".into())
            .spawn(move || {
                catch_unwind(AssertUnwindSafe(|| {
                    openmarket::run::run(&request, &*polled)
                }))
            })
            .map_err(|e| {
                fail(Error::Other(anyhow::anyhow!(
                    "cannot start the run's thread: {e}"
                )))
            })?
    };
    let report = |polled: &Polled, callback: &Py<PyAny>| -> PyResult<()> {
        let notes: Vec<String> = polled
            .notes
            .lock()
            .map(|mut n| std::mem::take(&mut *n))
            .unwrap_or_default();
        callback.call1(
            py,
            (
                polled.done.load(Ordering::Relaxed),
                polled.total.load(Ordering::Relaxed),
                notes,
            ),
        )?;
        Ok(())
    };
    // Wait up to 0.1 s without the GIL, waking early when the run ends.
    let wait = |worker: &std::thread::JoinHandle<_>| {
        py.detach(|| {
            for _ in 0..20 {
                if worker.is_finished() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    while !worker.is_finished() {
        wait(&worker);
        if worker.is_finished() {
            break;
        }
        let interrupted = py
            .check_signals()
            .and_then(|()| progress.as_ref().map_or(Ok(()), |cb| report(&polled, cb)));
        if let Err(e) = interrupted {
            polled.stop.store(true, Ordering::Relaxed);
            // The blocks in hand finish and are committed before the error
            // propagates: what is left is a resumable DIR.partial.
            while !worker.is_finished() {
                wait(&worker);
            }
            let _ = worker.join();
            return Err(e);
        }
    }
    let outcome = worker.join().unwrap_or_else(Err);
    if let Some(cb) = progress.as_ref() {
        report(&polled, cb)?;
    }
    let r = match outcome {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return Err(fail(e)),
        Err(payload) => return Err(internal(payload)),
    };
    Ok(json!({
        "dir": r.dir,
        "points": r.points,
        "seeds_per_point": r.seeds,
        "ran": r.ran,
        "skipped": r.skipped,
        "converged": r.converged,
        "seconds": r.seconds,
        "threads": r.threads,
        "shard": (r.shard != Shard::WHOLE).then(|| r.shard.to_string()),
        "blocks": [r.blocks.0, r.blocks.1],
        "text": openmarket::report::run_text(&r),
    })
    .to_string())
}

/// An experiment folder's manifest (JSON text), after the checks every
/// reading command makes (finished, not a shard, tables present).
#[pyfunction]
fn open(py: Python<'_>, dir: PathBuf) -> PyResult<String> {
    detached(py, move || {
        let e = openmarket::output::Experiment::open(&dir, openmarket::output::Want::Whole)?;
        Ok(
            std::fs::read_to_string(e.dir.join("manifest.json")).map_err(|source| {
                openmarket::output::Error::Io {
                    path: e.dir.join("manifest.json"),
                    source,
                }
            })?,
        )
    })
}

fn parquet_bytes(frame: &DataFrame) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .finish(&mut frame.clone())
        .map_err(|e| Error::Other(anyhow::anyhow!("cannot encode a summary table: {e}")))?;
    Ok(bytes)
}

/// `openmarket summarize --json`'s tables, each as Parquet bytes (its
/// columns in order, with their types), by the names `--json` gives them.
#[pyfunction]
fn summarize(py: Python<'_>, dir: PathBuf) -> PyResult<Vec<(String, Bound<'_, PyBytes>)>> {
    let tables = detached(py, move || {
        let summary = openmarket::summary::summarize(&dir)?;
        summary
            .frames()
            .into_iter()
            .map(|(name, frame)| Ok((name.to_string(), parquet_bytes(frame)?)))
            .collect::<Result<Vec<_>, Error>>()
    })?;
    Ok(tables
        .into_iter()
        .map(|(name, bytes)| (name, PyBytes::new(py, &bytes)))
        .collect())
}

/// `openmarket analyze --json`: the JSON text and the files written.
#[pyfunction]
#[pyo3(signature = (dir, method, outputs, *, table=None, resamples=1000, seed=0, threshold=0.8, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05, min_coverage=0.5, base_rows=None))]
#[allow(clippy::too_many_arguments)]
fn analyze(
    py: Python<'_>,
    dir: PathBuf,
    method: &str,
    outputs: Vec<String>,
    table: Option<String>,
    resamples: usize,
    seed: u64,
    threshold: f64,
    peel_alpha: f64,
    paste_alpha: f64,
    mass_min: f64,
    min_coverage: f64,
    base_rows: Option<usize>,
) -> PyResult<(String, Vec<PathBuf>)> {
    let request = openmarket::analyze::Request {
        dir,
        method: value_enum("method", method)?,
        outputs,
        table: table.map(|t| value_enum("table", &t)).transpose()?,
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
    };
    detached(py, move || {
        let report = openmarket::analyze::analyze(&request)?;
        let paths = report.analyses.iter().map(|a| a.path.clone()).collect();
        Ok((report.render(true), paths))
    })
}

/// `openmarket plot`: the figure's path.
#[pyfunction]
#[pyo3(signature = (dir, kind, *, format="png", out=None))]
fn plot(
    py: Python<'_>,
    dir: PathBuf,
    kind: String,
    format: &str,
    out: Option<PathBuf>,
) -> PyResult<PathBuf> {
    let format = value_enum("format", format)?;
    detached(py, move || {
        openmarket::families::plot(&dir, &kind, format, out)
    })
}

/// `openmarket merge`: the merge's report as JSON.
#[pyfunction]
fn merge(py: Python<'_>, dirs: Vec<PathBuf>, out: PathBuf) -> PyResult<String> {
    detached(py, move || {
        let r = openmarket::output::merge::merge(&dirs, &out)?;
        Ok(json!({
            "shards": r.shards,
            "blocks": r.blocks,
            "runs": r.runs,
            "out": r.out,
            "text": openmarket::report::merge_text(&r),
        })
        .to_string())
    })
}

/// A Gambit `.nfg` text as a `normal_form` model written inline (JSON):
/// title, players, strategies, and each player's payoffs in profile order,
/// the first player's strategy changing fastest.
#[pyfunction]
fn nfg_model(py: Python<'_>, text: String) -> PyResult<String> {
    detached(py, move || {
        let game = openmarket_core::finite::nfg::read(&text).map_err(|e| {
            Error::Config(openmarket_core::config::ConfigError {
                origin: "<nfg>".into(),
                field: None,
                message: format!("line {}: {}", e.line, e.message),
            })
        })?;
        let payoffs: serde_json::Map<String, serde_json::Value> = game
            .players
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let column: Vec<f64> = (0..game.profiles()).map(|k| game.payoff(k, i)).collect();
                (p.clone(), json!(column))
            })
            .collect();
        Ok(json!({
            "family": "normal_form",
            "title": game.title,
            "players": game.players,
            "strategies": game.strategies,
            "payoffs": payoffs,
        })
        .to_string())
    })
}

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(solve, m)?)?;
    m.add_function(wrap_pyfunction!(export, m)?)?;
    m.add_function(wrap_pyfunction!(plan, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(open, m)?)?;
    m.add_function(wrap_pyfunction!(summarize, m)?)?;
    m.add_function(wrap_pyfunction!(analyze, m)?)?;
    m.add_function(wrap_pyfunction!(plot, m)?)?;
    m.add_function(wrap_pyfunction!(merge, m)?)?;
    m.add_function(wrap_pyfunction!(nfg_model, m)?)?;
    Ok(())
}
