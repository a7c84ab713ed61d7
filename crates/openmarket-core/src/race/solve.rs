//! The one solver policy for races, shared by `openmarket solve` and by
//! every point of `openmarket run`: the same game always gets the same
//! solver.

use super::enumerate::Enumeration;
use std::time::Duration;

use super::mip::{ContinuousMip, DEFAULT_MAX_EQUILIBRIA, DiscreteMip, Formulation};
use super::{Actions, RaceGame, RaceSolution, RaceSolver, SolveError};
use crate::limits::{ENUMERATE_UP_TO, MAX_ENUMERATE};
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
    /// The policy ([`auto_for`]): existence first looks for a witness by
    /// best-response dynamics, then enumerates discrete races up to
    /// [`ENUMERATE_UP_TO`] labs; counting and listing enumerate up to
    /// [`MAX_ENUMERATE`]; the MIP otherwise.
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

/// What [`Choice::Auto`] picks to list every pure NE of `game`.
pub fn auto(game: &RaceGame) -> Method {
    auto_for(game, Question::All)
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

/// The question a race's pure equilibria answer (`solve --question`).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    strum::EnumString,
    strum::VariantNames,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Question {
    /// Does a non-trivial pure NE exist? (The paper's decision question.)
    Exists,
    /// How many pure NE are there, and how many non-trivial?
    Count,
    /// Every pure NE.
    #[default]
    All,
}

impl Question {
    /// Parse a user's spelling (`exists`, `count`, `all`).
    pub fn parse(s: &str) -> Result<Question, String> {
        crate::names::parse_named("question", s)
    }
}

/// How certain an answer is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, strum::IntoStaticStr, strum::AsRefStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Status {
    /// Every profile was checked exactly (enumeration).
    Proved,
    /// A witness that passed the exact best-response check.
    VerifiedWitness,
    /// The MIP backend reported its model infeasible: "no" (or "no more")
    /// up to the backend's numerical tolerances, not an exact proof.
    MipInfeasible,
    /// Time ran out: no answer.
    TimeLimit,
    /// The MIP's listing stopped at its cap on equilibria or on rejected
    /// candidates (continuous races): no answer beyond a witness found.
    Incomplete,
}

/// A race's answer to a [`Question`].
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// Whether a non-trivial pure NE exists.
    Exists {
        /// `None` when the time limit ran out first.
        nontrivial_exists: Option<bool>,
        /// How certain the answer is.
        status: Status,
        /// The non-trivial equilibrium found, if one was.
        witness: Option<super::RaceEquilibrium>,
        /// The method that answered.
        solver: Method,
    },
    /// How many pure NE there are.
    Count {
        /// Every pure NE; `None` when the time limit ran out first.
        count: Option<u64>,
        /// The non-trivial ones among them.
        nontrivial: Option<u64>,
        /// How certain the counts are.
        status: Status,
        /// The method that answered.
        solver: Method,
    },
    /// Every pure NE.
    All(RaceSolution),
}

/// What [`Choice::Auto`] picks for `question` on `game`: enumeration of a
/// discrete race up to [`ENUMERATE_UP_TO`] labs to decide existence (a
/// "no" walks all 2^n profiles; the MIP's "no" is not yet measured against
/// it above that), and up to [`MAX_ENUMERATE`] labs to count or list (the
/// MIP lists one equilibrium per solve: at n = 24 with 199 equilibria it
/// had not finished in 100 s where enumeration took 0.48 s); the MIP
/// otherwise, and for continuous actions.
pub fn auto_for(game: &RaceGame, question: Question) -> Method {
    let up_to = match question {
        Question::Exists => ENUMERATE_UP_TO,
        Question::Count | Question::All => MAX_ENUMERATE,
    };
    // The MIP cannot model a share race with costs: enumeration answers
    // it wherever it can go.
    let mip_unsupported = super::mip::require_costless_share(game).is_err();
    let up_to = if mip_unsupported {
        MAX_ENUMERATE
    } else {
        up_to
    };
    if game.actions == Actions::Discrete && game.n() <= up_to {
        Method::Enumerate
    } else {
        Method::Mip
    }
}

/// Whether `choice` can answer `question` for `game`, without answering
/// it: what a plan checks before anything runs.
pub fn check_question(
    game: &RaceGame,
    question: Question,
    choice: Choice,
    o: &Options,
) -> Result<(), SolveError> {
    let choice = match (choice, auto_for(game, question)) {
        (Choice::Auto, Method::Enumerate) => Choice::Enumerate,
        (Choice::Auto, _) => Choice::Mip,
        (c, _) => c,
    };
    check(game, choice, o)
}

/// `question` answered for `game` by the solver `choice` names: existence
/// and counts by enumeration without listing the equilibria, existence by
/// one MIP (after a best-response warm start); a MIP count lists them.
/// `Choice::Auto` asks best-response dynamics for an existence witness
/// before [`auto_for`]'s method (`solver = best_response` when they find
/// one).
/// `Choice::Both` answers by both and fails unless they agree.
pub fn answer(
    game: &RaceGame,
    question: Question,
    choice: Choice,
    o: &Options,
) -> Result<Answer, SolveError> {
    if question == Question::All {
        let choice = match (choice, auto_for(game, question)) {
            (Choice::Auto, Method::Enumerate) => Choice::Enumerate,
            (Choice::Auto, _) => Choice::Mip,
            (c, _) => c,
        };
        return solve(game, choice, o).map(Answer::All);
    }
    if question == Question::Exists && choice == Choice::Auto && game.actions == Actions::Discrete {
        // A witness by best-response dynamics first: microseconds where
        // enumeration takes a third of a second at n = 24 and the MIP a
        // model (BENCHMARKS.md); deterministic, and checked exactly.
        if let Some(x) = super::mip::best_response_witness(game) {
            return Ok(Answer::Exists {
                nontrivial_exists: Some(true),
                status: Status::VerifiedWitness,
                witness: Some(game.equilibrium(x, Vec::new())),
                solver: Method::BestResponse,
            });
        }
    }
    let methods = match choice {
        Choice::Auto => vec![auto_for(game, question)],
        Choice::Enumerate => vec![Method::Enumerate],
        Choice::Mip => vec![Method::Mip],
        Choice::Both => vec![Method::Enumerate, Method::Mip],
    };
    let answers = methods
        .iter()
        .map(|&m| answer_by(game, question, m, o))
        .collect::<Result<Vec<_>, _>>()?;
    match answers.as_slice() {
        [one] => Ok(one.clone()),
        [by_enum, by_mip] => {
            // `both` means both answered: a MIP that ran out of time is
            // reported as such, not as a disagreement.
            if answer_status(by_mip) == Status::TimeLimit {
                return Err(SolveError::TimeLimit {
                    seconds: o.time_limit.map_or(0.0, |l| l.as_secs_f64()),
                });
            }
            if known(by_enum) != known(by_mip) {
                return Err(SolveError::AnswersDisagree {
                    question: question.into(),
                    enumerate: format!("{:?}", known(by_enum)),
                    mip: format!("{:?}", known(by_mip)),
                });
            }
            Ok(match by_enum.clone() {
                Answer::Exists {
                    nontrivial_exists,
                    status,
                    witness,
                    ..
                } => Answer::Exists {
                    nontrivial_exists,
                    status,
                    witness,
                    solver: Method::EnumerateAndMip,
                },
                Answer::Count {
                    count,
                    nontrivial,
                    status,
                    ..
                } => Answer::Count {
                    count,
                    nontrivial,
                    status,
                    solver: Method::EnumerateAndMip,
                },
                all => all,
            })
        }
        _ => unreachable!("one or two methods"),
    }
}

/// How certain an answer is.
fn answer_status(a: &Answer) -> Status {
    match a {
        Answer::Exists { status, .. } | Answer::Count { status, .. } => *status,
        Answer::All(_) => Status::Proved,
    }
}

/// The part of an answer two methods must agree on.
fn known(a: &Answer) -> (Option<bool>, Option<u64>, Option<u64>) {
    match a {
        Answer::Exists {
            nontrivial_exists, ..
        } => (*nontrivial_exists, None, None),
        Answer::Count {
            count, nontrivial, ..
        } => (None, *count, *nontrivial),
        Answer::All(s) => (Some(s.nontrivial_exists), None, None),
    }
}

fn answer_by(
    game: &RaceGame,
    question: Question,
    method: Method,
    o: &Options,
) -> Result<Answer, SolveError> {
    let n = game.n();
    match (question, method) {
        (Question::Exists, Method::Enumerate) => {
            enumeration(o).supports(game)?;
            let found = super::enumerate::first_nontrivial(game, o.progress);
            Ok(Answer::Exists {
                nontrivial_exists: Some(found.is_some()),
                status: if found.is_some() {
                    Status::VerifiedWitness
                } else {
                    Status::Proved
                },
                witness: found
                    .map(|bits| game.equilibrium(super::enumerate::profile(bits, n), Vec::new())),
                solver: Method::Enumerate,
            })
        }
        (Question::Count, Method::Enumerate) => {
            enumeration(o).supports(game)?;
            let (count, nontrivial) = super::enumerate::count(game, o.progress);
            Ok(Answer::Count {
                count: Some(count),
                nontrivial: Some(nontrivial),
                status: Status::Proved,
                solver: Method::Enumerate,
            })
        }
        (Question::Exists, _) if game.actions == Actions::Discrete => {
            let m = DiscreteMip {
                backend: o.backend,
                formulation: o.formulation,
                time_limit: o.time_limit,
                warm_start: true,
            };
            m.supports(game)?;
            match m.decide_nontrivial(game) {
                Ok(found) => Ok(Answer::Exists {
                    nontrivial_exists: Some(found.is_some()),
                    status: if found.is_some() {
                        Status::VerifiedWitness
                    } else {
                        Status::MipInfeasible
                    },
                    witness: found.map(|x| game.equilibrium(x, Vec::new())),
                    solver: Method::Mip,
                }),
                Err(SolveError::TimeLimit { .. }) => Ok(Answer::Exists {
                    nontrivial_exists: None,
                    status: Status::TimeLimit,
                    witness: None,
                    solver: Method::Mip,
                }),
                Err(e) => Err(e),
            }
        }
        (_, _) => {
            // A count by the MIP, and existence in a continuous race: the
            // listing, whose end is the backend's infeasibility.
            let listed = mip(game, o).solve(game);
            let sol = match listed {
                Ok(sol) => sol,
                Err(SolveError::TimeLimit { .. }) => {
                    return Ok(match question {
                        Question::Exists => Answer::Exists {
                            nontrivial_exists: None,
                            status: Status::TimeLimit,
                            witness: None,
                            solver: Method::Mip,
                        },
                        _ => Answer::Count {
                            count: None,
                            nontrivial: None,
                            status: Status::TimeLimit,
                            solver: Method::Mip,
                        },
                    });
                }
                Err(e) => return Err(e),
            };
            let nontrivial = sol.equilibria.iter().filter(|e| e.nontrivial).count() as u64;
            // A listing cut at its cap answers "yes" by a witness, nothing
            // else.
            let complete = sol.complete;
            Ok(match question {
                Question::Exists => {
                    let witness = sol.equilibria.iter().find(|e| e.nontrivial).cloned();
                    let (answer, status) = match (&witness, complete) {
                        (Some(_), _) => (Some(true), Status::VerifiedWitness),
                        (None, true) => (Some(false), Status::MipInfeasible),
                        (None, false) => (None, Status::Incomplete),
                    };
                    Answer::Exists {
                        nontrivial_exists: answer,
                        status,
                        witness,
                        solver: Method::Mip,
                    }
                }
                _ if !complete => Answer::Count {
                    count: None,
                    nontrivial: None,
                    status: Status::Incomplete,
                    solver: Method::Mip,
                },
                _ => Answer::Count {
                    count: Some(sol.equilibria.len() as u64),
                    nontrivial: Some(nontrivial),
                    status: Status::MipInfeasible,
                    solver: Method::Mip,
                },
            })
        }
    }
}
