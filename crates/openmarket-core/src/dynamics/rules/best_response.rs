//! Exact best response to what the agent observes, with optional inertia.
//!
//! A simultaneous player or a follower best-responds to the others'
//! current actions by its own payoff formula. A leader cannot: its payoff
//! depends on how the follower will respond. It best-responds instead to a
//! model of that response fitted to what it has seen — after a short
//! exploration, the follower's response α1(ω) is fitted by least squares
//! with a polynomial of degree 2, a class that holds the specialist's
//! exact best response — and chooses its action by its own payoff formula
//! against the fit ([`crate::dynamics::Leader::respond`]).
//!
//! A sector's generalist fits each specialist apart: where it enters and,
//! once it has, its response. Its model class holds the truth: a
//! specialist's best payoff rises with ω (openness lowers G's share of its
//! revenue and its fine-tuning cost), so it enters above one threshold, and
//! it then responds with a polynomial of degree 2. G knows neither the
//! threshold nor the entry cost: it brackets the threshold between the
//! largest ω at which it saw the specialist stay out and the smallest at
//! which it saw it enter. It chooses optimistically, as if every
//! specialist entered anywhere above where it was seen out, and tests a
//! choice that counts on an entry it has not seen there before trusting
//! it: the test confirms the entry there or raises the bracket's lower end
//! to it, and a choice at that lower end is tested at the bracket's middle,
//! so G finds an SPE that sits at an entry threshold by bisection.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::{Context, Rule};
use super::{formula, leader};
use crate::domain::{Domain, Param, ParamValues};
use crate::dynamics::rate::{RateKind, Theory};
use crate::dynamics::{Dynamics, Fitted, Role, View, normal};
use crate::math::Poly3;

const INERTIA: Param = Param {
    key: "inertia",
    domain: Domain::Unit,
    default: 1.0,
};

/// Exact best response; with inertia η < 1 an agent moves only with
/// probability η.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BestResponse {
    /// The probability of moving each iteration.
    pub inertia: f64,
}

impl Rule for BestResponse {
    const PARAMS: &'static [Param] = &[INERTIA];
    fn theory(&self, _: Role) -> Option<Theory> {
        Some(Theory {
            kind: RateKind::Finite,
            expected: None,
            says: "finite time where best-response paths end (finite improvement property)",
        })
    }
    fn from_params(v: &ParamValues) -> Self {
        BestResponse {
            inertia: v.get(&INERTIA),
        }
    }
    fn build(&self, context: &Context) -> Box<dyn Dynamics> {
        match context.role {
            Role::Leader { entry: false } => {
                Box::new(FittedResponse::new(self.inertia, context.response_noise))
            }
            Role::Leader { entry: true } => {
                Box::new(SectorFit::new(self.inertia, context.response_noise))
            }
            _ => Box::new(*self),
        }
    }
}

impl Dynamics for BestResponse {
    fn update(&mut self, view: &View, profile: &[f64], _: u64, rng: &mut ChaCha8Rng) -> f64 {
        if self.inertia >= 1.0 || rng.random_bool(self.inertia) {
            formula(view).best_response(profile)
        } else {
            profile[view.me()]
        }
    }
    fn deterministic(&self) -> bool {
        self.inertia >= 1.0
    }
    fn settles(&self) -> bool {
        self.inertia >= 1.0
    }
}

/// Observed (leader action, follower response) pairs kept for the fit: the
/// latest response at each of the most recent distinct actions.
const KEEP: usize = 16;
/// Exploratory moves before the first fit: enough to identify a quadratic.
const EXPLORE: usize = 3;

/// A leader's best response to its fitted model of the follower. Nothing
/// allocates per iteration, and the fit is redone only when an observation
/// changed it: once play settles, an update is a copy.
struct FittedResponse {
    inertia: f64,
    /// σ of the noise on the responses it observes: with noise, the
    /// responses seen at one action are averaged rather than replaced.
    noise: f64,
    /// (action, latest observed response, or their mean under noise),
    /// most recent last.
    seen: [(f64, f64); KEEP],
    /// How many responses each mean holds.
    counts: [f64; KEEP],
    len: usize,
    explored: usize,
    /// The best response to the current fit, while no observation changed.
    choice: Option<f64>,
}

impl FittedResponse {
    fn new(inertia: f64, noise: f64) -> Self {
        FittedResponse {
            inertia,
            noise,
            seen: [(0.0, 0.0); KEEP],
            counts: [0.0; KEEP],
            len: 0,
            explored: 0,
            choice: None,
        }
    }

    fn fit(&self) -> Poly3 {
        least_squares(&self.seen[..self.len])
    }
}

impl Dynamics for FittedResponse {
    fn settles(&self) -> bool {
        self.inertia >= 1.0
    }
    fn update(&mut self, view: &View, profile: &[f64], _: u64, rng: &mut ChaCha8Rng) -> f64 {
        if self.explored < EXPLORE {
            // One action in each third of [0, 1]: a well-conditioned fit.
            let third = self.explored as f64;
            self.explored += 1;
            return (third + rng.random_range(0.0..1.0)) / 3.0;
        }
        if self.inertia < 1.0 && !rng.random_bool(self.inertia) {
            return profile[view.me()];
        }
        match self.choice {
            Some(w) => w,
            None => {
                let fitted = Fitted {
                    from: 0.0,
                    response: self.fit(),
                };
                let w = leader(view).respond(&[fitted]);
                self.choice = Some(w);
                w
            }
        }
    }
    fn observe(&mut self, view: &View, profile: &[f64], rng: &mut ChaCha8Rng) {
        let me = view.me();
        let w = profile[me];
        let response = if self.noise > 0.0 {
            profile[1 - me] + self.noise * normal(rng)
        } else {
            profile[1 - me]
        };
        let seen = &mut self.seen[..self.len];
        if seen.last() == Some(&(w, response)) {
            return;
        }
        self.choice = None;
        match seen.iter().position(|(x, _)| *x == w) {
            // Move it to the back with its new response (under noise, the
            // mean of every response seen there).
            Some(k) => {
                let response = if self.noise > 0.0 {
                    let c = self.counts[k] + 1.0;
                    seen[k].1 + (response - seen[k].1) / c
                } else {
                    response
                };
                let c = self.counts[k] + 1.0;
                seen[k..].rotate_left(1);
                self.counts[k..self.len].rotate_left(1);
                seen[self.len - 1] = (w, response);
                self.counts[self.len - 1] = c;
            }
            None if self.len < KEEP => {
                self.seen[self.len] = (w, response);
                self.counts[self.len] = 1.0;
                self.len += 1;
            }
            None => {
                self.seen.rotate_left(1);
                self.counts.rotate_left(1);
                self.seen[KEEP - 1] = (w, response);
                self.counts[KEEP - 1] = 1.0;
            }
        }
    }
}

/// The least-squares polynomial of degree ≤ 2 through observations at
/// distinct actions (lower degree when fewer are known), from the 3×3
/// normal equations.
fn least_squares(seen: &[(f64, f64)]) -> Poly3 {
    least_squares_of(seen, 3)
}

/// [`least_squares`] with at most `terms` basis functions (1, ω, ω²).
fn least_squares_of(seen: &[(f64, f64)], terms: usize) -> Poly3 {
    let k = seen.len().min(terms);
    let mut a = [[0.0; 3]; 3];
    let mut b = [0.0; 3];
    for &(w, y) in seen {
        let basis = [1.0, w, w * w];
        for r in 0..k {
            b[r] += basis[r] * y;
            for c in 0..k {
                a[r][c] += basis[r] * basis[c];
            }
        }
    }
    // Gaussian elimination with partial pivoting on the k×k system.
    for col in 0..k {
        let pivot = (col..k)
            .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
            .expect("k ≥ 1");
        if a[pivot][col].abs() < 1e-300 {
            return Poly3::constant(seen[seen.len() - 1].1);
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let pivot_row = a[col];
        for r in col + 1..k {
            let f = a[r][col] / pivot_row[col];
            for (x, p) in a[r][col..k].iter_mut().zip(&pivot_row[col..k]) {
                *x -= f * p;
            }
            b[r] -= f * b[col];
        }
    }
    let mut c = [0.0; 4];
    for r in (0..k).rev() {
        let s: f64 = (r + 1..k).map(|j| a[r][j] * c[j]).sum();
        c[r] = (b[r] - s) / a[r][r];
    }
    Poly3(c)
}

/// Entered observations kept per specialist for its fit.
const FIT: usize = 6;
/// A sector's exploratory moves: ω = 1, where every specialist that ever
/// enters does (entry only grows with ω), then one in each third.
const SECTOR_EXPLORE: usize = 4;
/// A bracket this narrow is resolved: G takes the entry it observed.
const RESOLVED: f64 = 1e-12;

/// What a sector's generalist has learned about one specialist.
#[derive(Clone, Copy, Debug)]
struct EntrantModel {
    /// The largest ω at which it was seen to stay out (−∞: never).
    out_below: f64,
    /// The smallest ω at which it was seen to enter (+∞: never).
    in_above: f64,
    /// (ω, observed α1) where it entered, spread over ω: a new point
    /// replaces the nearest when full, so repeated play near one ω keeps
    /// the older, distant points that condition the fit.
    points: [(f64, f64); FIT],
    len: usize,
    fit: Poly3,
}

impl EntrantModel {
    const UNKNOWN: EntrantModel = EntrantModel {
        out_below: f64::NEG_INFINITY,
        in_above: f64::INFINITY,
        points: [(0.0, 0.0); FIT],
        len: 0,
        fit: Poly3::ZERO,
    };

    /// Whether its entry threshold is bracketed tightly enough to be taken
    /// as the least ω at which it was seen to enter.
    fn resolved(&self) -> bool {
        self.in_above - self.out_below <= RESOLVED
    }

    /// The least ω at which it is modelled, optimistically, to enter: just
    /// above where it was last seen out (0 if never; never if it was never
    /// seen to enter), or where it entered once the bracket is resolved.
    fn optimistic(&self) -> f64 {
        if !self.in_above.is_finite() {
            f64::INFINITY
        } else if self.resolved() {
            self.in_above
        } else {
            self.out_below.max(0.0)
        }
    }

    /// The move that tests an optimistic choice ω that counts on its
    /// entry where it was not yet seen to enter: ω itself, or — at the
    /// bracket's lower end, where it was seen out — the bracket's middle.
    fn probe(&self, omega: f64) -> Option<f64> {
        let uncertain = omega >= self.optimistic() && omega < self.in_above;
        let test = if omega > self.out_below {
            omega
        } else {
            0.5 * (self.out_below + self.in_above)
        };
        uncertain.then_some(test)
    }

    /// Record its answer α1 to ω; whether the model changed. A newer
    /// observation that contradicts an older one (a specialist that had
    /// not yet moved, or that learns) replaces it.
    fn observe(&mut self, omega: f64, alpha1: f64) -> bool {
        let mut changed = false;
        if alpha1 > 0.0 {
            if omega < self.in_above {
                self.in_above = omega;
                changed = true;
            }
            if self.out_below >= omega {
                self.out_below = f64::NEG_INFINITY;
                changed = true;
            }
            changed |= self.add(omega, alpha1);
        } else {
            if omega > self.out_below {
                self.out_below = omega;
                changed = true;
            }
            if self.in_above <= omega {
                let mut kept = 0;
                for j in 0..self.len {
                    if self.points[j].0 > omega {
                        self.points[kept] = self.points[j];
                        kept += 1;
                    }
                }
                self.len = kept;
                self.in_above = self.points[..kept]
                    .iter()
                    .map(|p| p.0)
                    .fold(f64::INFINITY, f64::min);
                changed = true;
            }
        }
        if changed {
            // Points bunched together make the normal equations in ω
            // ill-conditioned (a specialist seen only on a sliver of ω):
            // fit fewer terms there, where a line or a constant is as good.
            let points = &self.points[..self.len];
            let lo = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
            let hi = points.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
            let terms = match hi - lo {
                s if s >= 1e-3 => 3,
                s if s >= 1e-6 => 2,
                _ => 1,
            };
            self.fit = least_squares_of(points, terms);
        }
        changed
    }

    fn add(&mut self, omega: f64, alpha1: f64) -> bool {
        let points = &mut self.points[..self.len];
        if let Some(p) = points.iter_mut().find(|p| p.0 == omega) {
            let changed = p.1 != alpha1;
            p.1 = alpha1;
            return changed;
        }
        if self.len < FIT {
            self.points[self.len] = (omega, alpha1);
            self.len += 1;
        } else {
            let nearest = (0..FIT)
                .min_by(|&a, &b| {
                    (self.points[a].0 - omega)
                        .abs()
                        .total_cmp(&(self.points[b].0 - omega).abs())
                })
                .expect("FIT > 0");
            self.points[nearest] = (omega, alpha1);
        }
        true
    }
}

/// A sector's generalist: its best response to its fitted model of every
/// specialist. The models are allocated once per run; an update re-solves
/// only when an observation changed a model.
///
/// G learns from the responses it saw last before it moves: with two
/// timescales (`leader_every = k`), the specialists have had k iterations
/// to answer its ω, so a specialist slowed by inertia is rarely caught
/// still answering an older one.
struct SectorFit {
    inertia: f64,
    /// σ of the noise on the responses of the specialists that entered (an
    /// entry itself is seen exactly). The latest response replaces the one
    /// before at the same ω: this G does not average (docs/dynamics.md).
    noise: f64,
    models: Vec<EntrantModel>,
    fitted: Vec<Fitted>,
    explored: usize,
    choice: Option<f64>,
    /// The latest responses seen, to G's ω, not yet learned from.
    pending: Vec<f64>,
    pending_omega: Option<f64>,
}

impl SectorFit {
    fn new(inertia: f64, noise: f64) -> Self {
        SectorFit {
            inertia,
            noise,
            models: Vec::new(),
            fitted: Vec::new(),
            explored: 0,
            choice: None,
            pending: Vec::new(),
            pending_omega: None,
        }
    }
}

impl Dynamics for SectorFit {
    fn settles(&self) -> bool {
        self.inertia >= 1.0
    }
    fn init(&mut self, view: &View, _: &[f64], _: &mut ChaCha8Rng) {
        let followers = view.agents() - 1;
        self.models = vec![EntrantModel::UNKNOWN; followers];
        self.pending = vec![0.0; followers];
        self.fitted = vec![
            Fitted {
                from: f64::INFINITY,
                response: Poly3::ZERO,
            };
            followers
        ];
    }
    fn update(&mut self, view: &View, profile: &[f64], _: u64, rng: &mut ChaCha8Rng) -> f64 {
        if let Some(omega) = self.pending_omega.take() {
            let mut changed = false;
            for (m, &alpha1) in self.models.iter_mut().zip(&self.pending) {
                changed |= m.observe(omega, alpha1);
            }
            if changed {
                self.choice = None;
            }
        }
        if self.explored < SECTOR_EXPLORE {
            self.explored += 1;
            return match self.explored {
                1 => 1.0,
                k => ((k - 2) as f64 + rng.random_range(0.0..1.0)) / 3.0,
            };
        }
        if self.inertia < 1.0 && !rng.random_bool(self.inertia) {
            return profile[view.me()];
        }
        if let Some(w) = self.choice {
            return w;
        }
        for (f, m) in self.fitted.iter_mut().zip(&self.models) {
            *f = Fitted {
                from: m.optimistic(),
                response: m.fit,
            };
        }
        let w = leader(view).respond(&self.fitted);
        // Optimism in the face of uncertainty: a choice that counts on an
        // entry not yet seen there is tested before it is trusted; each
        // test shrinks that specialist's bracket.
        let w = self.models.iter().find_map(|m| m.probe(w)).unwrap_or(w);
        self.choice = Some(w);
        w
    }
    fn observe(&mut self, view: &View, profile: &[f64], rng: &mut ChaCha8Rng) {
        let me = view.me();
        let others = profile.iter().enumerate().filter(|&(j, _)| j != me);
        for (p, (_, &alpha1)) in self.pending.iter_mut().zip(others) {
            *p = if self.noise > 0.0 && alpha1 > 0.0 {
                (alpha1 + self.noise * normal(rng)).max(f64::MIN_POSITIVE)
            } else {
                alpha1
            };
        }
        self.pending_omega = Some(profile[me]);
    }
}
