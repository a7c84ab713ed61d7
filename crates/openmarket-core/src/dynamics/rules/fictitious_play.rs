//! Fictitious play (Brown 1951; Fudenberg and Levine 1998, ch. 2): each
//! player best-responds to the others' empirical mixed strategies, in
//! expectation, and its play converges (where it does) in its own
//! empirical frequencies. On the discrete race the game's payoffs at a
//! profile of frequencies are exact expectations over the others'
//! independent mixed strategies, so the best response below is textbook
//! fictitious play. On continuous actions that is not what a best response
//! to the average action is: see [`super::mean_response`].

use rand_chacha::ChaCha8Rng;

use super::formula;
use super::{Context, Rule, sample, softmax};
use crate::concept::Concept;
use crate::domain::{Param, ParamValues};
use crate::dynamics::rate::{RateKind, Theory};
use crate::dynamics::{Dynamics, Role, Space, View};
use crate::finite::Mixed;

/// Best response to the others' empirical frequencies; a run's outcome is
/// the empirical mixed profile.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FictitiousPlay;

impl Rule for FictitiousPlay {
    const PARAMS: &'static [Param] = &[];
    fn theory(&self, _: Role) -> Option<Theory> {
        Some(Theory {
            kind: RateKind::Power,
            expected: None,
            says: "none known in general; can cycle (Shapley 1964)",
        })
    }
    fn from_params(_: &ParamValues) -> Self {
        FictitiousPlay
    }
    fn supports(&self, role: Role, space: &Space) -> Result<(), String> {
        match (role, space) {
            (Role::Simultaneous { .. }, Space::Grid(_)) => Ok(()),
            (Role::Simultaneous { .. }, Space::Interval(..)) => Err(
                "is defined on finite action sets (actions = \"discrete\"); on continuous actions use \"mean_response\" (best response to the others' average action)".into(),
            ),
            _ => Err(
                "does not apply to the openness market: the specialist sees ω before it moves, and the generalist cannot evaluate actions it did not play".into(),
            ),
        }
    }
    fn concept(&self) -> Concept {
        Concept::MixedNash
    }
    fn build(&self, context: &Context) -> Box<dyn Dynamics> {
        if context.role == (Role::Simultaneous { labels: true }) {
            Box::new(FrequencyState::best_response())
        } else {
            Box::new(AverageState::default())
        }
    }
}

/// The empirical average of every agent's play, as agent `me` sees it, and
/// the best response to the others' averages.
#[derive(Default)]
pub(crate) struct AverageState {
    sums: Vec<f64>,
    count: f64,
    avg: Vec<f64>,
    me: usize,
}

impl Dynamics for AverageState {
    fn init(&mut self, view: &View, profile: &[f64], _: &mut ChaCha8Rng) {
        self.sums = profile.to_vec();
        self.avg = profile.to_vec();
        self.count = 1.0;
        self.me = view.me();
    }
    fn update(&mut self, view: &View, profile: &[f64], _: u64, _: &mut ChaCha8Rng) -> f64 {
        let me = view.me();
        let own = self.avg[me];
        self.avg[me] = profile[me];
        let br = formula(view).best_response(&self.avg);
        self.avg[me] = own;
        br
    }
    fn observe(&mut self, _: &View, profile: &[f64], _: &mut ChaCha8Rng) {
        self.count += 1.0;
        for ((s, a), x) in self.sums.iter_mut().zip(self.avg.iter_mut()).zip(profile) {
            *s += x;
            *a = *s / self.count;
        }
    }
    fn outcome(&self) -> Option<f64> {
        Some(self.avg[self.me])
    }
}

/// Fictitious play where actions are labels (a normal-form game): every
/// agent's empirical frequency of each action, and the best response, by
/// exact expected payoffs, to the others' frequencies (lowest index on
/// ties). Its play is the action it chose; its mixed strategy, the one the
/// judge checks, is its own empirical frequency.
///
/// With a temperature it is stochastic fictitious play (Fudenberg and
/// Kreps 1993; Fudenberg and Levine 1998, ch. 4), the logit rule on such
/// games: it plays a draw from the logit response, probabilities ∝
/// exp(u(a)/τ), to the others' frequencies, and its mixed strategy is that
/// response.
pub(crate) struct FrequencyState {
    counts: Option<Mixed>,
    frequencies: Option<Mixed>,
    rounds: f64,
    values: Vec<f64>,
    /// τ of stochastic fictitious play; `None` for the best response.
    temperature: Option<f64>,
    /// The logit response it last drew from.
    response: Vec<f64>,
    me: usize,
}

impl FrequencyState {
    fn best_response() -> Self {
        FrequencyState {
            counts: None,
            frequencies: None,
            rounds: 0.0,
            values: Vec::new(),
            temperature: None,
            response: Vec::new(),
            me: 0,
        }
    }

    /// Stochastic fictitious play at temperature `tau`.
    pub(crate) fn logit(tau: f64) -> Self {
        FrequencyState {
            temperature: Some(tau),
            ..FrequencyState::best_response()
        }
    }
}

impl Dynamics for FrequencyState {
    fn init(&mut self, view: &View, profile: &[f64], _: &mut ChaCha8Rng) {
        // The game's form (every player's strategies) is common knowledge.
        let sizes: Vec<usize> = (0..view.agents())
            .map(|j| view.space_of(j).points(0).len())
            .collect();
        self.me = view.me();
        let mut zero = Mixed::uniform(&sizes);
        zero.fill(0.0);
        self.counts = Some(zero.clone());
        self.frequencies = Some(zero);
        self.values = vec![0.0; sizes[self.me]];
        self.response = vec![1.0 / sizes[self.me] as f64; sizes[self.me]];
        self.rounds = 0.0;
        self.record(profile);
    }
    fn update(&mut self, view: &View, _: &[f64], _: u64, rng: &mut ChaCha8Rng) -> f64 {
        let sigma = self.frequencies.as_ref().expect("initialised");
        let known = formula(view).expected(sigma, &mut self.values);
        assert!(
            known,
            "a game whose actions are labels offers expected payoffs"
        );
        if let Some(tau) = self.temperature {
            for (r, v) in self.response.iter_mut().zip(&self.values) {
                *r = v / tau;
            }
            softmax(&mut self.response);
            return sample(&self.response, rng) as f64;
        }
        let mut best = 0;
        for (a, &v) in self.values.iter().enumerate() {
            if v > self.values[best] {
                best = a;
            }
        }
        best as f64
    }
    fn observe(&mut self, _: &View, profile: &[f64], _: &mut ChaCha8Rng) {
        self.record(profile);
    }
    // Not `deterministic`: its counts are memory, so a repeated profile is
    // no cycle. And it does not settle when its play stops changing: its
    // frequencies, what it converges in, still move (as 1/t), so its runs
    // go to their budget.
    fn settles(&self) -> bool {
        false
    }
    fn distribution(&self) -> Option<&[f64]> {
        match self.temperature {
            Some(_) => Some(&self.response),
            None => self.frequencies.as_ref().map(|f| f.agent(self.me)),
        }
    }
}

impl FrequencyState {
    /// Count the profile played, in place (no allocation per iteration).
    fn record(&mut self, profile: &[f64]) {
        let (Some(counts), Some(freq)) = (self.counts.as_mut(), self.frequencies.as_mut()) else {
            return;
        };
        self.rounds += 1.0;
        for (j, &a) in profile.iter().enumerate() {
            counts.agent_mut(j)[a as usize] += 1.0;
        }
        for j in 0..profile.len() {
            for (f, c) in freq.agent_mut(j).iter_mut().zip(counts.agent(j)) {
                *f = c / self.rounds;
            }
        }
    }
}
