//! Two-point zeroth-order gradient ascent (Nesterov and Spokoiny 2017;
//! Shamir 2017 for the two-point estimate): the agent plays x + h and x − h
//! in turn, sees only its two realised payoffs, and moves its centre x by
//! γ_t·(u₊ − u₋)/(2h), projected on its interval.

use rand_chacha::ChaCha8Rng;

use super::{Context, DECAY, Rule, STEP, needs_interval, not_entrant};
use crate::domain::{Domain, Param, ParamValues};
use crate::dynamics::rate::{RateKind, Theory};
use crate::dynamics::{Dynamics, Role, Space, View, normal};

const SPREAD: Param = Param {
    key: "spread",
    domain: Domain::Positive,
    default: 1e-3,
};

/// Two-point zeroth-order gradient ascent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ZerothOrder {
    /// γ_1.
    pub step: f64,
    /// The step schedule's exponent.
    pub decay: f64,
    /// The half-width h of the two probes.
    pub spread: f64,
}

impl Rule for ZerothOrder {
    const PARAMS: &'static [Param] = &[STEP, DECAY, SPREAD];
    fn theory(&self, _: Role) -> Option<Theory> {
        Some(Theory {
            kind: RateKind::Power,
            expected: None,
            says: "none stated here (two-point estimates of a gradient)",
        })
    }
    fn from_params(v: &ParamValues) -> Self {
        ZerothOrder {
            step: v.get(&STEP),
            decay: v.get(&DECAY),
            spread: v.get(&SPREAD),
        }
    }
    fn supports(&self, role: Role, space: &Space) -> Result<(), String> {
        not_entrant(role)?;
        needs_interval(space)
    }
    fn build(&self, context: &Context) -> Box<dyn Dynamics> {
        Box::new(Probe {
            rule: *self,
            noise: context.noise,
            centre: f64::NAN,
            probes: [0.0; 2],
            payoffs: [0.0; 2],
            phase: 0,
            steps: 0,
            moved: false,
        })
    }
}

struct Probe {
    rule: ZerothOrder,
    noise: f64,
    centre: f64,
    probes: [f64; 2],
    payoffs: [f64; 2],
    /// 0: play x + h next; 1: play x − h next.
    phase: usize,
    steps: u64,
    /// A probe was played and its payoff not yet seen. An agent on a slow
    /// timescale (`leader_every`) observes every iteration but moves every
    /// k-th: only the observation right after a move is its probe's.
    moved: bool,
}

impl Dynamics for Probe {
    fn init(&mut self, view: &View, profile: &[f64], _: &mut ChaCha8Rng) {
        self.centre = profile[view.me()];
    }
    fn update(&mut self, view: &View, _: &[f64], _: u64, _: &mut ChaCha8Rng) -> f64 {
        let h = if self.phase == 0 {
            self.rule.spread
        } else {
            -self.rule.spread
        };
        let x = view.space().project(self.centre + h);
        self.probes[self.phase] = x;
        self.moved = true;
        x
    }
    fn observe(&mut self, view: &View, profile: &[f64], rng: &mut ChaCha8Rng) {
        if !std::mem::take(&mut self.moved) {
            return;
        }
        self.payoffs[self.phase] = view.realised(profile)
            + if self.noise > 0.0 {
                self.noise * normal(rng)
            } else {
                0.0
            };
        if self.phase == 1 {
            let width = self.probes[0] - self.probes[1];
            if width > 0.0 {
                self.steps += 1;
                let gamma = self.rule.step / (self.steps as f64).powf(self.rule.decay);
                let slope = (self.payoffs[0] - self.payoffs[1]) / width;
                self.centre = view.space().project(self.centre + gamma * slope);
            }
        }
        self.phase = 1 - self.phase;
    }
    fn deterministic(&self) -> bool {
        false
    }
    fn outcome(&self) -> Option<f64> {
        Some(self.centre)
    }
}
