//! The openness family's `solve` renderings: the pair's SPE with the
//! regulator's diagnostics, and a sector's SPE with its entrants.

use std::fmt::Write;

use openmarket_core::openness::regulator::optimal::OptimalRegulation;
use openmarket_core::openness::sector::{Sector, SectorOutcome};
use openmarket_core::openness::{
    Alpha0, BargainingKind, BargainingRule, Equilibrium, Lever, OpennessGame, PenaltyForm,
};
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
