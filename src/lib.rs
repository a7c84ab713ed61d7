//! openmarket: command line, reports and output formats over
//! [`openmarket_core`], which holds the models, solvers and dynamics.
//!
//! - [`run`]: the `run` command's pipeline (config → plan → store → the
//!   core runner → manifest).
//! - [`output`]: the Parquet store, merge, manifest.
//! - [`summary`], [`plot`], [`report`]: reading results back;
//!   [`analyze`]: sensitivity indices and scenario discovery over a sweep.
//! - [`families`]: each model family's `solve` report, export formats and
//!   figures, one folder per family.
//! - [`commands`]: `solve`, `export` and `plan` over a config file or
//!   text, shared by the command line and the Python package.
//! - [`cli`]: argument parsing and dispatch only.

pub mod analyze;
pub mod cli;
pub mod commands;
pub mod error;
pub mod families;
pub mod output;
pub mod plot;
pub mod progress;
pub mod report;
pub mod run;
pub mod summary;

pub use error::Error;
pub use openmarket_core as core;
