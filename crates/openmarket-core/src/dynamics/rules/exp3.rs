//! EXP3 (Auer, Cesa-Bianchi, Freund and Schapire 2002): Hedge with bandit
//! feedback. The agent sees only the payoff of the action it played; it
//! plays from (1 − γ)·softmax(weights) + γ·uniform and credits the played
//! action with the importance-weighted estimate (u − b)/p, where b is the
//! running mean of its realised payoffs (a baseline that leaves the
//! estimate unbiased and keeps it small). A no-regret learner: in a
//! simultaneous game it is judged like Hedge; as the openness market's
//! generalist, against the best ω of its grid.

use rand_chacha::ChaCha8Rng;

use super::{
    Context, ETA, FiniteActions, Frequencies, Limit, OwnAverage, POINTS, Report, Rule, no_regret,
    sample, softmax,
};
use crate::concept::Concept;
use crate::domain::{Domain, Param, ParamValues};
use crate::dynamics::rate::Theory;
use crate::dynamics::{Dynamics, Role, View, normal};

const GAMMA: Param = Param {
    key: "gamma",
    domain: Domain::Unit,
    default: 0.05,
};

/// EXP3 over the agent's finite actions (an interval is discretised into
/// `points` actions).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exp3 {
    /// The learning rate η.
    pub eta: f64,
    /// The share γ of uniform exploration.
    pub gamma: f64,
    /// Actions per interval.
    pub points: usize,
}

impl Rule for Exp3 {
    const PARAMS: &'static [Param] = &[ETA, GAMMA, POINTS];
    fn theory(&self, role: Role) -> Option<Theory> {
        Some(no_regret(
            role,
            "CCE gap O(t^-1/2): a regret bound (Auer et al. 2002)",
        ))
    }
    fn limit(&self) -> Limit {
        Limit::NoRegret {
            points: self.points,
        }
    }
    fn from_params(v: &ParamValues) -> Self {
        Exp3 {
            eta: v.get(&ETA),
            gamma: v.get(&GAMMA),
            points: v.get(&POINTS) as usize,
        }
    }
    fn concept(&self) -> Concept {
        Concept::Cce
    }
    fn build(&self, context: &Context) -> Box<dyn Dynamics> {
        Box::new(Exp3State {
            rule: *self,
            noise: context.noise,
            report: Report::of(context.role),
            finite: None,
            log_weights: Vec::new(),
            probs: Vec::new(),
            chosen: 0,
            moved: false,
            baseline: OwnAverage::default(),
            played: OwnAverage::default(),
            frequencies: Frequencies::default(),
        })
    }
}

struct Exp3State {
    rule: Exp3,
    noise: f64,
    report: Report,
    finite: Option<FiniteActions>,
    log_weights: Vec<f64>,
    probs: Vec<f64>,
    chosen: usize,
    /// It chose an arm whose payoff it has not yet seen. On a slow
    /// timescale (`leader_every`) it observes every iteration but moves
    /// every k-th: only the observation right after a move is its arm's.
    moved: bool,
    baseline: OwnAverage,
    played: OwnAverage,
    /// Its own play's frequencies, where its actions are labels.
    frequencies: Frequencies,
}

impl Exp3State {
    fn refresh(&mut self) {
        let k = self.probs.len() as f64;
        self.probs.copy_from_slice(&self.log_weights);
        softmax(&mut self.probs);
        for p in self.probs.iter_mut() {
            *p = (1.0 - self.rule.gamma) * *p + self.rule.gamma / k;
        }
    }
}

impl Dynamics for Exp3State {
    fn settles(&self) -> bool {
        false
    }
    fn init(&mut self, view: &View, _: &[f64], _: &mut ChaCha8Rng) {
        let f = FiniteActions::new(view, self.rule.points);
        self.log_weights = vec![0.0; f.actions.len()];
        self.probs = vec![0.0; f.actions.len()];
        if self.report == Report::Frequencies {
            self.frequencies = Frequencies::new(f.actions.len());
        }
        self.refresh();
        self.finite = Some(f);
    }
    fn update(&mut self, _: &View, _: &[f64], _: u64, rng: &mut ChaCha8Rng) -> f64 {
        self.chosen = sample(&self.probs, rng);
        self.moved = true;
        self.finite.as_ref().expect("init before update").actions[self.chosen]
    }
    fn observe(&mut self, view: &View, profile: &[f64], rng: &mut ChaCha8Rng) {
        if !std::mem::take(&mut self.moved) {
            return;
        }
        let u = view.realised(profile)
            + if self.noise > 0.0 {
                self.noise * normal(rng)
            } else {
                0.0
            };
        let b = self.baseline.mean().unwrap_or(u);
        self.log_weights[self.chosen] += self.rule.eta * (u - b) / self.probs[self.chosen];
        self.baseline.add(u);
        self.played.add(profile[view.me()]);
        if self.report == Report::Frequencies {
            self.frequencies.add(profile[view.me()] as usize);
        }
        self.refresh();
    }
    fn outcome(&self) -> Option<f64> {
        match self.report {
            Report::Modal => {
                let f = self.finite.as_ref()?;
                let k = (0..self.probs.len())
                    .max_by(|&a, &b| self.probs[a].total_cmp(&self.probs[b]))?;
                Some(f.actions[k])
            }
            Report::Average => self.played.mean(),
            Report::Last | Report::Frequencies => None,
        }
    }
    fn distribution(&self) -> Option<&[f64]> {
        self.frequencies.get()
    }
}
