//! openmarket-core: the models, equilibrium solvers and learning dynamics
//! of the openmarket simulator. It has no heavy I/O dependency (Parquet
//! lives in the `openmarket` crate), so `cargo test -p openmarket-core` is
//! fast.
//!
//! # Overview
//!
//! - **Models** ([`openness`], [`race`]): the two game families of
//!   docs/model.md, each with its exact solver — the openness game's
//!   subgame-perfect equilibrium in closed form ([`openness::spe`]) with
//!   the regulator's diagnostics ([`openness::policy`]); the race's pure
//!   Nash equilibria by enumeration or MIP, behind one solver policy
//!   ([`race::solve`]).
//! - **Finite games** ([`finite`]): mixed profiles with exact expected
//!   payoffs, regret and NashConv; every mixed Nash equilibrium of a
//!   two-action game; its logit QRE; Gambit `.nfg` export.
//! - **Dynamics** ([`dynamics`]): agents that learn. A
//!   [`dynamics::LearningGame`] is the problem, a rule
//!   ([`dynamics::rules`]) builds one [`dynamics::Dynamics`] per agent,
//!   and [`dynamics::run`] executes a seeded run.
//! - **Configs and plans** ([`config`], [`plan`]): TOML to validated typed
//!   models, sweeps to plans of validated points; every size limit lives in
//!   [`limits`].
//! - **Experiments** ([`experiment`]): a plan's exact equilibria and seeded
//!   runs, executed block by block into a sink by [`experiment::runner`].
//!
//! Learning rules see only what their agent observes; the solvers' output
//! is used to check runs, never to drive them.

#![warn(missing_docs)]

pub mod analysis;
pub mod concept;
pub mod config;
pub mod design;
pub mod domain;
pub mod dynamics;
pub mod experiment;
pub mod family;
pub mod finite;
pub mod judge;
pub mod limits;
pub mod math;
pub mod matrix;
pub mod method;
pub mod mip;
mod names;
pub mod normal_form;
pub mod openness;
pub mod plan;
pub mod race;
pub mod rows;
