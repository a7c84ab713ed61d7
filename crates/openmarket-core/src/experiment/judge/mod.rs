//! What a point's runs are judged against (docs/model.md §C): the solution
//! concept its agents' rules converge to, computed exactly for the agents
//! actually present — with every `fixed` agent held at its action, on the
//! grids the rules choose from, at the rules' temperatures — and the check
//! that measures a run's gap to it every iteration.
//!
//! | rules (race) | concept | target | gap |
//! |---|---|---|---|
//! | best response, ε-greedy, gradient, mean response, zeroth order | pure Nash | pure NE of the held game | NashConv |
//! | fictitious play | mixed Nash | every NE of the held game | NashConv of the empirical mixed profile |
//! | logit | QRE | the logit QRE at the labs' temperatures | logit residual |
//! | Hedge, EXP3 | CCE | (marginals vs. every NE) | CCE gap of the empirical joint play |
//!
//! In the openness market the target is the subgame-perfect outcome for
//! the agents present: G's best ω (over [0, 1], or over its grid for EXP3)
//! against D's limiting response — its exact best response, the action it
//! holds, the best action of its grid (Hedge, EXP3) or the mean of its
//! logit response — or, for a logit G, its logit response to those values
//! on its grid (a QRE of G's decision problem).

mod sector;

pub use sector::sector;

use crate::concept::Concept;
use crate::config::ModelConfig;
use crate::dynamics::games::OpennessMarket;
use crate::dynamics::rules::RuleConfig;
use crate::dynamics::{Check, Dynamics, LearningGame, Space};
use crate::finite::{nash, qre};
use crate::math::{Poly3, maximize_1d};
use crate::method::Method;
use crate::openness::{OpennessGame, PenaltyForm, Regulation, regulated_choice};
use crate::race::{NE_TOL, RaceGame};

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
    spec: Spec,
}

#[derive(Clone, Debug, PartialEq)]
enum Spec {
    /// NashConv over the free agents.
    NashConv(Vec<usize>),
    /// The logit residual of the free agents, at their temperatures.
    Qre(Vec<(usize, f64)>),
    /// The CCE gap over the free agents' action lists.
    Cce(Vec<(usize, Vec<f64>)>),
    /// The openness market.
    Market(Box<MarketSpec>),
    /// A sector of specialists.
    Sector(Box<sector::SectorSpec>),
    /// No common concept: NashConv, reported, never "converged".
    Nothing,
}

/// How D answers ω in the limit of its rule (what G is judged against).
#[derive(Clone, Debug, PartialEq)]
enum Follower {
    /// α1*(ω).
    Exact,
    /// `fixed`.
    Constant(f64),
    /// The best action of its grid (Hedge, EXP3).
    GridBest(Vec<f64>),
    /// The mean of its logit response over its grid.
    LogitMean(Vec<f64>, f64),
}

#[derive(Clone, Debug, PartialEq)]
struct MarketSpec {
    game: OpennessGame,
    delta: f64,
    follower: Follower,
    /// G's best value over its domain, unless G is held.
    best: Option<f64>,
    /// A logit G's grid and target distribution.
    qre: Option<(Vec<f64>, Vec<f64>)>,
    /// The profile last played: D responds to the ω G played, which for
    /// some rules is not G's reported outcome (its mode, mean or centre).
    played: [f64; 2],
}

impl MarketSpec {
    fn respond(&self, omega: f64) -> f64 {
        let g = &self.game;
        match &self.follower {
            Follower::Exact => g.alpha1_at(self.delta, omega),
            Follower::Constant(a) => *a,
            Follower::GridBest(grid) => {
                let mut best = (grid[0], f64::NEG_INFINITY);
                for &a in grid {
                    let u = g.u_d(self.delta, omega, a);
                    if u > best.1 {
                        best = (a, u);
                    }
                }
                best.0
            }
            Follower::LogitMean(grid, tau) => {
                logit_mean(grid, |a| g.u_d(self.delta, omega, a), *tau)
            }
        }
    }

    /// G's realised value at ω against D's limiting response.
    fn value(&self, omega: f64) -> f64 {
        self.game.u_g(self.delta, omega, self.respond(omega))
    }

    /// D's gain at (ω, α1) against its limiting response.
    fn follower_gain(&self, omega: f64, alpha1: f64) -> f64 {
        let g = &self.game;
        match &self.follower {
            Follower::Exact => {
                let d = alpha1 - g.alpha1_at(self.delta, omega);
                g.c1 * d * d / (1.0 + g.kappa * omega)
            }
            Follower::GridBest(_) => {
                let best = self.respond(omega);
                (g.u_d(self.delta, omega, best) - g.u_d(self.delta, omega, alpha1)).max(0.0)
            }
            // D holds its action, or plays samples of its target response.
            Follower::Constant(_) | Follower::LogitMean(..) => 0.0,
        }
    }
}

/// Why a point's target cannot be computed (found when the plan is
/// validated, before anything runs).
pub fn unsupported(config: &crate::config::Config) -> Result<(), String> {
    let Some(d) = &config.dynamics else {
        return Ok(());
    };
    let ModelConfig::Race(g) = &config.model else {
        return Ok(());
    };
    let rules = d.rules(g.n());
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

/// The concept the free agents' rules share (`fixed` agents excluded).
fn common_concept(rules: &[RuleConfig]) -> Option<Concept> {
    let mut concepts = rules.iter().filter(|r| !r.is_fixed()).map(|r| r.concept());
    let first = concepts.next().unwrap_or(Concept::PureNash);
    concepts.all(|c| c == first).then_some(first)
}

/// The held agents' actions (discrete race: as bits).
fn held_of(rules: &[RuleConfig]) -> Vec<Option<f64>> {
    rules
        .iter()
        .map(|r| match r {
            RuleConfig::Fixed(f) => Some(f.action),
            _ => None,
        })
        .collect()
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
            let actions = free
                .iter()
                .map(|&i| {
                    let points = match rules[i] {
                        RuleConfig::Hedge(h) => h.points,
                        RuleConfig::Exp3(e) => e.points,
                        _ => unreachable!("only no-regret rules share the CCE concept"),
                    };
                    let space = match g.actions {
                        crate::race::Actions::Discrete => Space::Grid(vec![0.0, 1.0]),
                        crate::race::Actions::Continuous => Space::Interval(0.0, 1.0),
                    };
                    (i, space.points(points))
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
                .map(|r| match r {
                    RuleConfig::Logit(l) => l.temperature,
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
        Some(Concept::Spe | Concept::OptimalRegulation) => {
            unreachable!("the race has no leader and no regulator")
        }
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

/// The target of the openness market at δ for the rules (G, D).
pub fn market(game: &OpennessGame, delta: f64, rules: &[RuleConfig]) -> Target {
    let market = OpennessMarket::new(*game, delta, 1);
    let follower = follower_of(&rules[1], market.space(1));
    let mut spec = MarketSpec {
        game: *game,
        delta,
        follower,
        best: None,
        qre: None,
        played: [f64::NAN; 2],
    };
    let mut held = Vec::new();
    if rules[0].is_fixed() {
        held.push(0);
    }
    if rules[1].is_fixed() {
        held.push(1);
    }
    let leader = match leader_on_grid(&rules[0], market.space(0), |w| spec.value(w)) {
        Some(t) => t,
        None => {
            let (w, v, method) = interval_best(&spec);
            LeaderTarget::searched(w, v, method)
        }
    };
    spec.best = leader.best;
    spec.qre = leader.qre.clone();
    let LeaderTarget {
        omega,
        concept,
        distribution,
        temperature,
        method,
        ..
    } = leader;
    let profile = match &spec.qre {
        // The expected response under G's target distribution.
        Some((grid, p)) => vec![
            omega,
            grid.iter().zip(p).map(|(w, q)| q * spec.respond(*w)).sum(),
        ],
        None => vec![omega, spec.respond(omega)],
    };
    let is_equilibria = held.is_empty()
        && spec.follower == Follower::Exact
        && concept == Concept::Spe
        && method == Method::ClosedForm;
    Target {
        concept: Some(concept),
        profiles: vec![profile],
        distribution,
        held,
        temperature,
        method,
        complete: true,
        is_equilibria,
        spec: Spec::Market(Box::new(spec)),
    }
}

/// The mean action of the logit response to `value` over `grid` at
/// temperature τ, without allocating (it runs every iteration).
fn logit_mean(grid: &[f64], value: impl Fn(f64) -> f64, tau: f64) -> f64 {
    let top = grid
        .iter()
        .map(|&a| value(a) / tau)
        .fold(f64::NEG_INFINITY, f64::max);
    let (mut total, mut mean) = (0.0, 0.0);
    for &a in grid {
        let w = (value(a) / tau - top).exp();
        total += w;
        mean += a * w;
    }
    mean / total
}

/// The logit response to `value` over `grid` at temperature τ.
fn logit_distribution(grid: &[f64], value: impl Fn(f64) -> f64, tau: f64) -> Vec<f64> {
    let mut p: Vec<f64> = grid.iter().map(|&w| value(w) / tau).collect();
    let top = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for v in p.iter_mut() {
        *v = (*v - top).exp();
        total += *v;
    }
    for v in p.iter_mut() {
        *v /= total;
    }
    p
}

/// How a follower answers in the limit of its rule, on its action set.
fn follower_of(rule: &RuleConfig, space: &Space) -> Follower {
    match rule {
        RuleConfig::Fixed(f) => Follower::Constant(f.action),
        RuleConfig::Hedge(h) => Follower::GridBest(space.points(h.points)),
        RuleConfig::Exp3(e) => Follower::GridBest(space.points(e.points)),
        RuleConfig::Logit(l) => Follower::LogitMean(space.points(l.points), l.temperature),
        _ => Follower::Exact,
    }
}

/// G's part of a market's target.
struct LeaderTarget {
    omega: f64,
    concept: Concept,
    distribution: Option<Vec<f64>>,
    temperature: Option<f64>,
    method: Method,
    /// G's best value, for the Stackelberg gap.
    best: Option<f64>,
    /// A logit G's grid and target distribution.
    qre: Option<(Vec<f64>, Vec<f64>)>,
}

impl LeaderTarget {
    /// The best ω over [0, 1], found by `method`, worth `value`.
    fn searched(omega: f64, value: f64, method: Method) -> Self {
        LeaderTarget {
            omega,
            concept: Concept::Spe,
            distribution: None,
            temperature: None,
            method,
            best: Some(value),
            qre: None,
        }
    }
}

/// G's target when its rule fixes it by `value` (its realised value at ω
/// against the followers' limiting responses) alone: a held action, the
/// best ω of EXP3's grid, a logit G's response on its grid. `None` for the
/// rules judged against the best ω over [0, 1].
fn leader_on_grid(
    rule: &RuleConfig,
    space: &Space,
    value: impl Fn(f64) -> f64,
) -> Option<LeaderTarget> {
    match rule {
        // Held: nothing to fall short of.
        RuleConfig::Fixed(f) => Some(LeaderTarget {
            best: None,
            ..LeaderTarget::searched(f.action, 0.0, Method::ClosedForm)
        }),
        RuleConfig::Exp3(e) => {
            let (w, v) = grid_best(&space.points(e.points), value);
            Some(LeaderTarget::searched(w, v, Method::LeaderSearch))
        }
        RuleConfig::Logit(l) => {
            let grid = space.points(l.points);
            let p = logit_distribution(&grid, value, l.temperature);
            let mean = grid.iter().zip(&p).map(|(w, q)| w * q).sum();
            Some(LeaderTarget {
                omega: mean,
                concept: Concept::Qre,
                distribution: Some(p.clone()),
                temperature: Some(l.temperature),
                method: Method::LeaderSearch,
                best: None,
                qre: Some((grid, p)),
            })
        }
        _ => None,
    }
}

/// The first best point of a grid.
fn grid_best(grid: &[f64], f: impl Fn(f64) -> f64) -> (f64, f64) {
    let mut best = (grid[0], f64::NEG_INFINITY);
    for &w in grid {
        let v = f(w);
        if v > best.1 {
            best = (w, v);
        }
    }
    best
}

/// G's best ω over [0, 1] against D's limiting response: exact when that
/// response is a polynomial (D's best response, a held action), by a
/// bracketed search on each side of the threshold otherwise.
fn interval_best(spec: &MarketSpec) -> (f64, f64, Method) {
    let g = &spec.game;
    let poly = match spec.follower {
        Follower::Exact => Some(g.response_poly(spec.delta)),
        Follower::Constant(a) => Some(Poly3::constant(a)),
        _ => None,
    };
    if let Some(response) = poly {
        let v = g.leader_value(spec.delta, response);
        let c = regulated_choice(&v, g.regulation);
        return (c.omega, c.value, Method::ClosedForm);
    }
    let best = penalised_search(
        |x| g.u_g(spec.delta, x, spec.respond(x)) + g.penalty_at(x),
        g.regulation,
    );
    (best.0, best.1, Method::LeaderSearch)
}

/// The best ω over [0, 1] of `value` (G's value without penalty) less the
/// penalty, by a bracketed search on each side of the threshold: a fixed
/// penalty jumps at θ (paid on [0, θ), none on [θ, 1]; the better side
/// wins, compliance on ties, as in the SPE); a proportional one is
/// continuous.
fn penalised_search(value: impl Fn(f64) -> f64, regulation: Option<Regulation>) -> (f64, f64) {
    let search = |lo: f64, hi: f64, pen: &dyn Fn(f64) -> f64| {
        maximize_1d(|x| value(x) - pen(x), lo, hi, 512, 1e-11)
    };
    match regulation {
        Some(r) if r.form == PenaltyForm::Fixed && r.theta > 0.0 => {
            let pay = search(0.0, r.theta, &|_| r.penalty);
            let comply = if r.theta < 1.0 {
                search(r.theta, 1.0, &|_| 0.0)
            } else {
                (1.0, value(1.0))
            };
            if comply.1 >= pay.1 - 1e-12 * (1.0 + pay.1.abs()) {
                comply
            } else {
                pay
            }
        }
        Some(r) if r.form == PenaltyForm::Proportional => search(0.0, 1.0, &|x| r.penalty_at(x)),
        _ => search(0.0, 1.0, &|_| 0.0),
    }
}

impl Target {
    /// L∞ distance from a run's outcome to the target (for a logit
    /// generalist, between its distribution and the target's); `None` when
    /// there is no target to be near.
    pub fn distance(&self, outcome: &[f64], rules: &[Box<dyn Dynamics>]) -> Option<f64> {
        if let (Some(target), Some(d)) = (&self.distribution, rules[0].distribution()) {
            return Some(linf(target, d));
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
            Spec::Market(m) => Box::new(m.as_ref().clone()),
            Spec::Sector(m) => Box::new(m.as_ref().clone()),
        }
    }

    /// Whether a run with this target can converge (a target exists).
    pub fn exists(&self) -> bool {
        self.concept.is_some() && (!self.profiles.is_empty() || self.distribution.is_some())
    }

    /// How the held agents are named in the output.
    pub fn held_label(&self, model: &ModelConfig) -> Option<String> {
        (!self.held.is_empty()).then(|| {
            self.held
                .iter()
                .map(|&i| match model {
                    ModelConfig::Openness(_) => ["generalist", "specialist"][i].to_string(),
                    ModelConfig::Sector(_) if i == 0 => "generalist".to_string(),
                    ModelConfig::Sector(_) => format!("specialist {}", i - 1),
                    ModelConfig::Race(_) => format!("lab {i}"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
    }
}

fn linf(a: &[f64], b: &[f64]) -> f64 {
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

impl Check for MarketSpec {
    fn observe(&mut self, _: &dyn LearningGame, played: &[f64]) {
        self.played = [played[0], played[1]];
    }
    /// G's gap at its outcome (or its distribution's distance to the
    /// target's) plus D's gain at the profile played.
    fn gap(&self, _: &dyn LearningGame, judged: &[f64], rules: &[Box<dyn Dynamics>]) -> f64 {
        let leader = match (&self.qre, self.best) {
            (Some((_, target)), _) => rules[0]
                .distribution()
                .map_or(f64::INFINITY, |d| linf(target, d)),
            (None, Some(best)) => (best - self.value(judged[0])).max(0.0),
            (None, None) => 0.0,
        };
        let [omega, alpha1] = if self.played[0].is_nan() {
            [judged[0], judged[1]]
        } else {
            self.played
        };
        leader + self.follower_gain(omega, alpha1)
    }
}
