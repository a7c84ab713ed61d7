//! The openness family on the command line: `solve` prints the SPE of the
//! pair (with the exact optimal regulation when the config has a
//! `[regulator]`) or of a sector; its figures are in [`plots`].

mod plots;
mod report;

pub(crate) use plots::FIGURES;

/// `analyze --output` names for the market's columns: `actions` is
/// (ω, α1) and `payoffs` is (u_G, u_D).
pub(crate) const OUTPUT_ALIASES: &[(&str, &str)] = &[
    ("omega", "actions[0]"),
    ("alpha1", "actions[1]"),
    ("u_g", "payoffs[0]"),
    ("u_d", "payoffs[1]"),
];

use std::time::Instant;

use openmarket_core::concept::Concept;
use openmarket_core::openness::regulator::Regulable;
use openmarket_core::openness::{Market, Openness};

use super::{ExportFormat, SolveArgs};
use crate::error::Error;

/// The SPE, rendered as `args` asks.
pub fn solve(model: &Openness, args: &SolveArgs) -> Result<String, Error> {
    if !matches!(args.concept, Concept::PureNash | Concept::Spe) {
        return Err(Error::Usage(match model.market {
            Market::Pair(_) => format!(
                "--concept {}: the openness game is solved for its subgame-perfect equilibrium (--concept spe); mixed and qre apply to the discrete race",
                args.concept.as_ref()
            ),
            Market::Sector(_) => format!(
                "--concept {}: a sector is solved for its subgame-perfect equilibrium (--concept spe)",
                args.concept.as_ref()
            ),
        }));
    }
    Ok(match &model.market {
        Market::Sector(m) => {
            let start = Instant::now();
            let o = m.solve();
            let seconds = start.elapsed().as_secs_f64();
            if args.json {
                format!("{}", report::sector_json(m, &o, seconds)) + "\n"
            } else {
                report::sector_text(m, &o, seconds)
            }
        }
        Market::Pair(game) => {
            let eq = game.solve();
            let optimal = model
                .regulator
                .as_ref()
                .map(|r| game.optimal_regulation(r.objective, &r.search));
            if args.json {
                format!("{}", report::openness_json(&eq, optimal.as_ref())) + "\n"
            } else {
                report::openness_text(game, &eq, optimal.as_ref())
            }
        }
    })
}

/// No other tool's format holds the openness game.
pub fn export(_: &Openness, _: ExportFormat, _: &str) -> Result<String, Error> {
    Err(Error::Usage(
        "export writes a discrete race; this config is an openness game".into(),
    ))
}
