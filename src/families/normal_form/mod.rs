//! The normal-form family on the command line: `solve` prints its pure
//! equilibria, every mixed equilibrium, or its logit QRE, each as one list
//! of probabilities per player (`strategies`); `export` writes the game
//! back as a Gambit `.nfg` file (equal payoffs, not necessarily the same
//! bytes). It has no figure of its own.

use std::fmt::Write;
use std::time::Instant;

use openmarket_core::concept::Concept;
use openmarket_core::family::Family;
use openmarket_core::finite::nfg::{self, PURE_TOL};
use openmarket_core::finite::{Mixed, qre, support};
use openmarket_core::method::SolveError;
use openmarket_core::normal_form::NormalForm;
use serde_json::{Value, json};

use super::{ExportFormat, SolveArgs};
use crate::error::Error;
use crate::plot::FigureKind;

pub(crate) const FIGURES: &[FigureKind] = &[];

/// A player's strategy is `actions[i]`; no alias is clearer than that.
pub(crate) const OUTPUT_ALIASES: &[(&str, &str)] = &[];

/// Probabilities as a readable list.
fn probs(p: &[f64]) -> String {
    let items: Vec<String> = p.iter().map(|v| format!("{v:.6}")).collect();
    format!("({})", items.join(", "))
}

/// The game's equilibria in the concept `args` asks for, rendered.
pub fn solve(m: &NormalForm, args: &SolveArgs) -> Result<String, Error> {
    let g = &m.game;
    let start = Instant::now();
    let head = |concept: &str, seconds: f64| {
        json!({
            "family": "normal_form",
            "concept": concept,
            "title": g.title,
            "players": g.players,
            "strategy_names": g.strategies,
            "solve_seconds": seconds,
        })
    };
    let mut text = format!(
        "Normal-form game \"{}\": {} players, strategies {}\n",
        g.title,
        g.players.len(),
        m.sizes()
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(" × ")
    );
    let mut out = match args.concept {
        Concept::PureNash => {
            let pure = g.pure_equilibria(PURE_TOL);
            let equilibria: Vec<Value> = pure
                .iter()
                .map(|p| {
                    let actions: Vec<f64> = p.iter().map(|&a| a as f64).collect();
                    json!({"actions": p, "strategies": m.strategies(&actions)})
                })
                .collect();
            let _ = writeln!(text, "  {} pure Nash equilibria", pure.len());
            for (k, p) in pure.iter().enumerate() {
                let names: Vec<&str> = p
                    .iter()
                    .zip(&g.strategies)
                    .map(|(&a, s)| s[a].as_str())
                    .collect();
                let _ = writeln!(text, "  #{:<3} ({})", k + 1, names.join(", "));
            }
            let mut v = head("pure_nash", start.elapsed().as_secs_f64());
            v["equilibria"] = Value::from(equilibria);
            v["complete"] = Value::from(true);
            v
        }
        Concept::MixedNash => {
            let sol = support::equilibria(g).map_err(|e| SolveError::Unsupported(e.to_string()))?;
            let equilibria: Vec<Value> = sol
                .equilibria
                .iter()
                .map(|e| {
                    let pure = e.strategies.iter().flatten().all(|&p| p == 0.0 || p == 1.0);
                    json!({"strategies": e.strategies, "regret": e.regret, "pure": pure})
                })
                .collect();
            let _ = writeln!(
                text,
                "  {} Nash equilibria in mixed strategies{}",
                sol.equilibria.len(),
                if sol.complete {
                    ""
                } else {
                    " (degenerate game: a continuum may hold more)"
                }
            );
            for (k, e) in sol.equilibria.iter().enumerate() {
                let each: Vec<String> = e.strategies.iter().map(|s| probs(s)).collect();
                let _ = writeln!(text, "  #{:<3} {}   regret {:.1e}", k + 1, each.join(" "), e.regret);
            }
            let mut v = head("mixed_nash", start.elapsed().as_secs_f64());
            v["equilibria"] = Value::from(equilibria);
            v["complete"] = Value::from(sol.complete);
            v
        }
        Concept::Qre => {
            let tau = args.temperature()?;
            let taus = vec![tau; g.players.len()];
            let q = qre::logit_qre_table(g, &taus)
                .map_err(|e| SolveError::Unsupported(e.to_string()))?;
            let residual = qre::table_residual(g, &taus, &Mixed::from_split(&q));
            let each: Vec<String> = q.iter().map(|s| probs(s)).collect();
            let _ = writeln!(
                text,
                "  logit QRE at τ = {tau} (λ = {}, principal branch): {}",
                1.0 / tau,
                each.join(" ")
            );
            let mut v = head("qre", start.elapsed().as_secs_f64());
            v["temperature"] = Value::from(tau);
            v["lambda"] = Value::from(1.0 / tau);
            v["equilibria"] = json!([{"strategies": q, "residual": residual}]);
            v
        }
        other => {
            return Err(Error::Usage(format!(
                "--concept {}: a normal-form game is solved for pure, mixed or qre",
                other.as_ref()
            )));
        }
    };
    if args.json {
        out["solve_seconds"] = Value::from(start.elapsed().as_secs_f64());
        Ok(out.to_string() + "\n")
    } else {
        Ok(text)
    }
}

/// The game as a Gambit `.nfg` file (payoff version).
pub fn export(m: &NormalForm, format: ExportFormat, title: &str) -> Result<String, Error> {
    match format {
        ExportFormat::Nfg => {
            let title = if m.game.title.is_empty() { title } else { &m.game.title };
            Ok(nfg::write_table(&m.game, title))
        }
    }
}
