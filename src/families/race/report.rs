//! The race family's `solve` renderings: pure equilibria, every mixed
//! equilibrium, the logit QRE; and the `.nfg` export.

use std::fmt::Write;

use openmarket_core::race::solve::{Answer, Status};
use openmarket_core::race::{Actions, RaceEquilibrium, RaceGame, RaceSolution};
use serde_json::{Value, json};

/// Each lab's mixed strategy over (closed, open), in the `.nfg` export's
/// strategy order: [1 − q, q] for its probability q of opening.
fn strategies(q: &[f64]) -> Vec<[f64; 2]> {
    q.iter().map(|&p| [1.0 - p, p]).collect()
}

fn vec_text(v: &[f64], discrete: bool) -> String {
    let items: Vec<String> = v
        .iter()
        .map(|x| {
            if discrete {
                format!("{x:.0}")
            } else {
                format!("{x:.6}")
            }
        })
        .collect();
    format!("({})", items.join(", "))
}

/// The race solution as one JSON object. Discrete actions are 0/1 integers.
pub fn race_json(game: &RaceGame, sol: &RaceSolution, seconds: f64) -> Value {
    let equilibria: Vec<Value> = sol
        .equilibria
        .iter()
        .map(|e| equilibrium_json(game, e))
        .collect();
    json!({
        "family": "race",
        "n": game.n(),
        "utility": game.utility,
        "actions": game.actions,
        "nontrivial_definition": game.nontrivial,
        "solver": sol.solver,
        "solve_seconds": seconds,
        "equilibria": equilibria,
        "nontrivial_exists": sol.nontrivial_exists,
        "complete": sol.complete,
        "rejected": sol.rejected,
    })
}

/// One equilibrium's JSON entry (the listing's fields).
fn equilibrium_json(game: &RaceGame, e: &RaceEquilibrium) -> Value {
    let discrete = game.actions == Actions::Discrete;
    let actions: Value = if discrete {
        e.actions
            .iter()
            .map(|&x| x as u8)
            .collect::<Vec<_>>()
            .into()
    } else {
        e.actions.clone().into()
    };
    let mut v = json!({
        "actions": actions,
        "strict": e.strict,
        "nontrivial": e.nontrivial,
        "utilities": e.utilities,
        "progress": e.progress,
        "verification_gain": e.max_gain,
        "free": e.free,
    });
    if discrete {
        v["strategies"] = json!(strategies(&e.actions));
    }
    v
}

/// The answer to `--question exists` or `count` as one JSON object.
pub fn answer_json(game: &RaceGame, answer: &Answer, backend: Option<&str>, seconds: f64) -> Value {
    let mut v = json!({
        "family": "race",
        "n": game.n(),
        "utility": game.utility,
        "actions": game.actions,
        "nontrivial_definition": game.nontrivial,
        "solve_seconds": seconds,
    });
    match answer {
        Answer::Exists {
            nontrivial_exists,
            status,
            witness,
            solver,
        } => {
            v["question"] = json!("exists");
            v["solver"] = json!(solver);
            v["nontrivial_exists"] = json!(nontrivial_exists);
            v["status"] = json!(status);
            v["equilibria"] = witness
                .iter()
                .map(|e| equilibrium_json(game, e))
                .collect::<Vec<_>>()
                .into();
        }
        Answer::Count {
            count,
            nontrivial,
            status,
            solver,
        } => {
            v["question"] = json!("count");
            v["solver"] = json!(solver);
            v["count"] = json!(count);
            v["nontrivial_count"] = json!(nontrivial);
            v["status"] = json!(status);
        }
        Answer::All(sol) => return race_json(game, sol, seconds),
    }
    if let Some(b) = backend {
        v["backend"] = json!(b);
    }
    v
}

/// The answer to `--question exists` or `count`, readable.
pub fn answer_text(game: &RaceGame, answer: &Answer, backend: Option<&str>, seconds: f64) -> String {
    let discrete = game.actions == Actions::Discrete;
    let mut s = format!(
        "AI race: {} labs, utility {}, {} actions\n",
        game.n(),
        game.utility.as_ref(),
        if discrete { "discrete" } else { "continuous" }
    );
    let status = |st: &Status| -> &'static str {
        match st {
            Status::Proved => "every profile checked",
            Status::VerifiedWitness => "a witness, checked exactly",
            Status::MipInfeasible => "the MIP is infeasible, up to its tolerances",
            Status::TimeLimit => "the time limit ran out",
            Status::Incomplete => "the MIP's listing stopped at its cap",
        }
    };
    let solver = |m: &openmarket_core::method::Method| match backend {
        Some(b) => format!("{} ({b})", m.as_ref()),
        None => m.as_ref().to_string(),
    };
    match answer {
        Answer::Exists {
            nontrivial_exists,
            status: st,
            witness,
            solver: m,
        } => {
            let _ = writeln!(s, "  solver           {} ({seconds:.3} s)", solver(m));
            let said = match nontrivial_exists {
                Some(true) => "yes",
                Some(false) => "no",
                None => "unknown",
            };
            let _ = writeln!(
                s,
                "  a non-trivial pure NE ({}) exists: {said} ({})",
                game.nontrivial.as_ref(),
                status(st)
            );
            if let Some(e) = witness {
                let _ = writeln!(s, "  witness x = {}", vec_text(&e.actions, discrete));
            }
        }
        Answer::Count {
            count,
            nontrivial,
            status: st,
            solver: m,
        } => {
            let _ = writeln!(s, "  solver           {} ({seconds:.3} s)", solver(m));
            let show = |c: &Option<u64>| c.map_or("unknown".to_string(), |c| c.to_string());
            let _ = writeln!(
                s,
                "  pure Nash equilibria: {}, non-trivial ({}): {} ({})",
                show(count),
                game.nontrivial.as_ref(),
                show(nontrivial),
                status(st)
            );
        }
        Answer::All(sol) => return race_text(game, sol, seconds),
    }
    s
}

/// A race's equilibria as a readable report.
pub fn race_text(game: &RaceGame, sol: &RaceSolution, seconds: f64) -> String {
    let discrete = game.actions == Actions::Discrete;
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(
        w,
        "AI race: {} labs, utility {}, {} actions",
        game.n(),
        game.utility.as_ref(),
        if discrete { "discrete" } else { "continuous" }
    );
    let _ = writeln!(
        w,
        "  solver           {} ({seconds:.3} s)",
        sol.solver.as_ref()
    );
    let count = sol.equilibria.len();
    if count == 0 {
        let _ = writeln!(w, "  pure Nash equilibria: none");
    } else {
        let _ = writeln!(
            w,
            "  pure Nash equilibria: {count}{}",
            if sol.complete {
                ""
            } else {
                " (listing stopped at the cap)"
            }
        );
    }
    let _ = writeln!(
        w,
        "  non-trivial NE ({}): {}",
        game.nontrivial.as_ref(),
        if sol.nontrivial_exists {
            "exists"
        } else {
            "none"
        }
    );
    for (k, e) in sol.equilibria.iter().enumerate() {
        let flags = [
            e.strict.then_some("strict"),
            e.nontrivial.then_some("non-trivial"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        let _ = writeln!(
            w,
            "  #{:<3} x = {}  {flags}",
            k + 1,
            vec_text(&e.actions, discrete)
        );
        let _ = writeln!(w, "       progress  {}", vec_text(&e.progress, false));
        let _ = writeln!(w, "       utilities {}", vec_text(&e.utilities, false));
        if !discrete {
            let _ = writeln!(
                w,
                "       largest unilateral gain (exact best response) {:.2e}",
                e.max_gain
            );
        }
        for f in &e.free {
            let _ = writeln!(
                w,
                "       continuum: lab {} may take any action in [{:.6}, {:.6}]",
                f.lab, f.min, f.max
            );
        }
    }
    if sol.rejected > 0 {
        let _ = writeln!(
            w,
            "  {} MIP candidates failed the exact best-response check and were dropped",
            sol.rejected
        );
    }
    s
}

/// Every Nash equilibrium of a race (`solve --concept mixed --json`).
pub fn mixed_json(
    game: &RaceGame,
    sol: &openmarket_core::finite::nash::MixedSolution,
    seconds: f64,
) -> Value {
    let equilibria: Vec<Value> = sol
        .equilibria
        .iter()
        .map(|e| {
            json!({
                "open_probability": e.q,
                "strategies": strategies(&e.q),
                "regret": e.regret,
                "pure": e.q.iter().all(|&p| p == 0.0 || p == 1.0),
            })
        })
        .collect();
    json!({
        "family": "race",
        "concept": "mixed_nash",
        "n": game.n(),
        "utility": game.utility,
        "solve_seconds": seconds,
        "equilibria": equilibria,
        "complete": sol.complete,
    })
}

/// Every Nash equilibrium of a race, readable.
pub fn mixed_text(
    game: &RaceGame,
    sol: &openmarket_core::finite::nash::MixedSolution,
    seconds: f64,
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "AI race: {} labs, utility {}: Nash equilibria in mixed strategies ({seconds:.3} s)",
        game.n(),
        game.utility.as_ref()
    );
    let _ = writeln!(
        s,
        "  {} equilibria{}",
        sol.equilibria.len(),
        if sol.complete {
            ""
        } else {
            " (degenerate game: a continuum may hold more)"
        }
    );
    for (k, e) in sol.equilibria.iter().enumerate() {
        let _ = writeln!(
            s,
            "  #{:<3} P(open) = {}   regret {:.1e}",
            k + 1,
            vec_text(&e.q, false),
            e.regret
        );
    }
    s
}

/// The logit QRE of a race (`solve --concept qre --json`).
pub fn qre_json(game: &RaceGame, tau: f64, q: &[f64], seconds: f64) -> Value {
    json!({
        "family": "race",
        "concept": "qre",
        "n": game.n(),
        "utility": game.utility,
        "temperature": tau,
        "lambda": 1.0 / tau,
        "solve_seconds": seconds,
        "equilibria": [{
            "open_probability": q,
            "strategies": strategies(q),
            "residual": openmarket_core::finite::qre::residual(&game.binary(), tau, q),
        }],
    })
}

/// The logit QRE of a race, readable.
pub fn qre_text(game: &RaceGame, tau: f64, q: &[f64], seconds: f64) -> String {
    format!(
        "AI race: {} labs, utility {}: logit QRE at τ = {tau} (λ = {}, principal branch, {seconds:.3} s)\n  P(open) = {}\n",
        game.n(),
        game.utility.as_ref(),
        1.0 / tau,
        vec_text(q, false)
    )
}

/// A discrete race as a Gambit `.nfg` file.
pub fn nfg(game: &RaceGame, title: &str) -> Result<String, crate::Error> {
    game.check_mixed()?;
    let players: Vec<String> = (0..game.n()).map(|i| format!("Lab {i}")).collect();
    Ok(openmarket_core::finite::nfg::write(
        &game.binary(),
        title,
        &players,
        ["closed", "open"],
    ))
}
