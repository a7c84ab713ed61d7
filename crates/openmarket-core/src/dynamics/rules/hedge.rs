//! Hedge (multiplicative weights), a no-regret learner with full
//! information: after each iteration every action's payoff against the
//! others' realised actions raises its log-weight by η·u. Its time-averaged
//! play is judged against the coarse correlated equilibria (the CCE gap of
//! the empirical joint play) and its time-averaged marginals against the
//! Nash equilibria.

use rand_chacha::ChaCha8Rng;

use super::formula;
use super::{
    Context, ETA, FiniteActions, Frequencies, Limit, OwnAverage, POINTS, Report, Rule, no_regret,
    not_leader, sample_softmax,
};
use crate::concept::Concept;
use crate::domain::{Param, ParamValues};
use crate::dynamics::rate::Theory;
use crate::dynamics::{Dynamics, Role, Space, View, normal};

/// Hedge over the agent's finite actions (an interval is discretised into
/// `points` actions).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hedge {
    /// The learning rate η.
    pub eta: f64,
    /// Actions per interval.
    pub points: usize,
}

impl Rule for Hedge {
    const PARAMS: &'static [Param] = &[ETA, POINTS];
    fn theory(&self, role: Role) -> Option<Theory> {
        Some(no_regret(
            role,
            "CCE gap O(t^-1/2): a regret bound (Freund & Schapire 1999)",
        ))
    }
    fn limit(&self) -> Limit {
        Limit::NoRegret {
            points: self.points,
        }
    }
    fn from_params(v: &ParamValues) -> Self {
        Hedge {
            eta: v.get(&ETA),
            points: v.get(&POINTS) as usize,
        }
    }
    fn supports(&self, role: Role, _: &Space) -> Result<(), String> {
        not_leader(role)
    }
    fn concept(&self) -> Concept {
        Concept::Cce
    }
    fn build(&self, context: &Context) -> Box<dyn Dynamics> {
        Box::new(HedgeState {
            rule: *self,
            noise: context.noise,
            finite: None,
            log_weights: Vec::new(),
            played: OwnAverage::default(),
            frequencies: Frequencies::default(),
            report: Report::of(context.role),
        })
    }
}

struct HedgeState {
    rule: Hedge,
    noise: f64,
    finite: Option<FiniteActions>,
    log_weights: Vec<f64>,
    played: OwnAverage,
    /// Its own play's frequencies, where its actions are labels.
    frequencies: Frequencies,
    report: Report,
}

impl Dynamics for HedgeState {
    fn settles(&self) -> bool {
        false
    }
    fn init(&mut self, view: &View, _: &[f64], _: &mut ChaCha8Rng) {
        let finite = FiniteActions::new(view, self.rule.points);
        self.log_weights = vec![0.0; finite.actions.len()];
        if self.report == Report::Frequencies {
            self.frequencies = Frequencies::new(finite.actions.len());
        }
        self.finite = Some(finite);
    }
    fn update(&mut self, _: &View, _: &[f64], _: u64, rng: &mut ChaCha8Rng) -> f64 {
        let f = self.finite.as_mut().expect("init before update");
        f.buf.copy_from_slice(&self.log_weights);
        f.actions[sample_softmax(&mut f.buf, rng)]
    }
    fn observe(&mut self, view: &View, profile: &[f64], rng: &mut ChaCha8Rng) {
        let own = formula(view);
        let f = self.finite.as_ref().expect("init before observe");
        for (k, &a) in f.actions.iter().enumerate() {
            let seen = own.payoff(a, profile)
                + if self.noise > 0.0 {
                    self.noise * normal(rng)
                } else {
                    0.0
                };
            self.log_weights[k] += self.rule.eta * seen;
        }
        self.played.add(profile[view.me()]);
        if self.report == Report::Frequencies {
            self.frequencies.add(profile[view.me()] as usize);
        }
    }
    fn outcome(&self) -> Option<f64> {
        match self.report {
            Report::Modal => {
                let f = self.finite.as_ref()?;
                let k = (0..self.log_weights.len())
                    .max_by(|&a, &b| self.log_weights[a].total_cmp(&self.log_weights[b]))?;
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
