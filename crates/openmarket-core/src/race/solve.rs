//! The one solver policy for races, shared by `openmarket solve` and by
//! every point of `openmarket run`: the same game always gets the same
//! solver.

use super::enumerate::Enumeration;
use std::time::Duration;

use super::mip::{ContinuousMip, DEFAULT_MAX_EQUILIBRIA, DiscreteMip, Formulation};
use super::{Actions, RaceGame, RaceSolution, RaceSolver, SolveError};
use crate::limits::ENUMERATE_UP_TO;
use crate::method::Method;
use crate::mip::MipBackend;

/// Which solver a user asks for.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Default,
    strum::EnumString,
    strum::VariantNames,
    strum::IntoStaticStr,
)]
#[strum(serialize_all = "snake_case")]
pub enum Choice {
    /// The policy: enumerate discrete races up to
    /// [`ENUMERATE_UP_TO`] labs, the MIP otherwise.
    #[default]
    Auto,
    /// Exhaustive enumeration (discrete races only).
    Enumerate,
    /// The discrete MIP, or the KKT MIP for continuous actions.
    Mip,
    /// Enumeration and the MIP; fails unless they agree.
    Both,
}

impl Choice {
    /// Parse a user's spelling (`auto`, `enumerate`, `mip`, `both`).
    pub fn parse(s: &str) -> Result<Choice, String> {
        crate::names::parse_named("solver", s)
    }
}

/// What [`Choice::Auto`] picks for `game`.
pub fn auto(game: &RaceGame) -> Method {
    if game.actions == Actions::Discrete && game.n() <= ENUMERATE_UP_TO {
        Method::Enumerate
    } else {
        Method::Mip
    }
}

/// What solving a race needs besides the game.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    /// The MIP backend.
    pub backend: &'a dyn MipBackend,
    /// Called with the number of profiles enumerated, block by block.
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
    /// How the discrete MIP models rival maxima.
    pub formulation: Formulation,
    /// The time one MIP solve may take.
    pub time_limit: Option<Duration>,
}

fn enumeration<'a>(o: &Options<'a>) -> Enumeration<'a> {
    Enumeration {
        progress: o.progress,
    }
}

fn mip<'a>(game: &RaceGame, o: &Options<'a>) -> Box<dyn RaceSolver + 'a> {
    match game.actions {
        Actions::Discrete => Box::new(DiscreteMip {
            backend: o.backend,
            formulation: o.formulation,
            time_limit: o.time_limit,
            warm_start: true,
        }),
        Actions::Continuous => Box::new(ContinuousMip {
            backend: o.backend,
            max_equilibria: DEFAULT_MAX_EQUILIBRIA,
            time_limit: o.time_limit,
        }),
    }
}

fn solvers<'a>(game: &RaceGame, choice: Choice, o: &Options<'a>) -> Vec<Box<dyn RaceSolver + 'a>> {
    let by_enumeration = || -> Box<dyn RaceSolver + 'a> { Box::new(enumeration(o)) };
    match choice {
        Choice::Auto => match auto(game) {
            Method::Enumerate => vec![by_enumeration()],
            _ => vec![mip(game, o)],
        },
        Choice::Enumerate => vec![by_enumeration()],
        Choice::Mip => vec![mip(game, o)],
        Choice::Both => vec![by_enumeration(), mip(game, o)],
    }
}

/// Whether `choice` can solve `game` (limits, unsupported combinations),
/// without solving it: what a plan checks before anything runs.
pub fn check(game: &RaceGame, choice: Choice, o: &Options) -> Result<(), SolveError> {
    solvers(game, choice, o)
        .iter()
        .try_for_each(|s| s.supports(game))
}

/// Every pure NE of `game` by the solver(s) `choice` names.
pub fn solve(game: &RaceGame, choice: Choice, o: &Options) -> Result<RaceSolution, SolveError> {
    check(game, choice, o)?;
    let mut results = solvers(game, choice, o)
        .iter()
        .map(|s| s.solve(game))
        .collect::<Result<Vec<_>, _>>()?;
    if let [by_enum, by_mip] = results.as_slice() {
        if by_enum.profiles() != by_mip.profiles() {
            return Err(SolveError::Disagreement {
                enumerate: by_enum.profiles(),
                mip: by_mip.profiles(),
            });
        }
        return Ok(RaceSolution {
            solver: Method::EnumerateAndMip,
            ..by_enum.clone()
        });
    }
    Ok(results.remove(0))
}
