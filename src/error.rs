//! The errors of the `openmarket` library, each with the exit code the
//! command line gives it: 2 for bad input (before anything is written),
//! 3 for a check that failed, 1 for a failure while running or a refusal.

use openmarket_core::config::ConfigError;
use openmarket_core::experiment::PlanError;
use openmarket_core::experiment::runner::RunError;
use openmarket_core::method::SolveError;

use crate::output;

/// Everything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A config failed validation.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// A plan cannot run (checked before anything is written).
    #[error("{origin}: {source}")]
    Plan {
        /// The config file.
        origin: String,
        /// Why.
        source: PlanError,
    },
    /// The request does not fit the game or the command.
    #[error("{0}")]
    Usage(String),
    /// A race could not be solved.
    #[error("{0}")]
    Solve(#[from] SolveError),
    /// A run failed.
    #[error("{0}")]
    Run(#[from] RunError),
    /// Reading or writing an experiment folder failed.
    #[error("{0}")]
    Output(#[from] output::Error),
    /// A check the user asked for failed (`summarize --fail-if-unconverged`).
    #[error("{0}")]
    Check(String),
    /// Standard output was closed by its reader: the command stops quietly.
    #[error("standard output was closed")]
    ClosedPipe,
    /// Anything else (drawing, queries), with its context: the whole chain
    /// on one line ("cannot write FILE: why").
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

impl Error {
    /// The exit code of the command line.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config(_) | Error::Plan { .. } | Error::Usage(_) => 2,
            Error::Solve(
                SolveError::TooLarge { .. }
                | SolveError::Unsupported(_)
                | SolveError::TooManyLabs { .. },
            ) => 2,
            Error::Check(_) => 3,
            Error::ClosedPipe => 0,
            Error::Solve(_) | Error::Run(_) | Error::Output(_) | Error::Other(_) => 1,
        }
    }

    /// The hint the command line adds after the message, if any (the
    /// Python package adds it too: the same one-line message).
    pub fn hint(&self) -> Option<&'static str> {
        match self {
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
