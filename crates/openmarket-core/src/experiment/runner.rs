//! The one runner behind `openmarket run` and the tests: blocks of points
//! computed in parallel on rayon, handed to a [`Sink`] in plan order.
//!
//! Each worker thread takes the next block in plan order as soon as it is
//! free, computes and encodes it, and leaves its part in a reorder buffer;
//! parts are committed in block order, by whichever worker completes the
//! sequence, up to the first failure, so a run that fails keeps every
//! block before it and `--resume` continues from there. No worker waits
//! for a group of others (there is no barrier between windows); a worker
//! waits only when it is two blocks per thread ahead of the last commit
//! (helping the others' jobs meanwhile), which bounds what the buffer
//! holds and what an interrupted run loses. A panic inside a run is caught
//! and reported as an error naming the run: no thread is left waiting.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;

use super::layout::Layout;
use super::{Batch, PointSolution, run_one, solve_point};
use crate::method::SolveError;
use crate::plan::Plan;

/// Boxed error of a sink, shown as it is.
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// Where finished blocks go.
pub trait Sink: Sync {
    /// A block ready to be stored (e.g. its encoded files).
    type Part: Send;
    /// Turn a finished block into a part. Called on the worker threads, so
    /// blocks are encoded in parallel.
    fn encode(&self, block: usize, batch: Batch) -> Result<Self::Part, SinkError>;
    /// Store block `block`. Called in block order, one call at a time
    /// (from whichever worker thread completes the order).
    fn commit(&self, block: usize, part: Self::Part) -> Result<(), SinkError>;
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A point's exact solution failed.
    #[error("sweep point {point}: {source}")]
    Solve {
        /// The point.
        point: usize,
        /// The solver's error.
        source: SolveError,
    },
    /// A run panicked: a bug, reported with the run that shows it.
    #[error("sweep point {point}, replicate {replicate}: internal error: {message}")]
    Panic {
        /// The point.
        point: usize,
        /// The replicate.
        replicate: u64,
        /// The panic's message.
        message: String,
    },
    /// The sink failed (it names its file).
    #[error("{0}")]
    Sink(SinkError),
    /// The caller asked the run to stop (an interrupt): the blocks
    /// committed so far are kept, so the run can be resumed.
    #[error("interrupted: the blocks finished so far are kept; resume to finish the run")]
    Interrupted,
}

/// What a finished run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Runs computed (blocks skipped by the caller not counted).
    pub runs: u64,
    /// Of those, converged.
    pub converged: u64,
}

/// Run `blocks` of `plan` (cut by `layout`) into `sink`; `progress` is
/// told of every finished run, from the worker threads. `stop` is asked
/// before each block is taken: once it says yes, no block is taken, the
/// blocks in hand are finished and committed, and the run ends with
/// [`RunError::Interrupted`] unless every block was already done.
pub fn run<S: Sink>(
    plan: &Plan,
    layout: &Layout,
    blocks: &[usize],
    trajectory_every: u64,
    sink: &S,
    progress: &(dyn Fn(u64) + Sync),
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Stats, RunError> {
    let next = AtomicUsize::new(0);
    // Blocks committed so far (the order's `next`, readable without the
    // lock), and how far ahead of it a worker may take a block.
    let committed = AtomicUsize::new(0);
    let ahead = 2 * rayon::current_num_threads().max(1);
    let failed = AtomicBool::new(false);
    let order = Mutex::new(Order::<S::Part> {
        next: 0,
        ready: BTreeMap::new(),
        failures: BTreeMap::new(),
        stats: Stats::default(),
    });
    let compute = |b: usize| -> Result<(S::Part, Stats), RunError> {
        let points: Vec<usize> = layout.range(b).collect();
        let batch = run_points(plan, &points, trajectory_every, progress)?;
        let block_stats = Stats {
            runs: batch.runs.len() as u64,
            converged: batch.runs.iter().filter(|r| r.converged).count() as u64,
        };
        let part = sink.encode(b, batch).map_err(RunError::Sink)?;
        Ok((part, block_stats))
    };
    let workers = rayon::current_num_threads().max(1);
    (0..workers).into_par_iter().for_each(|_| {
        loop {
            // After a failure no new block is taken: the blocks before it
            // are already taken (blocks are taken in order) and finish.
            if failed.load(Ordering::Relaxed) || stop() {
                return;
            }
            let k = next.load(Ordering::Acquire);
            if k >= blocks.len() {
                return;
            }
            if k >= committed.load(Ordering::Acquire) + ahead {
                // Too far ahead of a slow block: run others' jobs (its
                // own included) until it is committed.
                if rayon::yield_now() != Some(rayon::Yield::Executed) {
                    std::thread::sleep(std::time::Duration::from_micros(50));
                }
                continue;
            }
            if next
                .compare_exchange(k, k + 1, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                continue;
            }
            let b = blocks[k];
            let result = compute(b);
            let mut o = order.lock().expect("no panic holds the lock");
            match result {
                Ok(done) => {
                    o.ready.insert(k, done);
                }
                Err(e) => {
                    o.failures.insert(k, e);
                    failed.store(true, Ordering::Relaxed);
                }
            }
            // Commit every part that is next in order.
            while let Some((part, s)) = {
                let at = o.next;
                o.ready.remove(&at)
            } {
                let at = o.next;
                if let Err(e) = sink.commit(blocks[at], part) {
                    o.failures.insert(at, RunError::Sink(e));
                    failed.store(true, Ordering::Relaxed);
                    break;
                }
                o.stats.runs += s.runs;
                o.stats.converged += s.converged;
                o.next += 1;
                committed.store(o.next, Ordering::Release);
            }
        }
    });
    let o = order.into_inner().expect("no panic holds the lock");
    // The first failure in block order; every block before it is committed.
    match o.failures.into_iter().next() {
        Some((_, e)) => Err(e),
        None if o.next < blocks.len() => Err(RunError::Interrupted),
        None => Ok(o.stats),
    }
}

/// The runner's reorder buffer.
struct Order<P> {
    /// The position in `blocks` of the next block to commit.
    next: usize,
    /// Finished parts waiting for the blocks before them.
    ready: BTreeMap<usize, (P, Stats)>,
    /// Failed blocks, by position.
    failures: BTreeMap<usize, RunError>,
    stats: Stats,
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// Solve and run the given points of a validated plan on rayon; the rows
/// come back in plan order whatever the thread count.
pub fn run_points(
    plan: &Plan,
    points: &[usize],
    trajectory_every: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Batch, RunError> {
    let solutions: Vec<PointSolution> = points
        .par_iter()
        .map(|&k| {
            catch_unwind(AssertUnwindSafe(|| solve_point(k, &plan.points[k].config)))
                .map_err(|payload| RunError::Panic {
                    point: k,
                    replicate: 0,
                    message: panic_message(payload),
                })?
                .map_err(|source| RunError::Solve { point: k, source })
        })
        .collect::<Result<_, _>>()?;
    // A fault-injection hook for the tests of the command line (a worker
    // that panics must end the run with one line, not hang it): the point
    // whose replicate 0 panics. Read once per block.
    let inject: Option<usize> = std::env::var("OPENMARKET_TEST_PANIC_AT_POINT")
        .ok()
        .and_then(|v| v.parse().ok());
    let jobs: Vec<(usize, u64)> = (0..points.len())
        .flat_map(|c| (0..plan.seeds_per_point).map(move |r| (c, r)))
        .collect();
    // Written in place by index: a `Result` collect would gather the rows
    // in a linked list of vectors and copy them once more, and a run's
    // row is a few hundred bytes.
    let mut results = Vec::with_capacity(jobs.len());
    jobs.par_iter()
        .map(|&(c, r)| {
            let point = &plan.points[points[c]];
            let out = catch_unwind(AssertUnwindSafe(|| {
                if inject == Some(point.index) && r == 0 {
                    panic!("injected by OPENMARKET_TEST_PANIC_AT_POINT");
                }
                run_one(point, &solutions[c], r, plan.master_seed, trajectory_every)
            }))
            .map_err(|payload| RunError::Panic {
                point: point.index,
                replicate: r,
                message: panic_message(payload),
            })?;
            progress(1);
            Ok(out)
        })
        .collect_into_vec(&mut results);
    let mut out = Batch {
        runs: Vec::with_capacity(results.len()),
        ..Batch::default()
    };
    for s in solutions {
        out.equilibria.extend(s.rows);
    }
    // The first failure in plan order, whatever the thread count.
    for result in results {
        let (row, traj) = result?;
        out.runs.push(row);
        out.trajectories.extend(traj);
    }
    Ok(out)
}

/// A sink that keeps every block in memory, in plan order: for tests,
/// examples, and library users who want the rows rather than files.
#[derive(Debug, Default)]
pub struct Collect {
    batch: Mutex<Batch>,
}

impl Collect {
    /// Everything run, in plan order.
    pub fn into_batch(self) -> Batch {
        self.batch.into_inner().expect("no panic holds the lock")
    }
}

impl Sink for Collect {
    type Part = Batch;
    fn encode(&self, _: usize, batch: Batch) -> Result<Batch, SinkError> {
        Ok(batch)
    }
    fn commit(&self, _: usize, part: Batch) -> Result<(), SinkError> {
        let mut batch = self.batch.lock().expect("no panic holds the lock");
        batch.equilibria.extend(part.equilibria);
        batch.runs.extend(part.runs);
        batch.trajectories.extend(part.trajectories);
        Ok(())
    }
}
