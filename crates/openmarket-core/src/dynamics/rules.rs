//! Update rules, one [`Dynamics`] implementation each (MODEL.md C).

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::{Dynamics, LearningGame, Space, normal};

/// Exact best response; with inertia η < 1 an agent moves only with
/// probability η.
pub struct BestResponse {
    pub inertia: f64,
}

impl Dynamics for BestResponse {
    fn name(&self) -> &'static str {
        "best_response"
    }
    fn init(&mut self, _: &dyn LearningGame, _: &[f64], _: &mut ChaCha8Rng) {}
    fn update(
        &mut self,
        game: &dyn LearningGame,
        i: usize,
        profile: &[f64],
        _: u64,
        rng: &mut ChaCha8Rng,
    ) -> f64 {
        if self.inertia >= 1.0 || rng.random_bool(self.inertia) {
            game.best_response(i, profile)
        } else {
            profile[i]
        }
    }
    fn deterministic(&self) -> bool {
        self.inertia >= 1.0
    }
}

/// Best response, except with probability ε a uniformly random action.
pub struct EpsilonGreedy {
    pub epsilon: f64,
}

impl Dynamics for EpsilonGreedy {
    fn name(&self) -> &'static str {
        "epsilon_greedy"
    }
    fn init(&mut self, _: &dyn LearningGame, _: &[f64], _: &mut ChaCha8Rng) {}
    fn update(
        &mut self,
        game: &dyn LearningGame,
        i: usize,
        profile: &[f64],
        _: u64,
        rng: &mut ChaCha8Rng,
    ) -> f64 {
        if rng.random_bool(self.epsilon) {
            game.space(i).sample(rng)
        } else {
            game.best_response(i, profile)
        }
    }
}

/// Per-agent finite action sets (intervals discretised) and a reusable
/// buffer, shared by the rules that choose among finitely many actions.
struct FiniteActions {
    actions: Vec<Vec<f64>>,
    buf: Vec<f64>,
}

impl FiniteActions {
    fn new(game: &dyn LearningGame, points: usize) -> Self {
        let actions: Vec<Vec<f64>> = (0..game.agents())
            .map(|i| game.space(i).points(points))
            .collect();
        let widest = actions.iter().map(Vec::len).max().unwrap_or(0);
        FiniteActions {
            actions,
            buf: vec![0.0; widest],
        }
    }
}

/// Sample an index with probability ∝ exp(scores[k]) (stable softmax).
fn sample_softmax(scores: &mut [f64], rng: &mut ChaCha8Rng) -> usize {
    let top = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for s in scores.iter_mut() {
        *s = (*s - top).exp();
        total += *s;
    }
    let mut u = rng.random_range(0.0..total);
    for (k, s) in scores.iter().enumerate() {
        if u < *s {
            return k;
        }
        u -= s;
    }
    scores.len() - 1
}

/// Logit (softmax) response with temperature τ over the agent's actions
/// (an interval is discretised into `points` actions). Payoffs are observed
/// with N(0, σ²) noise.
pub struct Logit {
    pub temperature: f64,
    pub points: usize,
    pub noise: f64,
    finite: Option<FiniteActions>,
}

impl Logit {
    pub fn new(temperature: f64, points: usize, noise: f64) -> Self {
        Logit {
            temperature,
            points,
            noise,
            finite: None,
        }
    }
}

impl Dynamics for Logit {
    fn name(&self) -> &'static str {
        "logit"
    }
    fn init(&mut self, game: &dyn LearningGame, _: &[f64], _: &mut ChaCha8Rng) {
        self.finite = Some(FiniteActions::new(game, self.points));
    }
    fn update(
        &mut self,
        game: &dyn LearningGame,
        i: usize,
        profile: &[f64],
        _: u64,
        rng: &mut ChaCha8Rng,
    ) -> f64 {
        let f = self.finite.as_mut().expect("init before update");
        let acts = &f.actions[i];
        let scores = &mut f.buf[..acts.len()];
        for (s, &a) in scores.iter_mut().zip(acts) {
            let u = game.payoff(i, a, profile)
                + if self.noise > 0.0 {
                    self.noise * normal(rng)
                } else {
                    0.0
                };
            *s = u / self.temperature;
        }
        acts[sample_softmax(scores, rng)]
    }
}

/// Fictitious play: best response to the others' empirical average action.
/// The outcome of a run is the empirical average itself, the object that
/// fictitious play makes converge.
#[derive(Default)]
pub struct FictitiousPlay {
    sums: Vec<f64>,
    count: f64,
    avg: Vec<f64>,
}

impl Dynamics for FictitiousPlay {
    fn name(&self) -> &'static str {
        "fictitious_play"
    }
    fn init(&mut self, _: &dyn LearningGame, profile: &[f64], _: &mut ChaCha8Rng) {
        self.sums = profile.to_vec();
        self.avg = profile.to_vec();
        self.count = 1.0;
    }
    fn update(
        &mut self,
        game: &dyn LearningGame,
        i: usize,
        profile: &[f64],
        _: u64,
        _: &mut ChaCha8Rng,
    ) -> f64 {
        let own = self.avg[i];
        self.avg[i] = profile[i];
        let br = game.best_response(i, &self.avg);
        self.avg[i] = own;
        br
    }
    fn observe(&mut self, _: &dyn LearningGame, profile: &[f64], _: &mut ChaCha8Rng) {
        self.count += 1.0;
        for ((s, a), x) in self.sums.iter_mut().zip(self.avg.iter_mut()).zip(profile) {
            *s += x;
            *a = *s / self.count;
        }
    }
    fn outcome(&self) -> Option<&[f64]> {
        Some(&self.avg)
    }
}

/// Projected gradient ascent with step γ_t = step / t^decay. Intervals only.
pub struct GradientAscent {
    pub step: f64,
    pub decay: f64,
}

impl Dynamics for GradientAscent {
    fn name(&self) -> &'static str {
        "gradient"
    }
    fn init(&mut self, _: &dyn LearningGame, _: &[f64], _: &mut ChaCha8Rng) {}
    fn update(
        &mut self,
        game: &dyn LearningGame,
        i: usize,
        profile: &[f64],
        t: u64,
        _: &mut ChaCha8Rng,
    ) -> f64 {
        let gamma = self.step / (t as f64).powf(self.decay);
        game.space(i)
            .project(profile[i] + gamma * game.gradient(i, profile))
    }
    fn deterministic(&self) -> bool {
        true
    }
}

/// Hedge (multiplicative weights) over each agent's finite actions, with
/// full-information feedback: after each iteration every action's payoff
/// against the others' realised actions raises its log-weight by η·u.
/// A no-regret learner; its average regret is reported.
pub struct Hedge {
    pub eta: f64,
    pub points: usize,
    pub noise: f64,
    finite: Option<FiniteActions>,
    log_weights: Vec<Vec<f64>>,
    cumulative: Vec<Vec<f64>>,
    realised: Vec<f64>,
    rounds: f64,
}

impl Hedge {
    pub fn new(eta: f64, points: usize, noise: f64) -> Self {
        Hedge {
            eta,
            points,
            noise,
            finite: None,
            log_weights: Vec::new(),
            cumulative: Vec::new(),
            realised: Vec::new(),
            rounds: 0.0,
        }
    }
}

impl Dynamics for Hedge {
    fn name(&self) -> &'static str {
        "hedge"
    }
    fn init(&mut self, game: &dyn LearningGame, _: &[f64], _: &mut ChaCha8Rng) {
        let finite = FiniteActions::new(game, self.points);
        self.log_weights = finite.actions.iter().map(|a| vec![0.0; a.len()]).collect();
        self.cumulative = self.log_weights.clone();
        self.realised = vec![0.0; game.agents()];
        self.rounds = 0.0;
        self.finite = Some(finite);
    }
    fn update(
        &mut self,
        _: &dyn LearningGame,
        i: usize,
        _: &[f64],
        _: u64,
        rng: &mut ChaCha8Rng,
    ) -> f64 {
        let f = self.finite.as_mut().expect("init before update");
        let lw = &self.log_weights[i];
        let scores = &mut f.buf[..lw.len()];
        scores.copy_from_slice(lw);
        f.actions[i][sample_softmax(scores, rng)]
    }
    fn observe(&mut self, game: &dyn LearningGame, profile: &[f64], rng: &mut ChaCha8Rng) {
        let f = self.finite.as_ref().expect("init before observe");
        self.rounds += 1.0;
        for i in 0..game.agents() {
            for (k, &a) in f.actions[i].iter().enumerate() {
                let u = game.payoff(i, a, profile);
                let seen = u + if self.noise > 0.0 {
                    self.noise * normal(rng)
                } else {
                    0.0
                };
                self.log_weights[i][k] += self.eta * seen;
                self.cumulative[i][k] += u;
            }
            self.realised[i] += game.payoff(i, profile[i], profile);
        }
    }
    fn avg_regret(&self) -> Option<f64> {
        let worst = self
            .cumulative
            .iter()
            .zip(&self.realised)
            .map(|(c, r)| c.iter().copied().fold(f64::NEG_INFINITY, f64::max) - r)
            .fold(0.0, f64::max);
        Some(if self.rounds > 0.0 {
            worst / self.rounds
        } else {
            0.0
        })
    }
}

/// Whether `rule` can run on every agent's action set.
pub fn check_spaces(rule: &dyn Dynamics, game: &dyn LearningGame) -> Result<(), String> {
    if rule.name() == "gradient"
        && (0..game.agents()).any(|i| matches!(game.space(i), Space::Grid(_)))
    {
        return Err("rule \"gradient\" needs continuous actions (actions = \"continuous\")".into());
    }
    Ok(())
}
