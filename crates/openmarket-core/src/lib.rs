//! openmarket-core: the models, equilibrium solvers and dynamics of the
//! openmarket simulator. It has no heavy I/O dependency (Parquet lives in
//! the `openmarket` crate), so `cargo test -p openmarket-core` is fast.

pub mod config;
pub mod dynamics;
pub mod experiment;
pub mod math;
pub mod matrix;
pub mod mip;
pub mod openness;
pub mod plan;
pub mod race;
