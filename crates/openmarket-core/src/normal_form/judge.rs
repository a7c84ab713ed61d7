//! What a normal-form game's runs are judged against: its pure equilibria,
//! every mixed equilibrium (fictitious play), the logit QRE (logit), or
//! the CCE gap (Hedge, EXP3), each with the `fixed` players held. A mixed target's profiles are flat: every
//! player's probabilities one after another, in the strategies' order.

use std::cell::RefCell;
use std::sync::Arc;

use super::NormalForm;
use crate::concept::Concept;
use crate::dynamics::rules::{Limit, RuleConfig};
use crate::dynamics::{Check, Dynamics, LearningGame};
use crate::finite::{Mixed, qre, support};
use crate::judge::{FamilyCheck, Spec, Target, common_concept, held_of, strategies};
use crate::method::Method;

/// Why a point's target cannot be computed, or its rules not judged.
pub fn unsupported(g: &NormalForm, rules: &[RuleConfig]) -> Result<(), String> {
    let held = held_indices(&held_of(rules));
    match common_concept(rules) {
        Some(Concept::MixedNash) => {
            let free = support::free_probabilities(&g.game.restricted(&held));
            if free > support::MAX_FREE {
                Err(format!(
                    "fictitious play is judged against every mixed Nash equilibrium, listed for at most {} free probabilities; this game has {free}",
                    support::MAX_FREE
                ))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

/// The held players' strategy indices (actions are indices by construction).
fn held_indices(held: &[Option<f64>]) -> Vec<Option<usize>> {
    held.iter().map(|a| a.map(|x| x as usize)).collect()
}

/// The target of a normal-form game's runs: the game with its `fixed`
/// players held is the table restricted to their strategies, solved as any
/// table, its answers put back in the whole game's strategies.
pub fn target(g: &NormalForm, rules: &[RuleConfig]) -> Target {
    let n = g.players();
    let held_actions = held_of(rules);
    let held_at = held_indices(&held_actions);
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
    let mixed = |profiles: Vec<Vec<Vec<f64>>>| -> Vec<Vec<f64>> {
        profiles
            .into_iter()
            .map(|s| g.game.expand(&held_at, &s).concat())
            .collect()
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
        Some(Concept::MixedNash) => match support::equilibria(&g.game.restricted(&held_at)) {
            Ok(sol) => Target {
                profiles: mixed(sol.equilibria.into_iter().map(|e| e.strategies).collect()),
                method: Method::SupportEnumeration,
                complete: sol.complete,
                strategies: Some(g.sizes()),
                spec: Spec::Family(Arc::new(MixedNashConv {
                    sizes: g.sizes(),
                    free: free.clone(),
                })),
                ..base
            },
            Err(_) => Target {
                concept: None,
                spec: Spec::Nothing,
                ..base
            },
        },
        Some(Concept::Qre) => {
            let tau: Vec<f64> = rules
                .iter()
                .map(|r| match r.limit() {
                    Limit::Logit { temperature, .. } => temperature,
                    // A held player's temperature is never used: its one
                    // strategy is its logit response at any.
                    _ => 1.0,
                })
                .collect();
            let one = free
                .first()
                .map(|&i| tau[i])
                .filter(|t0| free.iter().all(|&i| tau[i] == *t0));
            let spec = Spec::Family(Arc::new(TableQre {
                sizes: g.sizes(),
                free: free.iter().map(|&i| (i, tau[i])).collect(),
            }));
            match qre::logit_qre_table(&g.game.restricted(&held_at), &tau) {
                Ok(q) => Target {
                    profiles: mixed(vec![q]),
                    method: Method::LogitPath,
                    temperature: one,
                    strategies: Some(g.sizes()),
                    spec,
                    ..base
                },
                Err(_) => Target {
                    method: Method::LogitPath,
                    temperature: one,
                    complete: false,
                    strategies: Some(g.sizes()),
                    spec,
                    ..base
                },
            }
        }
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

/// NashConv of the profile of the agents' mixed strategies, over the free
/// players.
#[derive(Debug)]
struct MixedNashConv {
    sizes: Vec<usize>,
    free: Vec<usize>,
}

impl FamilyCheck for MixedNashConv {
    fn check(&self) -> Box<dyn Check> {
        Box::new(MixedCheck {
            sizes: self.sizes.clone(),
            free: self.free.clone(),
            sigma: RefCell::new(Mixed::uniform(&self.sizes)),
            values: RefCell::new(vec![0.0; self.sizes.iter().copied().max().unwrap_or(0)]),
        })
    }
}

struct MixedCheck {
    sizes: Vec<usize>,
    free: Vec<usize>,
    sigma: RefCell<Mixed>,
    values: RefCell<Vec<f64>>,
}

impl Check for MixedCheck {
    fn gap(&self, game: &dyn LearningGame, judged: &[f64], rules: &[Box<dyn Dynamics>]) -> f64 {
        let mut sigma = self.sigma.borrow_mut();
        let mut values = self.values.borrow_mut();
        strategies(&self.sizes, judged, rules, &mut sigma);
        let mut total = 0.0;
        for &i in &self.free {
            let v = &mut values[..self.sizes[i]];
            game.expected_payoffs(i, &sigma, v);
            let best = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let here: f64 = v.iter().zip(sigma.agent(i)).map(|(u, p)| u * p).sum();
            total += (best - here).max(0.0);
        }
        total
    }
}

/// The logit residual of the agents' mixed strategies, over the free
/// players at their temperatures: max |σ_i(a) − softmax(u_i/τ_i)(a)|, 0
/// exactly at a QRE.
#[derive(Debug)]
struct TableQre {
    sizes: Vec<usize>,
    free: Vec<(usize, f64)>,
}

impl FamilyCheck for TableQre {
    fn check(&self) -> Box<dyn Check> {
        let most = self.sizes.iter().copied().max().unwrap_or(0);
        Box::new(QreCheck {
            sizes: self.sizes.clone(),
            free: self.free.clone(),
            sigma: RefCell::new(Mixed::uniform(&self.sizes)),
            values: RefCell::new(vec![0.0; most]),
            response: RefCell::new(vec![0.0; most]),
        })
    }
}

struct QreCheck {
    sizes: Vec<usize>,
    free: Vec<(usize, f64)>,
    sigma: RefCell<Mixed>,
    values: RefCell<Vec<f64>>,
    response: RefCell<Vec<f64>>,
}

impl Check for QreCheck {
    fn gap(&self, game: &dyn LearningGame, judged: &[f64], rules: &[Box<dyn Dynamics>]) -> f64 {
        let mut sigma = self.sigma.borrow_mut();
        let mut values = self.values.borrow_mut();
        let mut response = self.response.borrow_mut();
        strategies(&self.sizes, judged, rules, &mut sigma);
        let mut worst: f64 = 0.0;
        for &(i, tau) in &self.free {
            let k = self.sizes[i];
            let (v, r) = (&mut values[..k], &mut response[..k]);
            game.expected_payoffs(i, &sigma, v);
            let top = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mut total = 0.0;
            for (x, u) in r.iter_mut().zip(v.iter()) {
                *x = ((u - top) / tau).exp();
                total += *x;
            }
            for (x, p) in r.iter().zip(sigma.agent(i)) {
                worst = worst.max((x / total - p).abs());
            }
        }
        worst
    }
}
