//! How a regulator learns (θ, p) from the objective it observes after each
//! round of market learning (`[dynamics.regulator] rule = ...`). It sees
//! nothing else: not the SPE, not the agents' rules.
//!
//! - `ucb1` (Auer, Cesa-Bianchi and Fischer 2002) over a k × k grid of the
//!   box (k = 9), refined: after 2k² steps the grid shrinks to the two
//!   cells around its best arm, `rounds` times (4), each time by a factor
//!   (k − 1)/2. Until every arm of a new grid has been tried, the
//!   recommendation stays the previous grid's best.
//! - `hedge`: exponential weights over the same refined grid, with bandit
//!   feedback (the regulator sees only the regulation it tried), so an
//!   importance-weighted estimate against a running baseline (EXP3).
//! - `spsa` (Spall 1992): simultaneous-perturbation gradient ascent in the
//!   box's unit coordinates, two steps per gradient estimate, with Spall's
//!   gain sequences a_k = step/(k + 10)^0.602, c_k = spread/k^0.101.
//! - `fixed`: holds (θ, p).

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

use super::SearchBox;
use crate::domain::Domain;

/// A regulator's rule, as `[dynamics.regulator]` gives it.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, strum::IntoStaticStr, strum::AsRefStr)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
#[strum(serialize_all = "snake_case")]
pub enum RegulatorRule {
    /// UCB1 over a refined grid.
    Ucb1(Grid),
    /// Exponential weights with bandit feedback over a refined grid.
    Hedge(Grid),
    /// Simultaneous-perturbation gradient ascent.
    Spsa(Spsa),
    /// Holds (θ, p).
    Fixed(Held),
}

/// A refined grid of arms.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    /// Arms per axis, k (k² arms).
    #[serde(default = "nine")]
    pub points: u64,
    /// Refinements of the grid around its best arm.
    #[serde(default = "four")]
    pub rounds: u64,
    /// `hedge`: the learning rate on the objective's scale.
    #[serde(default = "fifty")]
    pub eta: f64,
    /// `hedge`: the share of uniform exploration.
    #[serde(default = "gamma")]
    pub gamma: f64,
}

/// SPSA's gains.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spsa {
    /// a in a_k = a/(k + 10)^0.602 (unit coordinates per unit objective).
    #[serde(default = "half")]
    pub step: f64,
    /// c in c_k = c/k^0.101 (unit coordinates).
    #[serde(default = "tenth")]
    pub spread: f64,
}

/// A held regulation.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Held {
    /// θ.
    pub theta: f64,
    /// p.
    pub penalty: f64,
}

fn nine() -> u64 {
    9
}
fn four() -> u64 {
    4
}
fn fifty() -> f64 {
    50.0
}
fn gamma() -> f64 {
    0.1
}
fn half() -> f64 {
    0.5
}
fn tenth() -> f64 {
    0.1
}

impl Default for RegulatorRule {
    fn default() -> Self {
        RegulatorRule::Ucb1(Grid {
            points: nine(),
            rounds: four(),
            eta: fifty(),
            gamma: gamma(),
        })
    }
}

impl RegulatorRule {
    /// Why the rule's parameters cannot work in `search`, if they cannot.
    pub fn check(&self, search: &SearchBox) -> Result<(), String> {
        match self {
            RegulatorRule::Ucb1(g) | RegulatorRule::Hedge(g) => {
                if !(2..=101).contains(&g.points) {
                    return Err(format!(
                        "points = {} is not an integer in [2, 101]",
                        g.points
                    ));
                }
                if g.rounds > 30 {
                    return Err(format!(
                        "rounds = {} is not an integer in [0, 30]",
                        g.rounds
                    ));
                }
                Domain::Positive
                    .check(g.eta)
                    .map_err(|m| format!("eta {m}"))?;
                Domain::Unit
                    .check(g.gamma)
                    .map_err(|m| format!("gamma {m}"))?;
                Ok(())
            }
            RegulatorRule::Spsa(s) => {
                for (name, v) in [("step", s.step), ("spread", s.spread)] {
                    Domain::Positive
                        .check(v)
                        .map_err(|m| format!("{name} {m}"))?;
                }
                Ok(())
            }
            RegulatorRule::Fixed(h) => {
                let [t0, t1] = search.theta;
                let [p0, p1] = search.penalty;
                if !(t0..=t1).contains(&h.theta) || !(p0..=p1).contains(&h.penalty) {
                    return Err(format!(
                        "holds (θ, p) = ({}, {}), outside the search box θ ∈ [{t0}, {t1}], p ∈ [{p0}, {p1}]",
                        h.theta, h.penalty
                    ));
                }
                Ok(())
            }
        }
    }

    /// A regulator's state for one run.
    pub fn start(&self, search: SearchBox) -> Regulator {
        let kind = match *self {
            RegulatorRule::Ucb1(g) => Kind::Arms(Arms::new(g, false)),
            RegulatorRule::Hedge(g) => Kind::Arms(Arms::new(g, true)),
            RegulatorRule::Spsa(s) => Kind::Spsa(SpsaState {
                gains: s,
                x: [0.5, 0.5],
                delta: [1.0, 1.0],
                plus: 0.0,
                phase: 0,
                k: 0,
            }),
            RegulatorRule::Fixed(h) => Kind::Fixed(h),
        };
        Regulator {
            search,
            kind,
            last: (0.5, 0.5),
        }
    }
}

/// One run's regulator: it proposes a regulation, then observes the
/// objective it got.
pub struct Regulator {
    search: SearchBox,
    kind: Kind,
    /// The unit coordinates last proposed.
    last: (f64, f64),
}

enum Kind {
    Arms(Arms),
    Spsa(SpsaState),
    Fixed(Held),
}

impl Regulator {
    /// The regulation to try next.
    pub fn propose(&mut self, rng: &mut ChaCha8Rng) -> (f64, f64) {
        let (u, v) = match &mut self.kind {
            Kind::Fixed(h) => return (h.theta, h.penalty),
            Kind::Arms(a) => a.propose(rng),
            Kind::Spsa(s) => s.propose(rng),
        };
        self.last = (u, v);
        self.search.at(u, v)
    }

    /// The objective the last proposal produced.
    pub fn observe(&mut self, value: f64) {
        match &mut self.kind {
            Kind::Fixed(_) => {}
            Kind::Arms(a) => a.observe(value),
            Kind::Spsa(s) => s.observe(value),
        }
    }

    /// The regulation the regulator would choose now.
    pub fn recommend(&self) -> (f64, f64) {
        match &self.kind {
            Kind::Fixed(h) => (h.theta, h.penalty),
            Kind::Arms(a) => {
                let (u, v) = a.best();
                self.search.at(u, v)
            }
            Kind::Spsa(s) => self.search.at(s.x[0], s.x[1]),
        }
    }
}

/// A k × k grid of arms over a sub-box of the unit square, refined.
struct Arms {
    rule: Grid,
    exp3: bool,
    /// The current sub-box [u0, u1] × [v0, v1].
    lo: [f64; 2],
    hi: [f64; 2],
    sums: Vec<f64>,
    counts: Vec<f64>,
    log_weights: Vec<f64>,
    probs: Vec<f64>,
    baseline: (f64, f64),
    pulls: u64,
    rounds_left: u64,
    chosen: usize,
    /// The best arm of the last finished round: the recommendation until
    /// every arm of the current round has been tried.
    incumbent: Option<(f64, f64)>,
}

impl Arms {
    fn new(rule: Grid, exp3: bool) -> Arms {
        let k = (rule.points * rule.points) as usize;
        Arms {
            rule,
            exp3,
            lo: [0.0, 0.0],
            hi: [1.0, 1.0],
            sums: vec![0.0; k],
            counts: vec![0.0; k],
            log_weights: vec![0.0; k],
            probs: vec![1.0 / k as f64; k],
            baseline: (0.0, 0.0),
            pulls: 0,
            rounds_left: rule.rounds,
            chosen: 0,
            incumbent: None,
        }
    }

    fn coords(&self, arm: usize) -> (f64, f64) {
        let k = self.rule.points as usize;
        let step =
            |d: usize, i: usize| self.lo[d] + (self.hi[d] - self.lo[d]) * i as f64 / (k - 1) as f64;
        (step(0, arm / k), step(1, arm % k))
    }

    fn propose(&mut self, rng: &mut ChaCha8Rng) -> (f64, f64) {
        let n = self.counts.len();
        self.chosen = if let Some(a) = self.counts.iter().position(|&c| c == 0.0) {
            // Every arm once first.
            a
        } else if self.exp3 {
            crate::dynamics::rules::sample(&self.probs, rng)
        } else {
            // UCB1 on the objective rescaled to the range seen this round.
            let means: Vec<f64> = (0..n).map(|a| self.sums[a] / self.counts[a]).collect();
            let (lo, hi) = means
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &m| {
                    (l.min(m), h.max(m))
                });
            let range = if hi > lo { hi - lo } else { 1.0 };
            let total = self.counts.iter().sum::<f64>();
            (0..n)
                .max_by(|&a, &b| {
                    let index = |x: usize| {
                        (means[x] - lo) / range + (2.0 * total.ln() / self.counts[x]).sqrt()
                    };
                    index(a).total_cmp(&index(b)).then(b.cmp(&a))
                })
                .expect("arms")
        };
        self.coords(self.chosen)
    }

    fn observe(&mut self, value: f64) {
        let a = self.chosen;
        self.sums[a] += value;
        self.counts[a] += 1.0;
        if self.exp3 {
            let (s, c) = self.baseline;
            let b = if c > 0.0 { s / c } else { value };
            self.log_weights[a] += self.rule.eta * (value - b) / self.probs[a];
            self.baseline = (s + value, c + 1.0);
            let n = self.probs.len() as f64;
            self.probs.copy_from_slice(&self.log_weights);
            crate::dynamics::rules::softmax(&mut self.probs);
            for p in self.probs.iter_mut() {
                *p = (1.0 - self.rule.gamma) * *p + self.rule.gamma / n;
            }
        }
        self.pulls += 1;
        let round = 2 * self.counts.len() as u64;
        if self.pulls >= round && self.rounds_left > 0 {
            self.refine();
        }
    }

    /// The arm with the best mean (ties to the lowest index).
    fn best_arm(&self) -> usize {
        (0..self.counts.len())
            .filter(|&a| self.counts[a] > 0.0)
            .max_by(|&a, &b| {
                (self.sums[a] / self.counts[a])
                    .total_cmp(&(self.sums[b] / self.counts[b]))
                    .then(b.cmp(&a))
            })
            .unwrap_or(0)
    }

    fn best(&self) -> (f64, f64) {
        match self.incumbent {
            Some(at) if self.counts.contains(&0.0) => at,
            _ => self.coords(self.best_arm()),
        }
    }

    /// Shrink the box to the cells around the best arms and start a round.
    /// Every arm tied with the best is kept inside: where the objective is
    /// flat along a coordinate (the penalty, once G complies), shrinking
    /// around one of them (the lowest) would cut off the others, and with
    /// them the box's edge where the optimum may sit (a penalty cap whose
    /// compliance cliff bounds θ).
    fn refine(&mut self) {
        self.incumbent = Some(self.best());
        let top = self.sums[self.best_arm()] / self.counts[self.best_arm()].max(1.0);
        let tied = |a: usize| {
            self.counts[a] > 0.0
                && self.sums[a] / self.counts[a] >= top - 1e-12 * top.abs().max(1.0)
        };
        let mut span = [[f64::INFINITY, f64::NEG_INFINITY]; 2];
        for a in (0..self.counts.len()).filter(|&a| tied(a)) {
            let (u, v) = self.coords(a);
            for (d, c) in [u, v].into_iter().enumerate() {
                span[d] = [span[d][0].min(c), span[d][1].max(c)];
            }
        }
        let (u, v) = self.coords(self.best_arm());
        let k = (self.rule.points - 1) as f64;
        for (d, [first, last]) in span.into_iter().enumerate() {
            // No arm tied (a NaN objective): the best arm alone.
            let (first, last) = if first <= last {
                (first, last)
            } else {
                let c = [u, v][d];
                (c, c)
            };
            let (lo, hi) = (self.lo[d], self.hi[d]);
            let cell = (hi - lo) / k;
            let (new_lo, new_hi) = ((first - cell).max(0.0), (last + cell).min(1.0));
            // Never wider than the box it refines (ties across all of it).
            if new_hi - new_lo < hi - lo {
                self.lo[d] = new_lo;
                self.hi[d] = new_hi;
            }
        }
        let n = self.counts.len();
        self.sums = vec![0.0; n];
        self.counts = vec![0.0; n];
        self.log_weights = vec![0.0; n];
        self.probs = vec![1.0 / n as f64; n];
        self.baseline = (0.0, 0.0);
        self.pulls = 0;
        self.rounds_left -= 1;
    }
}

struct SpsaState {
    gains: Spsa,
    x: [f64; 2],
    delta: [f64; 2],
    plus: f64,
    /// 0: propose x + cΔ next; 1: x − cΔ.
    phase: u8,
    k: u64,
}

impl SpsaState {
    fn c(&self) -> f64 {
        self.gains.spread / ((self.k + 1) as f64).powf(0.101)
    }

    fn propose(&mut self, rng: &mut ChaCha8Rng) -> (f64, f64) {
        if self.phase == 0 {
            for d in self.delta.iter_mut() {
                *d = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
            }
        }
        let sign = if self.phase == 0 { 1.0 } else { -1.0 };
        let c = self.c();
        (
            (self.x[0] + sign * c * self.delta[0]).clamp(0.0, 1.0),
            (self.x[1] + sign * c * self.delta[1]).clamp(0.0, 1.0),
        )
    }

    fn observe(&mut self, value: f64) {
        if self.phase == 0 {
            self.plus = value;
            self.phase = 1;
            return;
        }
        let c = self.c();
        let a = self.gains.step / ((self.k + 1 + 10) as f64).powf(0.602);
        for d in 0..2 {
            let g = (self.plus - value) / (2.0 * c * self.delta[d]);
            self.x[d] = (self.x[d] + a * g).clamp(0.0, 1.0);
        }
        self.k += 1;
        self.phase = 0;
    }
}
