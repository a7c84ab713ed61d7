//! Every size limit of openmarket, in one place. The config layer and the
//! plan check them before anything is computed or written, so a config
//! past a limit gets a one-line error (exit 2), never a failure mid-run.

/// Most labs a race config may declare (the MIP takes them; enumeration
/// and the dynamics have lower limits below).
pub const MAX_LABS: usize = 1000;

/// Largest race enumeration will take: 2^32 profiles, about 40 ns each per
/// core (BENCHMARKS.md), so about 90 s on two cores when no lab has a
/// dominant action (each lab that has one halves the walk).
pub const MAX_ENUMERATE: usize = 32;

/// The solver policy (`race::solve::auto_for`): whether a non-trivial
/// pure NE exists is decided by enumeration up to this many labs, by the
/// MIP above (counting and listing enumerate up to [`MAX_ENUMERATE`]).
/// Enumeration decides n = 24 in about a second.
pub const ENUMERATE_UP_TO: usize = 24;

/// The seconds a race's MIP may take by default (`solve --time-limit`;
/// every point of a sweep gets the same). The question is NP-hard: past
/// this, the solve stops with an error instead of running without end.
pub const DEFAULT_MIP_SECONDS: u64 = 600;

/// Largest race the learning dynamics take: per-iteration progress lives
/// in a stack buffer of this size, so the hot loop never allocates.
pub const MAX_DYNAMIC_LABS: usize = 64;

/// Most points one plan may have: a guard against typos like `num = 1e9`.
/// A plan holds its points in memory (about 300 bytes each with their
/// config), so this bounds a plan at a few hundred MB; more runs come from
/// `seeds_per_point`.
pub const MAX_POINTS: u64 = 1_000_000;

/// Plans with more runs than this need an explicit confirmation
/// (`openmarket run --yes`).
pub const CONFIRM_RUNS: u64 = 1_000_000;

/// Most runs a plan may have, confirmed or not: 10^10 rows of runs.parquet
/// are about a terabyte.
pub const MAX_RUNS: u64 = 10_000_000_000;

/// Most actions a finite-action rule may discretise an interval into.
pub const MAX_RULE_POINTS: u64 = 100_001;

/// Most labs whose mixed-strategy expected payoffs are computed exactly
/// (2^(n−1) rival profiles per evaluation): fictitious play, logit and
/// Hedge's marginals on the discrete race, and their checks.
pub const MAX_MIXED_LABS: usize = 20;

/// Most labs whose mixed Nash equilibria are listed (3^n support patterns;
/// a generic 8-lab game takes about a minute on two cores).
pub const MAX_MIXED_NE_LABS: usize = 8;

/// Most labs whose logit QRE is traced (the Jacobian costs n²·2^n).
pub const MAX_QRE_LABS: usize = 12;

/// Largest config file read, in bytes: a config is a page of TOML; a sweep
/// of explicit values fits many times over.
pub const MAX_CONFIG_BYTES: u64 = 4 << 20;

/// Most seeds per point: one point's runs are written as one block.
pub const MAX_SEEDS: u64 = 1_000_000;

/// Most iterations of one run (`dynamics.max_iterations`).
pub const MAX_ITERATIONS: u64 = 1_000_000_000;

/// Most market iterations of one regulated run (inner × outer).
pub const MAX_REGULATED_ITERATIONS: u64 = 10_000_000_000;

/// Most trajectory rows one run may keep (max_iterations / trajectory_every).
pub const MAX_TRAJECTORY_ROWS: u64 = 1_000_000;

/// Most worker threads (`--threads`).
pub const MAX_THREADS: usize = 1024;

/// Specialists in one sector (`[[model.specialists]]` or
/// `[model.population] k`): the SPE is O(K log K), 10^5 solve in
/// milliseconds; far beyond that the plan's memory, not the solve, binds.
pub const MAX_SPECIALISTS: usize = 100_000;

/// Specialists over all points of a plan (each point holds its own
/// sector): about 0.5 GB of parameters, and as many output values per
/// field.
pub const MAX_PLAN_SPECIALISTS: u64 = 10_000_000;

/// Specialists in a sector whose agents learn (each run keeps every
/// specialist's rule state and its generalist's model of each one), or
/// that a regulator regulates (its optimum solves the sector some thousand
/// times).
pub const MAX_DYNAMIC_SPECIALISTS: usize = 1000;

/// The most pure profiles (times players) a strategic-form table read from
/// an `.nfg` file may hold: 10^7 payoffs, 80 MB.
pub const MAX_NFG_PAYOFFS: u64 = 10_000_000;

/// The largest `.nfg` file a `normal_form` config may name: 256 MiB, room
/// for [`MAX_NFG_PAYOFFS`] payoffs written as long decimals.
pub const MAX_NFG_BYTES: u64 = 256 << 20;

/// Most players of a `normal_form` game (a table of two strategies each
/// reaches [`MAX_NFG_PAYOFFS`] before this).
pub const MAX_TABLE_PLAYERS: usize = 32;
