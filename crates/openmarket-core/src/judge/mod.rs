//! What a point's runs are judged against (docs/model.md §C), the part
//! common to every family: a [`Target`] — the solution concept its agents'
//! rules converge to, computed exactly by the family for the agents
//! actually present (every `fixed` agent held at its action, on the grids
//! the rules choose from, at the rules' temperatures) — and the checks that
//! measure a run's gap to it every iteration. This is the only place, with
//! each family's own part (`race::judge`, `openness::judge`), where a
//! solver's output becomes a check; rules never see it.
//!
//! | rules (simultaneous game) | concept | gap |
//! |---|---|---|
//! | best response, ε-greedy, gradient, mean response, zeroth order | pure Nash | NashConv |
//! | fictitious play | mixed Nash | NashConv of the empirical mixed profile |
//! | logit | QRE | logit residual |
//! | Hedge, EXP3 | CCE | CCE gap of the empirical joint play |

use std::sync::Arc;

use rand_chacha::ChaCha8Rng;

use crate::concept::Concept;
use crate::dynamics::rules::{Context, Limit, RuleConfig};
use crate::dynamics::{
    Check, Dynamics, DynamicsConfig, LearningGame, Observer, RunResult, Setup, Space, run,
};
use crate::family::Simulated;
use crate::method::Method;

/// A point's target.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// The concept, or `None` when the agents' rules share none.
    pub concept: Option<Concept>,
    /// The target's profiles, in the runs' outcome coordinates.
    pub profiles: Vec<Vec<f64>>,
    /// A logit generalist's target distribution over its grid.
    pub distribution: Option<Vec<f64>>,
    /// The agents a `fixed` rule holds.
    pub held: Vec<usize>,
    /// The temperature of a QRE target with one temperature.
    pub temperature: Option<f64>,
    /// How the target was computed.
    pub method: Method,
    /// False when the listing may miss part of the target (a degenerate game).
    pub complete: bool,
    /// The target is the point's own equilibrium set (no extra rows).
    pub is_equilibria: bool,
    /// A normal-form game's mixed target: its profiles are every player's
    /// probabilities one after another (players of these sizes), and a
    /// run's outcome is compared as its agents' mixed strategies.
    pub strategies: Option<Vec<usize>>,
    pub(crate) spec: Spec,
}

#[derive(Clone, Debug)]
pub(crate) enum Spec {
    /// NashConv over the free agents.
    NashConv(Vec<usize>),
    /// The logit residual of the free agents, at their temperatures.
    Qre(Vec<(usize, f64)>),
    /// The CCE gap over the free agents' action lists.
    Cce(Vec<(usize, Vec<f64>)>),
    /// A family's own check.
    Family(Arc<dyn FamilyCheck>),
    /// No common concept: NashConv, reported, never "converged".
    Nothing,
}

/// A family's own per-iteration check (the openness market's Stackelberg
/// gap), built afresh for every run from what the family computed once per
/// point.
pub trait FamilyCheck: std::fmt::Debug + Send + Sync {
    /// A fresh check for one run.
    fn check(&self) -> Box<dyn Check>;
}

impl PartialEq for Spec {
    fn eq(&self, other: &Spec) -> bool {
        match (self, other) {
            (Spec::NashConv(a), Spec::NashConv(b)) => a == b,
            (Spec::Qre(a), Spec::Qre(b)) => a == b,
            (Spec::Cce(a), Spec::Cce(b)) => a == b,
            (Spec::Nothing, Spec::Nothing) => true,
            // Two families' checks are equal when they hold the same values.
            (Spec::Family(a), Spec::Family(b)) => {
                Arc::ptr_eq(a, b) || format!("{a:?}") == format!("{b:?}")
            }
            _ => false,
        }
    }
}

/// One instance of each agent's rule, built for the agent's role, with
/// noise σ on the payoffs it observes and none on responses.
pub fn instances(
    game: &dyn LearningGame,
    rules: &[RuleConfig],
    noise: f64,
) -> Vec<Box<dyn Dynamics>> {
    instances_observing(game, rules, noise, 0.0)
}

/// [`instances`] with noise σ on the followers' responses a leader sees.
pub fn instances_observing(
    game: &dyn LearningGame,
    rules: &[RuleConfig],
    noise: f64,
    response_noise: f64,
) -> Vec<Box<dyn Dynamics>> {
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            r.build(&Context {
                noise,
                role: game.role(i),
                response_noise,
            })
        })
        .collect()
}

/// A run from a random start, monomorphised over the game, checked against
/// `target` every iteration; with its outcome's distance to the target and,
/// in a finite game, its agents' mixed strategies.
pub fn simulate<G: LearningGame>(
    game: &G,
    d: &DynamicsConfig,
    target: &Target,
    rng: &mut ChaCha8Rng,
    observer: &mut dyn Observer,
) -> Simulated {
    let start: Vec<f64> = (0..game.agents())
        .map(|i| game.space(i).sample(rng))
        .collect();
    let configs = d.rules(game.agents());
    let mut rules = instances_observing(game, &configs, d.noise, d.response_noise);
    let mut check = target.check();
    let stop = d.termination_for(target.concept);
    let result = run(
        game,
        &mut rules,
        start,
        Setup {
            schedule: d.schedule,
            stop: &stop,
            check: check.as_mut(),
        },
        rng,
        observer,
    );
    let distance = target.distance(&result.actions, &rules);
    // The slowest shape among the learning agents' rules, for their roles,
    // decides the run's statistic.
    let theory = configs
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.theory(game.role(i)))
        .reduce(|a, b| if b.kind > a.kind { b } else { a });
    let strategies = mixed_outcome(game, &result.actions, &rules);
    Simulated {
        result: RunResult { theory, ..result },
        distance,
        entrants: None,
        strategies,
    }
}

/// Each agent's mixed strategy over a finite game's actions at the end of a
/// run: where actions are labels, its rule's distribution (one per action)
/// or else its action one-hot; in a two-action game whose actions are
/// numbers (the discrete race), [1 − a, a], which is one-hot for a pure
/// action and the mixed strategy for a rule whose outcome is its
/// probability of action 1. `None` for continuous actions.
fn mixed_outcome(
    game: &dyn LearningGame,
    actions: &[f64],
    rules: &[Box<dyn Dynamics>],
) -> Option<Vec<Vec<f64>>> {
    (0..game.agents())
        .map(|i| match (game.role(i), game.space(i)) {
            (crate::dynamics::Role::Simultaneous { labels: true }, Space::Grid(g)) => {
                let mut s = vec![0.0; g.len()];
                fill_strategy(&mut s, rules[i].distribution(), actions[i]);
                Some(s)
            }
            (crate::dynamics::Role::Simultaneous { labels: false }, Space::Grid(g))
                if g.as_slice() == [0.0, 1.0] =>
            {
                Some(vec![1.0 - actions[i], actions[i]])
            }
            _ => None,
        })
        .collect()
}

/// The concept the free agents' rules share (`fixed` agents excluded).
pub(crate) fn common_concept(rules: &[RuleConfig]) -> Option<Concept> {
    let mut concepts = rules.iter().filter(|r| !r.is_fixed()).map(|r| r.concept());
    let first = concepts.next().unwrap_or(Concept::PureNash);
    concepts.all(|c| c == first).then_some(first)
}

/// The held agents' actions (discrete race: as bits).
pub(crate) fn held_of(rules: &[RuleConfig]) -> Vec<Option<f64>> {
    rules
        .iter()
        .map(|r| match r.limit() {
            Limit::Held(a) => Some(a),
            _ => None,
        })
        .collect()
}

impl Target {
    /// L∞ distance from a run's outcome to the target (for a logit
    /// generalist, between its distribution and the target's); `None` when
    /// there is no target to be near.
    pub fn distance(&self, outcome: &[f64], rules: &[Box<dyn Dynamics>]) -> Option<f64> {
        if let (Some(target), Some(d)) = (&self.distribution, rules[0].distribution()) {
            return Some(linf(target, d));
        }
        if let Some(sizes) = &self.strategies {
            let mut sigma = crate::finite::Mixed::uniform(sizes);
            strategies(sizes, outcome, rules, &mut sigma);
            return self
                .profiles
                .iter()
                .map(|t| linf(t, sigma.flat()))
                .reduce(f64::min);
        }
        self.profiles
            .iter()
            .map(|t| linf(t, outcome))
            .reduce(f64::min)
    }

    /// The per-iteration check of a run against this target.
    pub fn check(&self) -> Box<dyn Check> {
        match &self.spec {
            Spec::NashConv(free) => Box::new(NashConv {
                free: Some(free.clone()),
            }),
            Spec::Nothing => Box::new(NashConv { free: None }),
            Spec::Qre(free) => Box::new(QreResidual { free: free.clone() }),
            Spec::Cce(actions) => Box::new(CceGap::new(actions.clone())),
            Spec::Family(f) => f.check(),
        }
    }

    /// Whether a run with this target can converge (a target exists). The
    /// CCE gap needs no listed profile: the Nash set it lists where it can
    /// is for the marginals' distance only.
    pub fn exists(&self) -> bool {
        self.concept.is_some()
            && (!self.profiles.is_empty()
                || self.distribution.is_some()
                || matches!(self.spec, Spec::Cce(_)))
    }

    /// How the held agents are named in the output, each by `name`.
    pub fn held_label(&self, name: impl Fn(usize) -> String) -> Option<String> {
        (!self.held.is_empty()).then(|| {
            self.held
                .iter()
                .map(|&i| name(i))
                .collect::<Vec<_>>()
                .join(", ")
        })
    }
}

/// Each agent's mixed strategy: its rule's distribution where it keeps
/// one, else its played action for sure.
pub(crate) fn strategies(
    sizes: &[usize],
    judged: &[f64],
    rules: &[Box<dyn Dynamics>],
    out: &mut crate::finite::Mixed,
) {
    for i in 0..sizes.len() {
        fill_strategy(out.agent_mut(i), rules[i].distribution(), judged[i]);
    }
}

/// One agent's mixed strategy into `out`: its rule's distribution where it
/// keeps one over these actions, else its action (a strategy index) for
/// sure.
fn fill_strategy(out: &mut [f64], distribution: Option<&[f64]>, action: f64) {
    match distribution.filter(|d| d.len() == out.len()) {
        Some(d) => out.copy_from_slice(d),
        None => {
            out.fill(0.0);
            out[action as usize] = 1.0;
        }
    }
}

pub(crate) fn linf(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// NashConv over the free agents (all when `None`).
struct NashConv {
    free: Option<Vec<usize>>,
}

impl Check for NashConv {
    fn gap(&self, game: &dyn LearningGame, judged: &[f64], _: &[Box<dyn Dynamics>]) -> f64 {
        match &self.free {
            Some(free) => free.iter().map(|&i| game.max_gain(i, judged)).sum(),
            None => game.nash_conv(judged),
        }
    }
}

/// max_i |q_i − σ((u_i(1) − u_i(0))/τ_i)| over the free agents.
struct QreResidual {
    free: Vec<(usize, f64)>,
}

impl Check for QreResidual {
    fn gap(&self, game: &dyn LearningGame, judged: &[f64], _: &[Box<dyn Dynamics>]) -> f64 {
        self.free
            .iter()
            .map(|&(i, tau)| {
                let z = (game.payoff(i, 1.0, judged) - game.payoff(i, 0.0, judged)) / tau;
                (judged[i] - 1.0 / (1.0 + (-z).exp())).abs()
            })
            .fold(0.0, f64::max)
    }
}

/// The CCE gap of the empirical joint play: the largest average gain any
/// free agent would have had from one fixed action against everything the
/// others played.
struct CceGap {
    actions: Vec<(usize, Vec<f64>)>,
    cumulative: Vec<Vec<f64>>,
    realised: Vec<f64>,
    rounds: f64,
}

impl CceGap {
    fn new(actions: Vec<(usize, Vec<f64>)>) -> Self {
        CceGap {
            cumulative: actions.iter().map(|(_, a)| vec![0.0; a.len()]).collect(),
            realised: vec![0.0; actions.len()],
            actions,
            rounds: 0.0,
        }
    }
}

impl Check for CceGap {
    fn observe(&mut self, game: &dyn LearningGame, played: &[f64]) {
        self.rounds += 1.0;
        for (k, (i, acts)) in self.actions.iter().enumerate() {
            for (c, &a) in self.cumulative[k].iter_mut().zip(acts) {
                *c += game.payoff(*i, a, played);
            }
            self.realised[k] += game.payoff(*i, played[*i], played);
        }
    }
    fn gap(&self, _: &dyn LearningGame, _: &[f64], _: &[Box<dyn Dynamics>]) -> f64 {
        if self.rounds == 0.0 {
            return f64::INFINITY;
        }
        self.cumulative
            .iter()
            .zip(&self.realised)
            .map(|(c, r)| c.iter().copied().fold(f64::NEG_INFINITY, f64::max) - r)
            .fold(0.0, f64::max)
            / self.rounds
    }
}
