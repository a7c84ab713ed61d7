//! What a normal-form game's runs are judged against: its pure equilibria
//! (with `fixed` players held), every mixed equilibrium (fictitious play),
//! or the CCE gap (Hedge, EXP3). A mixed target's profiles are flat: every
//! player's probabilities one after another, in the strategies' order.

use std::cell::RefCell;
use std::sync::Arc;

use super::NormalForm;
use crate::concept::Concept;
use crate::dynamics::rules::RuleConfig;
use crate::dynamics::{Check, Dynamics, LearningGame};
use crate::finite::{Mixed, support};
use crate::judge::{FamilyCheck, Spec, Target, common_concept, held_of, strategies};
use crate::method::Method;

/// Why a point's target cannot be computed, or its rules not judged.
pub fn unsupported(g: &NormalForm, rules: &[RuleConfig]) -> Result<(), String> {
    let held = rules.iter().any(RuleConfig::is_fixed);
    match common_concept(rules) {
        Some(Concept::MixedNash) if held => Err(
            "a `fixed` player beside fictitious play: the held game's mixed equilibria are not computed for normal_form games; hold no player, or use best_response, hedge or exp3".into(),
        ),
        Some(Concept::MixedNash) => {
            let free = support::free_probabilities(&g.game);
            if free > support::MAX_FREE {
                Err(format!(
                    "fictitious play is judged against every mixed Nash equilibrium, listed for at most {} free probabilities; this game has {free}",
                    support::MAX_FREE
                ))
            } else {
                Ok(())
            }
        }
        Some(Concept::Qre) => Err(
            "logit on a normal_form game: its dynamics are defined for two-action games (the race) only so far; use fictitious_play, hedge, exp3 or best_response".into(),
        ),
        _ => Ok(()),
    }
}

/// The target of a normal-form game's runs.
pub fn target(g: &NormalForm, rules: &[RuleConfig]) -> Target {
    let n = g.players();
    let held_actions = held_of(rules);
    let held: Vec<usize> = (0..n).filter(|&i| held_actions[i].is_some()).collect();
    let free: Vec<usize> = (0..n).filter(|&i| held_actions[i].is_none()).collect();
    let concept = common_concept(rules);
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
        Some(Concept::PureNash) if held.is_empty() => Target {
            profiles: pure(g, &held_actions),
            is_equilibria: true,
            ..base
        },
        Some(Concept::PureNash) => Target {
            profiles: pure(g, &held_actions),
            ..base
        },
        Some(Concept::MixedNash) => match support::equilibria(&g.game) {
            Ok(sol) => Target {
                profiles: sol
                    .equilibria
                    .into_iter()
                    .map(|e| e.strategies.concat())
                    .collect(),
                method: Method::SupportEnumeration,
                complete: sol.complete,
                strategies: Some(g.sizes()),
                spec: Spec::Family(Arc::new(MixedNashConv { sizes: g.sizes() })),
                ..base
            },
            Err(_) => Target {
                concept: None,
                spec: Spec::Nothing,
                ..base
            },
        },
        Some(Concept::Cce) => Target {
            spec: Spec::Cce(
                free.iter()
                    .map(|&i| (i, (0..g.sizes()[i]).map(|a| a as f64).collect()))
                    .collect(),
            ),
            ..base
        },
        _ => Target {
            concept: None,
            spec: Spec::Nothing,
            ..base
        },
    }
}

/// Every pure equilibrium with each held player at its action (as
/// strategy indices): the free players' deviations checked exactly.
fn pure(g: &NormalForm, held: &[Option<f64>]) -> Vec<Vec<f64>> {
    g.game
        .pure_equilibria_held(
            crate::finite::nfg::PURE_TOL,
            &held
                .iter()
                .map(|a| a.map(|x| x as usize))
                .collect::<Vec<_>>(),
        )
        .into_iter()
        .map(|p| p.into_iter().map(|a| a as f64).collect())
        .collect()
}

/// NashConv of the profile of the agents' mixed strategies.
#[derive(Debug)]
struct MixedNashConv {
    sizes: Vec<usize>,
}

impl FamilyCheck for MixedNashConv {
    fn check(&self) -> Box<dyn Check> {
        Box::new(MixedCheck {
            sizes: self.sizes.clone(),
            sigma: RefCell::new(Mixed::uniform(&self.sizes)),
            values: RefCell::new(vec![0.0; self.sizes.iter().copied().max().unwrap_or(0)]),
        })
    }
}

struct MixedCheck {
    sizes: Vec<usize>,
    sigma: RefCell<Mixed>,
    values: RefCell<Vec<f64>>,
}

impl Check for MixedCheck {
    fn gap(&self, game: &dyn LearningGame, judged: &[f64], rules: &[Box<dyn Dynamics>]) -> f64 {
        let mut sigma = self.sigma.borrow_mut();
        let mut values = self.values.borrow_mut();
        strategies(&self.sizes, judged, rules, &mut sigma);
        let mut total = 0.0;
        for (i, &k) in self.sizes.iter().enumerate() {
            let v = &mut values[..k];
            game.expected_payoffs(i, &sigma, v);
            let best = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let here: f64 = v.iter().zip(sigma.agent(i)).map(|(u, p)| u * p).sum();
            total += (best - here).max(0.0);
        }
        total
    }
}
