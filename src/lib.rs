//! openmarket: command line, reports and output formats over
//! [`openmarket_core`], which holds the models, solvers and dynamics.

pub mod cli;
pub mod output;
pub mod plot;
pub mod report;
pub mod summary;

pub use openmarket_core as core;
