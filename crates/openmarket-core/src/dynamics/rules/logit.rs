//! Logit (softmax) response at temperature τ: each action a is played with
//! probability ∝ exp(u(a)/τ), where u is what the agent knows of a's
//! payoff (docs/model.md §C; Gambit's λ = 1/τ):
//!
//! - a player of a two-action simultaneous game (the discrete race) knows
//!   the exact expected payoff of each action against the others' mixed
//!   strategies, and moves its own mixed strategy toward the logit response
//!   by a fraction `rate` each iteration: the deterministic (mean-field)
//!   logit dynamics, whose rest points are exactly the logit QRE;
//! - a player of a normal-form game, whose actions are labels, sees only
//!   the others' played strategies: it plays stochastic fictitious play
//!   (a draw from its logit response to the others' empirical
//!   frequencies; see [`super::fictitious_play`]), whose frequencies
//!   converge, where they converge, to a logit QRE (Benaïm and Hirsch
//!   1999; Hofbauer and Sandholm 2002 for zero-sum and potential games);
//! - the openness market's specialist knows its payoff at the ω it sees,
//!   and plays a sample of the logit response over its grid;
//! - the generalist cannot evaluate an ω it did not play: it plays each ω
//!   of its grid once, then samples the logit response to the average
//!   realised payoff of each ω so far.
//!
//! Payoffs it observes carry N(0, σ²) noise (`noise`), except the exact
//! expectations of the mean-field dynamics.

use rand_chacha::ChaCha8Rng;

use super::fictitious_play::FrequencyState;
use super::formula;
use super::{Context, FiniteActions, Limit, POINTS, Rule, sample, sample_softmax, softmax};
use crate::concept::Concept;
use crate::domain::{Domain, Param, ParamValues};
use crate::dynamics::rate::{RateKind, Theory};
use crate::dynamics::{Dynamics, Role, Space, View, normal};

const TEMPERATURE: Param = Param {
    key: "temperature",
    domain: Domain::Positive,
    default: 0.05,
};

const RATE: Param = Param {
    key: "rate",
    domain: Domain::Fraction,
    default: 0.5,
};

/// Logit response with temperature τ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Logit {
    /// τ > 0.
    pub temperature: f64,
    /// Actions per interval.
    pub points: usize,
    /// Mean-field dynamics: the share of the way to the logit response
    /// moved each iteration.
    pub rate: f64,
}

impl Rule for Logit {
    const PARAMS: &'static [Param] = &[TEMPERATURE, POINTS, RATE];
    fn theory(&self, role: Role) -> Option<Theory> {
        Some(match role {
            Role::Simultaneous { labels: false } => Theory {
                kind: RateKind::Geometric,
                expected: None,
                says: "geometric near a stable QRE (a contraction of the logit map)",
            },
            Role::Simultaneous { labels: true } => Theory {
                kind: RateKind::Power,
                expected: None,
                says: "t^-min(1/2, 1 - rho) near a stable QRE, rho the logit map's contraction modulus there: a stochastic approximation with steps 1/t (Benaim and Hirsch 1999)",
            },
            _ => Theory {
                kind: RateKind::Power,
                expected: None,
                says: "none stated for sampled play in the market (a follower's draws, a leader's estimates)",
            },
        })
    }
    fn limit(&self) -> Limit {
        Limit::Logit {
            points: self.points,
            temperature: self.temperature,
        }
    }
    fn from_params(v: &ParamValues) -> Self {
        Logit {
            temperature: v.get(&TEMPERATURE),
            points: v.get(&POINTS) as usize,
            rate: v.get(&RATE),
        }
    }
    fn supports(&self, role: Role, space: &Space) -> Result<(), String> {
        match (role, space) {
            (Role::Simultaneous { labels: true }, _) => Ok(()),
            (Role::Simultaneous { labels: false }, Space::Grid(g)) if g.as_slice() == [0.0, 1.0] => {
                Ok(())
            }
            (Role::Simultaneous { .. }, _) => Err(
                "needs a finite game (actions = \"discrete\"): its target, the logit QRE, is computed there".into(),
            ),
            _ => Ok(()),
        }
    }
    fn concept(&self) -> Concept {
        Concept::Qre
    }
    fn build(&self, context: &Context) -> Box<dyn Dynamics> {
        match context.role {
            Role::Simultaneous { labels: false } => Box::new(MeanField { rule: *self }),
            Role::Simultaneous { labels: true } => {
                Box::new(FrequencyState::logit(self.temperature))
            }
            Role::Follower { .. } => Box::new(Sampled {
                rule: *self,
                noise: context.noise,
                finite: None,
                drawn: false,
            }),
            Role::Leader { .. } => Box::new(Estimated {
                rule: *self,
                noise: context.noise,
                finite: None,
                sums: Vec::new(),
                counts: Vec::new(),
                probs: Vec::new(),
                order: Vec::new(),
                played: 0,
            }),
        }
    }
}

/// The mean-field dynamics on a two-action game: the agent's profile entry
/// is its probability of action 1.
struct MeanField {
    rule: Logit,
}

impl Dynamics for MeanField {
    fn update(&mut self, view: &View, profile: &[f64], _: u64, _: &mut ChaCha8Rng) -> f64 {
        let own = formula(view);
        let gain = own.payoff(1.0, profile) - own.payoff(0.0, profile);
        let z = gain / self.rule.temperature;
        let response = if z >= 0.0 {
            1.0 / (1.0 + (-z).exp())
        } else {
            z.exp() / (1.0 + z.exp())
        };
        let me = view.me();
        profile[me] + self.rule.rate * (response - profile[me])
    }
    fn deterministic(&self) -> bool {
        true
    }
}

/// A follower's sample of its logit response to the action it observes.
struct Sampled {
    rule: Logit,
    noise: f64,
    /// Its buffer holds the mixed strategy of the last draw.
    finite: Option<FiniteActions>,
    /// It has drawn once (the buffer holds a strategy).
    drawn: bool,
}

impl Dynamics for Sampled {
    fn settles(&self) -> bool {
        false
    }
    fn init(&mut self, view: &View, _: &[f64], _: &mut ChaCha8Rng) {
        self.finite = Some(FiniteActions::new(view, self.rule.points));
    }
    fn update(&mut self, view: &View, profile: &[f64], _: u64, rng: &mut ChaCha8Rng) -> f64 {
        let own = formula(view);
        let f = self.finite.as_mut().expect("init before update");
        for (s, &a) in f.buf.iter_mut().zip(&f.actions) {
            let u = own.payoff(a, profile)
                + if self.noise > 0.0 {
                    self.noise * normal(rng)
                } else {
                    0.0
                };
            *s = u / self.rule.temperature;
        }
        self.drawn = true;
        f.actions[sample_softmax(&mut f.buf, rng)]
    }
    /// The logit response it drew from (to the payoffs it saw, noise
    /// included): what the judge compares with the exact one.
    fn distribution(&self) -> Option<&[f64]> {
        self.finite
            .as_ref()
            .filter(|_| self.drawn)
            .map(|f| f.buf.as_slice())
    }
}

/// A leader's logit response to the average realised payoff of each action.
struct Estimated {
    rule: Logit,
    noise: f64,
    finite: Option<FiniteActions>,
    sums: Vec<f64>,
    counts: Vec<f64>,
    /// The current mixed strategy (after every action has been tried).
    probs: Vec<f64>,
    /// The order in which the actions are first tried.
    order: Vec<usize>,
    played: usize,
}

impl Estimated {
    fn refresh(&mut self) {
        for (p, (s, c)) in self
            .probs
            .iter_mut()
            .zip(self.sums.iter().zip(&self.counts))
        {
            *p = s / c / self.rule.temperature;
        }
        softmax(&mut self.probs);
    }
}

impl Dynamics for Estimated {
    fn settles(&self) -> bool {
        false
    }
    fn init(&mut self, view: &View, _: &[f64], rng: &mut ChaCha8Rng) {
        use rand::seq::SliceRandom;
        let f = FiniteActions::new(view, self.rule.points);
        let k = f.actions.len();
        self.sums = vec![0.0; k];
        self.counts = vec![0.0; k];
        self.probs = vec![1.0 / k as f64; k];
        self.order = (0..k).collect();
        self.order.shuffle(rng);
        self.finite = Some(f);
    }
    fn update(&mut self, _: &View, _: &[f64], _: u64, rng: &mut ChaCha8Rng) -> f64 {
        let f = self.finite.as_ref().expect("init before update");
        let k = if self.played < self.order.len() {
            self.order[self.played]
        } else {
            sample(&self.probs, rng)
        };
        self.played += 1;
        f.actions[k]
    }
    fn observe(&mut self, view: &View, profile: &[f64], rng: &mut ChaCha8Rng) {
        let f = self.finite.as_ref().expect("init before observe");
        let Some(k) = f.actions.iter().position(|&a| a == profile[view.me()]) else {
            return;
        };
        let u = view.realised(profile)
            + if self.noise > 0.0 {
                self.noise * normal(rng)
            } else {
                0.0
            };
        self.sums[k] += u;
        self.counts[k] += 1.0;
        if self.counts.iter().all(|&c| c > 0.0) {
            self.refresh();
        }
    }
    // No `outcome`: its outcome is the ω it last played, so that the
    // profile a run ends with (and a regulator above it observes) was
    // played; its mixed strategy is judged as one, by `distribution`.
    fn distribution(&self) -> Option<&[f64]> {
        Some(&self.probs)
    }
}
