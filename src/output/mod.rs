//! Experiment output: Parquet (zstd) through Polars, and a JSON manifest.
//!
//! - [`schema`]: typed rows to frames (the column reference is the README).
//! - [`store`]: an experiment being written, block by block, into
//!   `<dir>.partial/`; it is the core runner's sink. Resume, shards and
//!   the final publication live there.
//! - [`merge`]: shards into one experiment, after checking they cover the
//!   plan exactly once.
//! - [`manifest`]: `manifest.json`, and [`Experiment::open`], the one door
//!   to a finished folder.

mod concat;
pub mod manifest;
pub mod merge;
pub mod schema;
pub mod size;
pub mod store;

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

pub use manifest::{Experiment, Manifest, Rows, Want};
pub use store::Store;

/// What can go wrong reading or writing experiment folders. Every variant
/// names the file or folder concerned.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file-system operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Polars could not read or write a table.
    #[error("{}: {source}", path.display())]
    Parquet {
        /// The table's file.
        path: PathBuf,
        /// Polars' error.
        source: PolarsError,
    },
    /// A file is there but is not what it should be.
    #[error("{}: {why}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// The request does not fit what is on disk (an existing folder, an
    /// interrupted run, shards that do not cover the plan).
    #[error("{0}")]
    Refused(String),
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn parquet(path: &Path, source: PolarsError) -> Error {
        Error::Parquet {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Read a whole Parquet file.
pub fn read_parquet(path: &Path) -> Result<DataFrame, Error> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| Error::parquet(path, e))
}
