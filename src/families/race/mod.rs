//! The race family on the command line: `solve` prints its pure equilibria
//! (by the solver the user chose), every mixed equilibrium, or its logit
//! QRE; `export` writes it as a Gambit `.nfg` file; its figure is in
//! [`plots`].

mod plots;
mod report;

pub(crate) use plots::FIGURES;

/// A lab's action is `actions[i]`; no alias is clearer than that.
pub(crate) const OUTPUT_ALIASES: &[(&str, &str)] = &[];

use std::time::Instant;

use openmarket_core::concept::Concept;
use openmarket_core::method::Method;
use openmarket_core::mip;
use openmarket_core::race::solve::{self, Answer, Choice, Options};
use openmarket_core::race::RaceGame;

use super::{ExportFormat, SolveArgs};
use crate::error::Error;
use crate::progress::bar;

/// The race's equilibria in the concept `args` asks for, rendered.
pub fn solve(game: &RaceGame, args: &SolveArgs) -> Result<String, Error> {
    let game = match args.actions {
        Some(a) => game.with_actions(a),
        None => game.clone(),
    };
    let start = Instant::now();
    let seconds = || start.elapsed().as_secs_f64();
    Ok(match args.concept {
        Concept::PureNash => {
            let backend = match &args.mip_backend {
                Some(name) => mip::backend(name).map_err(Error::Usage)?,
                None => mip::default_backend(),
            };
            match pure(&game, args, backend)? {
                Answer::All(solution) => {
                    if args.json {
                        format!("{}", report::race_json(&game, &solution, seconds())) + "\n"
                    } else {
                        report::race_text(&game, &solution, seconds())
                    }
                }
                answer => {
                    let mip = answer_solver(&answer) != Method::Enumerate;
                    let backend = mip.then(|| backend.name());
                    if args.json {
                        report::answer_json(&game, &answer, backend, seconds()).to_string() + "\n"
                    } else {
                        report::answer_text(&game, &answer, backend, seconds())
                    }
                }
            }
        }
        Concept::MixedNash => {
            let sol = game.mixed_equilibria()?;
            if args.json {
                report::mixed_json(&game, &sol, seconds()).to_string() + "\n"
            } else {
                report::mixed_text(&game, &sol, seconds())
            }
        }
        Concept::Qre => {
            let tau = args.temperature()?;
            let q = game.logit_qre(tau)?;
            if args.json {
                report::qre_json(&game, tau, &q, seconds()).to_string() + "\n"
            } else {
                report::qre_text(&game, tau, &q, seconds())
            }
        }
        other => {
            return Err(Error::Usage(format!(
                "--concept {}: a race is solved for pure, mixed or qre",
                other.as_ref()
            )));
        }
    })
}

/// The method that answered.
fn answer_solver(answer: &Answer) -> Method {
    match answer {
        Answer::Exists { solver, .. } | Answer::Count { solver, .. } => *solver,
        Answer::All(s) => s.solver,
    }
}

/// The pure equilibria's answer to the question `args` asks, by the solver
/// it names, drawing a bar while a large game is enumerated.
fn pure(game: &RaceGame, args: &SolveArgs, backend: &dyn mip::MipBackend) -> Result<Answer, Error> {
    let choice = args.solver;
    let enumerates = matches!(choice, Choice::Enumerate | Choice::Both)
        || (choice == Choice::Auto && solve::auto_for(game, args.question) == Method::Enumerate);
    let bar = bar("enumerating {pos}/{len} profiles {wide_bar} {eta}");
    if enumerates && game.n() >= 20 {
        bar.set_length(1u64 << game.n().min(63));
    }
    let advance = |n: u64| bar.inc(n);
    let result = solve::answer(
        game,
        args.question,
        choice,
        &Options {
            backend,
            progress: Some(&advance),
            formulation: args.formulation,
            time_limit: args.time_limit,
        },
    );
    bar.finish_and_clear();
    Ok(result?)
}

/// A discrete race as a Gambit `.nfg` file.
pub fn export(game: &RaceGame, format: ExportFormat, title: &str) -> Result<String, Error> {
    match format {
        ExportFormat::Nfg => report::nfg(game, title),
    }
}
