//! Human-readable and JSON renderings of solver results.

use std::fmt::Write;

use openmarket_core::openness::sector::{Sector, SectorOutcome};
use openmarket_core::openness::{
    Alpha0, BargainingKind, BargainingRule, Equilibrium, Lever, OpennessGame, PenaltyForm,
};
use openmarket_core::race::{Actions, RaceGame, RaceSolution};
use openmarket_core::regulator::optimal::OptimalRegulation;
use serde_json::{Value, json};

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |x| format!("{x:.6}"))
}

/// One JSON object: every field of [`Equilibrium`] plus the family; `null`
/// where a value does not apply (ω when G exits, p̄ without regulation).
/// With `[regulator]`, the exact optimal regulation as `optimal_regulation`.
pub fn openness_json(eq: &Equilibrium, optimal: Option<&OptimalRegulation>) -> Value {
    let mut v = serde_json::to_value(eq).expect("equilibrium serializes");
    let m = v.as_object_mut().expect("object");
    m.insert("family".into(), json!("openness"));
    // One specialist: the K = 1 case of a sector's list.
    let enters = eq.omega.is_some();
    m.insert(
        "specialists".into(),
        json!([{
            "alpha1": if enters { eq.alpha1.unwrap_or(0.0) } else { 0.0 },
            "u_d": if enters { eq.u_d } else { 0.0 },
            "enters": enters,
        }]),
    );
    if let Some(o) = optimal {
        m.insert(
            "optimal_regulation".into(),
            serde_json::to_value(o).expect("optimum serializes"),
        );
    }
    v
}

/// A sector's SPE as JSON: the openness fields that apply, the number of
/// entrants, and one entry per specialist.
pub fn sector_json(m: &Sector, o: &SectorOutcome, seconds: f64) -> Value {
    json!({
        "family": "openness",
        "specialists_k": m.specialists.len(),
        "regime": o.regime,
        "delta": o.delta,
        "omega": o.omega,
        "alpha0": m.alpha0,
        "u_g": o.u_g,
        "u_sector": o.specialists.iter().map(|s| s.u_d).sum::<f64>(),
        "penalty_paid": o.penalty_paid,
        "omega_unregulated": o.omega_unregulated,
        "entrants": o.entrants,
        "indifference_penalty": o.policy.map(|p| p.indifference_penalty),
        "theta_max": o.policy.map(|p| p.theta_max),
        "lever": o.policy.map_or(Lever::None, |p| p.lever),
        "specialists": o.specialists,
        "solve_seconds": seconds,
    })
}

/// A sector's SPE as a readable report.
pub fn sector_text(m: &Sector, o: &SectorOutcome, seconds: f64) -> String {
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(
        w,
        "Openness game with {} specialists: subgame-perfect equilibrium (exact, piecewise in ω)",
        m.specialists.len()
    );
    match o.delta {
        Some(d) => {
            let rule = m
                .bargaining
                .map(|r| <&str>::from(BargainingKind::from(r)))
                .unwrap_or("fixed");
            let _ = writeln!(
                w,
                "  revenue share    δ = {d:.9} (one for the sector, bargained, {rule} rule)"
            );
        }
        None => {
            let _ = writeln!(w, "  revenue shares   given per specialist");
        }
    }
    match m.regulation {
        Some(reg) => {
            let _ = writeln!(
                w,
                "  regulation       θ = {}, p = {} ({})",
                reg.theta,
                reg.penalty,
                reg.form.as_ref()
            );
        }
        None => {
            let _ = writeln!(w, "  regulation       none");
        }
    }
    let _ = writeln!(w, "  regime           {}", o.regime.as_ref());
    match o.omega {
        Some(omega) => {
            let _ = writeln!(
                w,
                "  openness         ω = {omega:.9} (unregulated ω^u = {:.9})",
                o.omega_unregulated
            );
        }
        None => {
            let _ = writeln!(w, "  openness         G exits (its best value is negative)");
        }
    }
    let _ = writeln!(
        w,
        "  G's utility      U_G = {:.9}, penalty paid {:.9}",
        o.u_g, o.penalty_paid
    );
    if let Some(p) = o.policy {
        let _ = writeln!(
            w,
            "  p̄(θ) = {:.9}, θ̄(p) = {:.9}, lever: {}",
            p.indifference_penalty,
            p.theta_max,
            p.lever.as_ref()
        );
    }
    let _ = writeln!(
        w,
        "  entrants         {} of {}",
        o.entrants,
        m.specialists.len()
    );
    let shown = o.specialists.len().min(20);
    for (k, sp) in o.specialists.iter().take(shown).enumerate() {
        if sp.enters {
            let _ = writeln!(
                w,
                "    specialist {k:>3}  enters  α1 = {:.6}  U_D = {:.6}",
                sp.alpha1, sp.u_d
            );
        } else {
            let _ = writeln!(w, "    specialist {k:>3}  stays out");
        }
    }
    if o.specialists.len() > shown {
        let _ = writeln!(
            w,
            "    … {} more (solve --json lists all)",
            o.specialists.len() - shown
        );
    }
    let _ = writeln!(w, "  solved in {:.3} ms", seconds * 1e3);
    s
}

/// The openness SPE as a readable report.
pub fn openness_text(
    game: &OpennessGame,
    eq: &Equilibrium,
    optimal: Option<&OptimalRegulation>,
) -> String {
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(
        w,
        "Openness-regulation game: subgame-perfect equilibrium (exact backward induction)"
    );
    let delta_note = match game.bargaining {
        BargainingRule::Fixed(_) => "given".to_string(),
        rule => format!(
            "bargained, {} rule",
            <&str>::from(BargainingKind::from(rule))
        ),
    };
    let _ = writeln!(w, "  revenue share    δ = {:.9} ({delta_note})", eq.delta);
    match game.regulation {
        Some(reg) => {
            let form = match reg.form {
                PenaltyForm::Fixed => "fixed penalty p·1[ω < θ]",
                PenaltyForm::Proportional => "proportional penalty p·(θ − ω)⁺",
            };
            let _ = writeln!(
                w,
                "  regulation       θ = {}, p = {} ({form})",
                reg.theta, reg.penalty
            );
        }
        None => {
            let _ = writeln!(w, "  regulation       none");
        }
    }
    let _ = writeln!(w, "  regime           {}", eq.regime.as_ref());
    let a0_note = match game.alpha0 {
        Alpha0::Exogenous(_) => "given",
        Alpha0::Endogenous => "chosen by G",
    };
    let _ = writeln!(
        w,
        "  generalist G     ω = {}   (unregulated ω^u = {:.6}), α0 = {} ({a0_note}), U_G = {:.6}",
        opt(eq.omega),
        eq.omega_unregulated,
        opt(eq.alpha0),
        eq.u_g
    );
    let _ = writeln!(
        w,
        "  specialist D     α1 = {}, U_D = {:.6}",
        opt(eq.alpha1),
        eq.u_d
    );
    let _ = writeln!(w, "  penalty paid     {:.6}", eq.penalty_paid);
    let _ = writeln!(
        w,
        "  total surplus    {:.6}   (U_G + U_D + penalty, the penalty being a transfer)",
        eq.total_surplus
    );
    if game.regulation.is_some() {
        let _ = writeln!(
            w,
            "  indifference     p̄(θ) = {}: G complies iff p ≥ p̄(θ)",
            opt(eq.indifference_penalty)
        );
        let _ = writeln!(
            w,
            "  effective range  thresholds in (ω^u, θ̄(p)] = ({:.6}, {}] bind and are complied with",
            eq.omega_unregulated,
            opt(eq.theta_max)
        );
        let _ = writeln!(
            w,
            "  Pareto improving {}   (unregulated, same rule: U_G = {:.6}, U_D = {:.6})",
            if eq.pareto_improvement { "yes" } else { "no" },
            eq.u_g_unregulated,
            eq.u_d_unregulated
        );
        let _ = writeln!(
            w,
            "  policy lever     {}   (∂ω/∂p = {}, ∂ω/∂θ = {})",
            eq.lever.as_ref(),
            opt(eq.domega_dpenalty),
            opt(eq.domega_dtheta)
        );
    }
    if let Some(o) = optimal {
        let _ = writeln!(
            w,
            "  optimal regulation for {}: θ = {:.6}, p = {:.6} → {} = {:.6} ({}; ω = {}, α1 = {})",
            o.objective.as_ref(),
            o.theta,
            o.penalty,
            o.objective.as_ref(),
            o.value,
            o.regime.as_ref(),
            opt(o.omega),
            opt(o.alpha1)
        );
    }
    s
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
    let discrete = game.actions == Actions::Discrete;
    let equilibria: Vec<Value> = sol
        .equilibria
        .iter()
        .map(|e| {
            let actions: Value = if discrete {
                e.actions
                    .iter()
                    .map(|&x| x as u8)
                    .collect::<Vec<_>>()
                    .into()
            } else {
                e.actions.clone().into()
            };
            json!({
                "actions": actions,
                "strict": e.strict,
                "nontrivial": e.nontrivial,
                "utilities": e.utilities,
                "progress": e.progress,
                "verification_gain": e.max_gain,
                "free": e.free,
            })
        })
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

/// Measured compressed sizes (zstd Parquet) on the quick-start output, per
/// row; `plan` multiplies them out as an estimate.
const BYTES_PER_RUN_ROW: f64 = 60.0;
const BYTES_PER_EQUILIBRIUM_ROW: f64 = 30.0;
const BYTES_PER_TRAJECTORY_ROW: f64 = 25.0;
/// A sector's equilibrium row adds α1, an entry flag and U_D per
/// specialist (measured: 23.7 MB for 10⁵ rows of K = 20).
const BYTES_PER_SPECIALIST: f64 = 10.0;

fn bytes_text(b: f64) -> String {
    match b {
        b if b >= 1e9 => format!("{:.1} GB", b / 1e9),
        b if b >= 1e6 => format!("{:.1} MB", b / 1e6),
        b if b >= 1e3 => format!("{:.1} kB", b / 1e3),
        b => format!("{b:.0} B"),
    }
}

/// `openmarket plan`: the size of a sweep, before running it.
pub fn plan_text(origin: &str, plan: &openmarket_core::plan::Plan) -> String {
    let mut s = String::new();
    let runs = plan.runs();
    if plan.seeds_per_point == 0 {
        let _ = writeln!(
            s,
            "{origin}: {} points, solved only (no [dynamics]: equilibria, no runs)",
            plan.points.len()
        );
    } else {
        let _ = writeln!(
            s,
            "{origin}: {} points × {} seeds = {runs} runs",
            plan.points.len(),
            plan.seeds_per_point
        );
    }
    for (k, name) in plan.studies.iter().enumerate() {
        let n = plan.points.iter().filter(|p| p.study == Some(k)).count();
        let _ = writeln!(s, "  study {name}: {n} points");
    }
    let _ = writeln!(
        s,
        "  axes: {}",
        if plan.axes.is_empty() {
            "none".into()
        } else {
            plan.axes.join(", ")
        }
    );
    // Openness points have exactly one equilibrium; race points list theirs
    // (often one, sometimes none or several): count one as the estimate.
    let equilibria = plan.points.len() as u64;
    let trajectories: u64 = plan
        .points
        .iter()
        .map(|p| {
            let every = p.config.output.trajectory_every;
            let max = p
                .config
                .dynamics
                .as_ref()
                .map_or(0, |d| d.termination.max_iterations);
            max.checked_div(every)
                .map_or(0, |q| (q + 1) * plan.seeds_per_point)
        })
        .sum();
    let specialists: u64 = plan
        .points
        .iter()
        .map(|p| match &p.config.model {
            openmarket_core::config::ModelConfig::Sector(m) => m.specialists.len() as u64,
            _ => 0,
        })
        .sum();
    let bytes = runs as f64 * BYTES_PER_RUN_ROW
        + equilibria as f64 * BYTES_PER_EQUILIBRIUM_ROW
        + trajectories as f64 * BYTES_PER_TRAJECTORY_ROW
        + specialists as f64 * BYTES_PER_SPECIALIST;
    let _ = writeln!(
        s,
        "  rows: runs {runs}, equilibria ≈ {equilibria}{}",
        if trajectories > 0 {
            format!(", trajectories ≤ {trajectories}")
        } else {
            String::new()
        }
    );
    let families: Vec<&str> = {
        let mut f: Vec<&str> = plan
            .points
            .iter()
            .map(|p| p.config.model.family().into())
            .collect();
        f.sort();
        f.dedup();
        f
    };
    let _ = writeln!(s, "  families: {}", families.join(", "));
    let _ = writeln!(
        s,
        "  estimated output: {} (zstd Parquet){}",
        bytes_text(bytes),
        if trajectories > 0 {
            "; trajectories counted at their maximum length"
        } else {
            ""
        }
    );
    s
}

/// The summary `openmarket run` prints.
pub fn run_text(r: &crate::run::Report) -> String {
    use openmarket_core::experiment::Shard;
    let mut s = String::new();
    let whole = r.shard == Shard::WHOLE;
    let shard = if whole {
        String::new()
    } else {
        format!(
            " (shard {}: {} of {} blocks)",
            r.shard, r.blocks.0, r.blocks.1
        )
    };
    if r.seeds == 0 {
        let _ = writeln!(
            s,
            "{} points solved in {:.2} s on {} threads{} (no [dynamics]: equilibria only)",
            r.points, r.seconds, r.threads, shard,
        );
    } else {
        let _ = writeln!(
            s,
            "{} points × {} seeds: {} runs in {:.2} s on {} threads{}{}; {} of {} converged ({:.1}%)",
            r.points,
            r.seeds,
            r.ran,
            r.seconds,
            r.threads,
            shard,
            if r.skipped > 0 {
                format!(", {} already done before --resume", r.skipped)
            } else {
                String::new()
            },
            r.converged,
            r.ran,
            100.0 * r.converged as f64 / r.ran.max(1) as f64
        );
    }
    if whole {
        let _ = writeln!(
            s,
            "wrote {}/{{runs,equilibria{}}}.parquet and manifest.json",
            r.dir.display(),
            if r.trajectories { ",trajectories" } else { "" }
        );
    } else {
        let _ = writeln!(
            s,
            "wrote shard parts to {}/parts/ and manifest.json; combine the shards with `openmarket merge`",
            r.dir.display()
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
