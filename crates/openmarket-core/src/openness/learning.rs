//! The openness market as a learning game ([`MarketGame`]): the generalist
//! and one specialist (the pair, in closed form) or a sector of specialists
//! with entry.

use std::cell::RefCell;

use super::market::Market;
use super::sector::{Sector, Terms};
use super::{OpennessGame, PenaltyForm, regulated_choice};
use rand_chacha::ChaCha8Rng;

use crate::dynamics::{DynamicsConfig, Fitted, LearningGame, Observer, Role, Space};
use crate::family::Simulated;
use crate::judge::{Target, simulate};
#[cfg(doc)]
use crate::limits::MAX_DYNAMIC_SPECIALISTS;
use crate::math::Poly3;

/// The openness game as a learning market at a fixed δ and regulation:
/// agent 0 is the generalist G (ω), agent 1 the specialist D (α1), playing
/// in stage order each iteration — G announces ω, then D, seeing it,
/// chooses α1 (docs/model.md §C).
///
/// Each agent's payoff is its own formula at the actions it observes:
/// U_G(ω, α1) with D's actual α1, U_D(ω, α1) at the ω D saw. G never sees
/// D's response function, only the response it gets; `leader_response`
/// maximises G's payoff against a response model the rule has fitted.
/// NashConv (reported, never used to act) is the Stackelberg one: G's gain
/// against D's exact best response, plus D's gain at the ω it faces.
#[derive(Clone)]
pub(crate) struct OpennessMarket {
    /// The game's parameters.
    pub game: OpennessGame,
    /// The revenue share the market runs at.
    pub delta: f64,
    /// G moves every k-th iteration.
    pub leader_every: u64,
    value: Poly3,
    spaces: [Space; 2],
    /// G's choice in the SPE at this δ (ignoring exit: the dynamics keep G in).
    best_omega: f64,
    /// W(best_omega): what G realises there.
    best_value: f64,
}

impl OpennessMarket {
    /// The market at revenue share `delta`.
    pub fn new(game: OpennessGame, delta: f64, leader_every: u64) -> Self {
        let value = game.value_poly(delta);
        let alpha0_max = game.alpha0_at(delta, 0.0).max(game.alpha0_at(delta, 1.0));
        // α1* ≤ α0 + r(1+κ)/(2c1); twice that leaves room for exploration.
        let alpha1_max = alpha0_max + game.r * (1.0 + game.kappa) / game.c1;
        let choice = game.regulated_choice(delta);
        let (best_omega, best_value) = (choice.omega, choice.value);
        OpennessMarket {
            game,
            delta,
            leader_every: leader_every.max(1),
            value,
            spaces: [Space::Interval(0.0, 1.0), Space::Interval(0.0, alpha1_max)],
            best_omega,
            best_value,
        }
    }

    /// The subgame-perfect profile (ω*, α1*(ω*)) at this δ, G kept in.
    pub fn equilibrium(&self) -> Vec<f64> {
        vec![
            self.best_omega,
            self.game.alpha1_at(self.delta, self.best_omega),
        ]
    }

    /// W(ω) = V(ω) − penalty(ω): what G realises at ω once D best-responds.
    pub fn stackelberg_value(&self, omega: f64) -> f64 {
        self.value.eval(omega) - self.game.penalty_at(omega)
    }
}

impl LearningGame for OpennessMarket {
    fn agents(&self) -> usize {
        2
    }

    fn space(&self, i: usize) -> &Space {
        &self.spaces[i]
    }

    fn role(&self, i: usize) -> Role {
        if i == 0 {
            Role::Leader { entry: false }
        } else {
            Role::Follower { entry: false }
        }
    }

    fn payoff(&self, i: usize, a: f64, profile: &[f64]) -> f64 {
        if i == 0 {
            self.game.u_g(self.delta, a, profile[1])
        } else {
            self.game.u_d(self.delta, profile[0], a)
        }
    }

    /// D: α1*(ω) at the ω it sees. G: its myopic best response to D's
    /// current α1 by its own payoff formula (no rule of a leader uses it).
    fn best_response(&self, i: usize, profile: &[f64]) -> f64 {
        if i == 0 {
            let v = self
                .game
                .leader_value(self.delta, Poly3::constant(profile[1]));
            regulated_choice(&v, self.game.regulation).omega
        } else {
            self.game.alpha1_at(self.delta, profile[0])
        }
    }

    fn leader_response(&self, i: usize, followers: &[Fitted]) -> Option<f64> {
        (i == 0).then(|| {
            let v = self.game.leader_value(self.delta, followers[0].response);
            regulated_choice(&v, self.game.regulation).omega
        })
    }

    fn gradient(&self, i: usize, profile: &[f64]) -> f64 {
        let g = &self.game;
        if i == 0 {
            let w = profile[0];
            let pen_slope = match g.regulation {
                Some(reg) if reg.form == PenaltyForm::Proportional && w < reg.theta => reg.penalty,
                _ => 0.0,
            };
            let v = g.leader_value(self.delta, Poly3::constant(profile[1]));
            v.derivative().eval(w) + pen_slope
        } else {
            let (omega, a1) = (profile[0], profile[1]);
            let s = self.delta * (1.0 - g.lambda * omega);
            (1.0 - s) * g.r
                - 2.0 * g.c1 * (a1 - g.alpha0_at(self.delta, omega)) / (1.0 + g.kappa * omega)
        }
    }

    fn active(&self, i: usize, t: u64) -> bool {
        i == 1 || t.is_multiple_of(self.leader_every)
    }

    // NashConv runs every iteration, so both gains are in closed form: G's
    // best Stackelberg value is fixed per point, and U_D is a concave
    // quadratic in α1 with curvature c1/(1+κω), whose peak α1*(ω) lies
    // inside D's space.
    fn max_gain(&self, i: usize, profile: &[f64]) -> f64 {
        let g = &self.game;
        let omega = profile[0];
        if i == 0 {
            (self.best_value - self.stackelberg_value(omega)).max(0.0)
        } else {
            let d = profile[1] - g.alpha1_at(self.delta, omega);
            g.c1 * d * d / (1.0 + g.kappa * omega)
        }
    }
}

/// A sector as a learning market at fixed shares and regulation: agent 0
/// is the generalist G (ω), agent k = 1 … K specialist k − 1 (α1, where 0
/// is staying out), in stage order each iteration: G announces ω, then
/// every specialist, seeing it, enters and fine-tunes or stays out
/// (docs/sector.md).
///
/// As in the pair market, each agent's payoff is its own formula at the
/// actions it observes, and G never sees a specialist's response function
/// or entry cost, only the responses it gets; `leader_response` maximises
/// G's payoff against the follower models its rule has fitted. NashConv
/// (reported, never used to act) is the Stackelberg one: G's gain against
/// the specialists' exact responses, plus each specialist's gain at the ω
/// it faces.
#[derive(Clone)]
pub(crate) struct SectorMarket {
    /// The sector, with the shares it runs at.
    pub sector: Sector,
    /// G moves every k-th iteration.
    pub leader_every: u64,
    spaces: Vec<Space>,
    terms: Vec<Terms>,
    /// W at the SPE choice (exit ignored: the dynamics keep G in).
    best_value: f64,
    /// G's SPE choice (exit ignored).
    choice: f64,
    /// Followers sorted by modelled entry, reused by `leader_response`.
    order: RefCell<Vec<usize>>,
}

impl SectorMarket {
    /// The market of `sector` at its shares (a bargained δ already set).
    /// Plans check [`MAX_DYNAMIC_SPECIALISTS`] before any run.
    pub fn new(sector: Sector, leader_every: u64) -> Self {
        let a0 = sector.alpha0;
        // α1* ≤ α0 + r(1+κ)/(2c1); twice that leaves room to explore.
        let spaces = std::iter::once(Space::Interval(0.0, 1.0))
            .chain(
                sector
                    .specialists
                    .iter()
                    .map(|s| Space::Interval(0.0, a0 + s.r * (1.0 + s.kappa) / s.c1)),
            )
            .collect();
        let terms = sector.terms();
        let choice = sector.stage_outcome().choice;
        let mut m = SectorMarket {
            order: RefCell::new((0..sector.specialists.len()).collect()),
            sector,
            leader_every: leader_every.max(1),
            spaces,
            terms,
            best_value: 0.0,
            choice,
        };
        m.best_value = m.stackelberg_value(choice);
        m
    }

    /// Whether specialist k (0-based) enters at ω when it best-responds.
    pub fn enters(&self, k: usize, omega: f64) -> bool {
        self.terms[k].enters(omega)
    }

    /// Specialist k's best response at ω: α1_k*(ω) if it enters, else 0.
    pub fn respond(&self, k: usize, omega: f64) -> f64 {
        self.terms[k].respond(omega)
    }

    /// W(ω) = V(ω) − penalty(ω): what G realises at ω once every
    /// specialist best-responds.
    pub fn stackelberg_value(&self, omega: f64) -> f64 {
        let revenue: f64 = (0..self.terms.len())
            .filter(|&k| self.enters(k, omega))
            .map(|k| self.terms[k].revenue.eval(omega))
            .sum();
        self.sector.base().eval(omega) + revenue - self.sector.penalty_at(omega)
    }

    /// The best ω over [lo, hi] of `extra` plus G's value when follower k
    /// is modelled to answer `followers[k].response` at ω ≥
    /// `followers[k].from` (and 0 below): the best of every piece's exact
    /// argmax between consecutive entries, each piece open on the right
    /// (the next follower enters there), and the value at `hi`.
    fn fitted_best(
        &self,
        followers: &[Fitted],
        order: &[usize],
        lo: f64,
        hi: f64,
        extra: Poly3,
    ) -> (f64, f64) {
        let rev = |k: usize| {
            let s = &self.sector.specialists[k];
            (s.share() * followers[k].response).scale(s.r)
        };
        let mut poly = self.sector.base() + extra;
        let mut next = 0;
        while next < order.len() && followers[order[next]].from <= lo {
            poly = poly + rev(order[next]);
            next += 1;
        }
        let mut best = (lo, f64::NEG_INFINITY);
        let mut consider = |w: f64, v: f64| {
            if v > best.1 {
                best = (w, v);
            }
        };
        let mut a = lo;
        // A piece's supremum just below its open end, judged after the next
        // piece's start so that ties go to the start.
        let mut deferred: Option<(f64, f64)> = None;
        while a < hi {
            let b = if next < order.len() {
                followers[order[next]].from.min(hi)
            } else {
                hi
            };
            consider(a, poly.eval(a));
            if let Some((w, v)) = deferred.take() {
                consider(w, v);
            }
            let (w, v) = poly.argmax_in(a, b);
            if w < b {
                consider(w, v);
            } else if b > a && b < hi {
                // The piece peaks at its open end, where a follower enters:
                // just below it matters only if that follower's modelled
                // revenue there is negative (a poor fit).
                let below = b.next_down();
                deferred = Some((below, poly.eval(below)));
            }
            a = b;
            while next < order.len() && followers[order[next]].from <= a {
                poly = poly + rev(order[next]);
                next += 1;
            }
        }
        consider(hi, poly.eval(hi));
        best
    }
}

impl SectorMarket {
    /// The SPE profile, G kept in: its choice and every specialist's best
    /// response to it.
    pub fn equilibrium(&self) -> Vec<f64> {
        std::iter::once(self.choice)
            .chain((0..self.terms.len()).map(|k| self.respond(k, self.choice)))
            .collect()
    }
}

impl LearningGame for SectorMarket {
    fn agents(&self) -> usize {
        self.spaces.len()
    }

    fn space(&self, i: usize) -> &Space {
        &self.spaces[i]
    }

    fn role(&self, i: usize) -> Role {
        if i == 0 {
            Role::Leader { entry: true }
        } else {
            Role::Follower { entry: true }
        }
    }

    fn payoff(&self, i: usize, a: f64, profile: &[f64]) -> f64 {
        let m = &self.sector;
        if i == 0 {
            let revenue: f64 = m
                .specialists
                .iter()
                .zip(&profile[1..])
                .map(|(s, &alpha1)| s.share().eval(a) * s.r * alpha1.max(0.0))
                .sum();
            m.base().eval(a) + revenue - m.penalty_at(a)
        } else {
            m.specialists[i - 1].payoff(m.alpha0, profile[0], a)
        }
    }

    /// A specialist: enter and fine-tune to α1*(ω), or stay out, at the ω
    /// it sees. G: its myopic best response to the specialists' current
    /// α1 by its own payoff formula (no rule of a leader uses it).
    fn best_response(&self, i: usize, profile: &[f64]) -> f64 {
        if i == 0 {
            let m = &self.sector;
            let v = m
                .specialists
                .iter()
                .zip(&profile[1..])
                .fold(m.base(), |v, (s, &alpha1)| {
                    v + s.share().scale(s.r * alpha1.max(0.0))
                });
            regulated_choice(&v, m.regulation).omega
        } else {
            self.respond(i - 1, profile[0])
        }
    }

    fn leader_response(&self, i: usize, followers: &[Fitted]) -> Option<f64> {
        if i != 0 {
            return None;
        }
        let mut order = self.order.borrow_mut();
        order.sort_unstable_by(|&a, &b| followers[a].from.total_cmp(&followers[b].from));
        let best = |lo, hi, extra| self.fitted_best(followers, &order, lo, hi, extra);
        let (wu, vu) = best(0.0, 1.0, Poly3::ZERO);
        // Compliance wins ties, as in the SPE.
        Some(match self.sector.regulation {
            Some(reg) if reg.theta > wu => {
                let (wc, vc) = best(reg.theta, 1.0, Poly3::ZERO);
                let (wn, vn) = match reg.form {
                    PenaltyForm::Fixed => (wu, vu - reg.penalty),
                    PenaltyForm::Proportional => best(
                        0.0,
                        reg.theta,
                        Poly3::linear(-reg.penalty * reg.theta, reg.penalty),
                    ),
                };
                if vc >= vn - 1e-12 * (1.0 + vn.abs()) {
                    wc
                } else {
                    wn
                }
            }
            _ => wu,
        })
    }

    fn active(&self, i: usize, t: u64) -> bool {
        i > 0 || t.is_multiple_of(self.leader_every)
    }

    // Every iteration, in closed form: G's best Stackelberg value is fixed
    // per market; a specialist's best payoff at ω is its surplus if it
    // enters, else 0.
    fn max_gain(&self, i: usize, profile: &[f64]) -> f64 {
        let omega = profile[0];
        if i == 0 {
            (self.best_value - self.stackelberg_value(omega)).max(0.0)
        } else {
            let k = i - 1;
            let best = if self.enters(k, omega) {
                self.terms[k].surplus.eval(omega).max(0.0)
            } else {
                0.0
            };
            let s = &self.sector.specialists[k];
            (best - s.payoff(self.sector.alpha0, omega, profile[i])).max(0.0)
        }
    }
}

/// The openness market as a learning game: agent 0 is G, agents 1 … K the
/// specialists. The pair plays by its closed forms, a sector by its
/// specialists' entry; either way each agent's payoff is its own formula
/// at the actions it observes, and the roles say what it observes.
#[derive(Clone)]
pub struct MarketGame(Game);

#[derive(Clone)]
enum Game {
    Pair(OpennessMarket),
    Sector(SectorMarket),
}

/// One call on the concrete game: a branch, not a virtual call.
macro_rules! delegate {
    ($self:ident, $m:ident => $call:expr) => {
        match &$self.0 {
            Game::Pair($m) => $call,
            Game::Sector($m) => $call,
        }
    };
}

impl MarketGame {
    /// `market` as a learning game at the revenue share `delta` stage 1
    /// agreed on (the pair's δ; a sector's common δ, if bargained), G moving
    /// every `leader_every`-th iteration.
    pub fn new(market: &Market, delta: Option<f64>, leader_every: u64) -> Self {
        MarketGame(match market {
            Market::Pair(g) => Game::Pair(OpennessMarket::new(
                *g,
                delta.expect("the pair runs at its δ"),
                leader_every,
            )),
            Market::Sector(m) => Game::Sector(SectorMarket::new(m.at_agreed(delta), leader_every)),
        })
    }

    /// The SPE profile with G kept in (the dynamics have no exit): G's
    /// choice and each specialist's best response to it.
    pub fn equilibrium(&self) -> Vec<f64> {
        delegate!(self, m => m.equilibrium())
    }

    /// A run from a random start judged against `target`, monomorphised
    /// over the concrete game (its payoffs are the hot path), not matched
    /// per call.
    pub(crate) fn simulate(
        &self,
        d: &DynamicsConfig,
        target: &Target,
        rng: &mut ChaCha8Rng,
        observer: &mut dyn Observer,
    ) -> Simulated {
        delegate!(self, m => simulate(m, d, target, rng, observer))
    }
}

// Runs go through `simulate`, monomorphised over the concrete game; these
// serve rule checks, tests and benchmarks.
impl LearningGame for MarketGame {
    fn agents(&self) -> usize {
        delegate!(self, m => m.agents())
    }
    fn space(&self, i: usize) -> &Space {
        delegate!(self, m => m.space(i))
    }
    fn payoff(&self, i: usize, a: f64, profile: &[f64]) -> f64 {
        delegate!(self, m => m.payoff(i, a, profile))
    }
    fn best_response(&self, i: usize, profile: &[f64]) -> f64 {
        delegate!(self, m => m.best_response(i, profile))
    }
    fn gradient(&self, i: usize, profile: &[f64]) -> f64 {
        delegate!(self, m => m.gradient(i, profile))
    }
    fn active(&self, i: usize, t: u64) -> bool {
        delegate!(self, m => m.active(i, t))
    }
    fn role(&self, i: usize) -> Role {
        delegate!(self, m => m.role(i))
    }
    fn leader_response(&self, i: usize, followers: &[Fitted]) -> Option<f64> {
        delegate!(self, m => m.leader_response(i, followers))
    }
    fn max_gain(&self, i: usize, profile: &[f64]) -> f64 {
        delegate!(self, m => m.max_gain(i, profile))
    }
    fn nash_conv(&self, profile: &[f64]) -> f64 {
        delegate!(self, m => m.nash_conv(profile))
    }
}
