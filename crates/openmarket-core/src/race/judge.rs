//! What a race's runs are judged against: the pure equilibria of the game
//! with its `fixed` labs held, every mixed Nash equilibrium, the logit QRE
//! at the labs' temperatures, or the CCE gap (see [`crate::judge`]).

use super::{NE_TOL, RaceGame};
use crate::concept::Concept;
use crate::dynamics::Space;
use crate::dynamics::rules::{Limit, POINTS, RuleConfig};
use crate::finite::{nash, qre};
use crate::judge::{Spec, Target, common_concept, held_of};
use crate::method::Method;

/// Why a point's target cannot be computed (found when the plan is
/// validated, before anything runs).
pub fn unsupported(g: &RaceGame, rules: &[RuleConfig]) -> Result<(), String> {
    let rules = rules.to_vec();
    let held = rules.iter().any(RuleConfig::is_fixed);
    if held && g.actions == crate::race::Actions::Continuous {
        return Err("a `fixed` lab in the continuous race: the held game's equilibria are computed for discrete actions only".into());
    }
    if held && g.n() > crate::limits::MAX_ENUMERATE {
        return Err(format!(
            "a `fixed` lab in a race of {} labs: the held game is enumerated, up to {} labs",
            g.n(),
            crate::limits::MAX_ENUMERATE
        ));
    }
    match common_concept(&rules) {
        Some(Concept::MixedNash) if g.n() > crate::limits::MAX_MIXED_NE_LABS => Err(format!(
            "fictitious play is judged against every mixed Nash equilibrium, listed for at most {} labs; this race has {}",
            crate::limits::MAX_MIXED_NE_LABS,
            g.n()
        )),
        Some(Concept::Qre) if g.n() > crate::limits::MAX_QRE_LABS => Err(format!(
            "logit is judged against the logit QRE, traced for at most {} labs; this race has {}",
            crate::limits::MAX_QRE_LABS,
            g.n()
        )),
        _ if g.actions == crate::race::Actions::Discrete
            && g.n() > crate::limits::MAX_MIXED_LABS
            && rules.iter().any(|r| {
                matches!(
                    r.concept(),
                    Concept::MixedNash | Concept::Qre | Concept::Cce
                )
            }) =>
        {
            Err(format!(
                "mixed-strategy rules need exact expected payoffs, computed for at most {} labs; this race has {}",
                crate::limits::MAX_MIXED_LABS,
                g.n()
            ))
        }
        _ => Ok(()),
    }
}

/// The target of a race whose pure equilibria are `equilibria`.
pub fn race(g: &RaceGame, rules: &[RuleConfig], equilibria: &[Vec<f64>], complete: bool) -> Target {
    let held_actions = held_of(rules);
    let held: Vec<usize> = (0..g.n()).filter(|&i| held_actions[i].is_some()).collect();
    let free: Vec<usize> = (0..g.n()).filter(|&i| held_actions[i].is_none()).collect();
    let concept = common_concept(rules);
    let held_bits: Vec<Option<bool>> = held_actions.iter().map(|a| a.map(|x| x == 1.0)).collect();
    let base = Target {
        concept,
        profiles: Vec::new(),
        distribution: None,
        held: held.clone(),
        temperature: None,
        method: Method::Enumerate,
        complete: true,
        is_equilibria: false,
        strategies: None,
        spec: Spec::NashConv(free.clone()),
    };
    match concept {
        None => Target {
            spec: Spec::Nothing,
            ..base
        },
        Some(Concept::PureNash) if held.is_empty() => Target {
            profiles: equilibria.to_vec(),
            complete,
            is_equilibria: true,
            ..base
        },
        Some(Concept::PureNash) => Target {
            profiles: held_pure_equilibria(g, &held_actions),
            ..base
        },
        Some(Concept::MixedNash) => {
            let sol = nash::equilibria_held(&g.binary(), &held_bits);
            Target {
                profiles: sol.equilibria.into_iter().map(|e| e.q).collect(),
                method: Method::SupportEnumeration,
                complete: sol.complete,
                ..base
            }
        }
        Some(Concept::Cce) => {
            let space = match g.actions {
                crate::race::Actions::Discrete => Space::Grid(vec![0.0, 1.0]),
                crate::race::Actions::Continuous => Space::Interval(0.0, 1.0),
            };
            // Each lab's deviations range over the actions its rule's
            // limit names (a rule without a finite limit: the default
            // grid of an interval, a finite set as it is).
            let actions = free
                .iter()
                .map(|&i| {
                    let acts = rules[i]
                        .limit()
                        .actions(&space)
                        .unwrap_or_else(|| space.points(POINTS.default as usize));
                    (i, acts)
                })
                .collect();
            // The time-averaged marginals are compared with the Nash set
            // where it is listed.
            let (profiles, complete) = if g.actions == crate::race::Actions::Discrete
                && g.n() <= crate::limits::MAX_MIXED_NE_LABS
            {
                let sol = nash::equilibria_held(&g.binary(), &held_bits);
                (
                    sol.equilibria.into_iter().map(|e| e.q).collect(),
                    sol.complete,
                )
            } else {
                (Vec::new(), false)
            };
            Target {
                profiles,
                method: Method::SupportEnumeration,
                complete,
                spec: Spec::Cce(actions),
                ..base
            }
        }
        Some(Concept::Qre) => {
            let tau: Vec<f64> = rules
                .iter()
                .map(|r| match r.limit() {
                    Limit::Logit { temperature, .. } => temperature,
                    _ => f64::NAN,
                })
                .collect();
            let free_tau: Vec<(usize, f64)> = free.iter().map(|&i| (i, tau[i])).collect();
            let one = free_tau
                .first()
                .map(|t| t.1)
                .filter(|t0| free_tau.iter().all(|t| t.1 == *t0));
            match qre::logit_qre_held(&g.binary(), &tau, &held_bits) {
                Ok(q) => Target {
                    profiles: vec![q],
                    method: Method::LogitPath,
                    temperature: one,
                    spec: Spec::Qre(free_tau),
                    ..base
                },
                Err(_) => Target {
                    method: Method::LogitPath,
                    temperature: one,
                    complete: false,
                    spec: Spec::Qre(free_tau),
                    ..base
                },
            }
        }
        // No rule of a simultaneous game converges to these: judged as
        // rules without a common concept are.
        Some(Concept::Spe | Concept::OptimalRegulation) => Target {
            concept: None,
            spec: Spec::Nothing,
            ..base
        },
    }
}

/// Pure NE of the discrete race with some labs held: every profile of the
/// free labs, each free lab's switch checked.
fn held_pure_equilibria(g: &RaceGame, held: &[Option<f64>]) -> Vec<Vec<f64>> {
    let n = g.n();
    let free: Vec<usize> = (0..n).filter(|&i| held[i].is_none()).collect();
    let mut out = Vec::new();
    let mut x: Vec<f64> = held.iter().map(|a| a.unwrap_or(0.0)).collect();
    let mut p = vec![0.0; n];
    for bits in 0..(1u64 << free.len()) {
        for (k, &i) in free.iter().enumerate() {
            x[i] = ((bits >> k) & 1) as f64;
        }
        g.progress_into(&x, &mut p);
        let stable = free.iter().all(|&i| {
            g.deviation_utility(i, 1.0 - x[i], x[i], &p) - g.deviation_utility(i, x[i], x[i], &p)
                <= NE_TOL
        });
        if stable {
            out.push(x.clone());
        }
    }
    out
}
