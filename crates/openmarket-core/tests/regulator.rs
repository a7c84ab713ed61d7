//! The exact optimal regulation against a dense (θ, p) grid of SPEs that
//! this file computes from the raw payoffs of docs/model.md §A.2 — no
//! polynomials of the library, no regime formulas: D's and G's first-order
//! conditions for α1 and α0 (concave quadratics), then G's ω by the sign
//! of the exact derivative of its raw payoff (dual numbers) and a
//! comparison of every local maximum, complying, paying and exiting
//! compared by value; δ by a scan and golden-section refinement of the
//! bargaining objective.

use openmarket_core::openness::regulator::Regulable;
use openmarket_core::openness::regulator::{Objective, SearchBox};
use openmarket_core::openness::{Alpha0, BargainingRule, OpennessGame, PenaltyForm, Regulation};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

// ------------------------------------------------------------ dual numbers

/// x + x'·ε with ε² = 0: exact first derivatives of the raw payoffs.
#[derive(Clone, Copy)]
struct D(f64, f64);

impl std::ops::Add for D {
    type Output = D;
    fn add(self, o: D) -> D {
        D(self.0 + o.0, self.1 + o.1)
    }
}
impl std::ops::Sub for D {
    type Output = D;
    fn sub(self, o: D) -> D {
        D(self.0 - o.0, self.1 - o.1)
    }
}
impl std::ops::Mul for D {
    type Output = D;
    fn mul(self, o: D) -> D {
        D(self.0 * o.0, self.0 * o.1 + self.1 * o.0)
    }
}
impl std::ops::Div for D {
    type Output = D;
    fn div(self, o: D) -> D {
        D(self.0 / o.0, (self.1 * o.0 - self.0 * o.1) / (o.0 * o.0))
    }
}
fn c(x: f64) -> D {
    D(x, 0.0)
}

// ------------------------------------------------------------ raw payoffs

/// Near-ties go the SPE's way — comply rather than pay, stay rather than
/// exit — within this margin: an optimum at a compliance or exit boundary
/// is a tie there, and the library's margin (1e-12 relative to V's
/// coefficients) and the reference's rounding differ by more than 1e-12.
const TIE: f64 = 1e-9;

/// What G's choice at (θ, p, δ) leads to; `None` on exit.
#[derive(Clone, Copy, Debug)]
struct Brute {
    omega: f64,
    alpha1: f64,
    u_g: f64,
    u_d: f64,
    paid: f64,
}

struct Raw<'a> {
    g: &'a OpennessGame,
    delta: f64,
}

impl Raw<'_> {
    /// G's revenue share s = δ(1 − λω).
    fn s(&self, w: D) -> D {
        c(self.delta) * (c(1.0) - c(self.g.lambda) * w)
    }
    /// α0: given, or G's first-order condition s·r = 2·c0·α0 (U_G's α0
    /// terms are s·r·α0 − c0·α0², D's response adding α0 one for one).
    fn alpha0(&self, w: D) -> D {
        match self.g.alpha0 {
            Alpha0::Exogenous(a) => c(a),
            Alpha0::Endogenous => self.s(w) * c(self.g.r) / c(2.0 * self.g.c0),
        }
    }
    /// D's first-order condition of U_D = (1 − s)·r·α1 − c1(α1 − α0)²/(1 + κω).
    fn alpha1(&self, w: D) -> D {
        let t = c(1.0) - self.s(w);
        self.alpha0(w) + t * c(self.g.r) * (c(1.0) + c(self.g.kappa) * w) / c(2.0 * self.g.c1)
    }
    /// U_G = s·r·α1 + εω − o(1 − ω) − c0·α0², before any penalty.
    fn v(&self, w: D) -> D {
        let g = self.g;
        let a0 = self.alpha0(w);
        self.s(w) * c(g.r) * self.alpha1(w) + c(g.epsilon) * w
            - c(g.operation_cost) * (c(1.0) - w)
            - c(g.c0) * a0 * a0
    }
    fn u_d(&self, w: f64) -> f64 {
        let g = self.g;
        let wd = c(w);
        let (s, a0, a1) = (self.s(wd).0, self.alpha0(wd).0, self.alpha1(wd).0);
        (1.0 - s) * g.r * a1 - g.c1 * (a1 - a0).powi(2) / (1.0 + g.kappa * w)
    }

    /// max of v(ω) + slope·ω on [a, b]: every endpoint and every zero of
    /// the derivative where it turns from + to −, found by bisection.
    fn argmax(&self, a: f64, b: f64, slope: f64) -> (f64, f64) {
        let f = |w: f64| {
            let x = self.v(D(w, 1.0));
            (x.0 + slope * w, x.1 + slope)
        };
        let mut best = (a, f(a).0);
        let fb = f(b).0;
        if fb > best.1 {
            best = (b, fb);
        }
        const SCAN: usize = 64;
        let at = |k: usize| a + (b - a) * k as f64 / SCAN as f64;
        for k in 0..SCAN {
            let (mut lo, mut hi) = (at(k), at(k + 1));
            if !(f(lo).1 > 0.0 && f(hi).1 <= 0.0) {
                continue;
            }
            for _ in 0..200 {
                let m = 0.5 * (lo + hi);
                if m <= lo || m >= hi {
                    break;
                }
                if f(m).1 > 0.0 { lo = m } else { hi = m }
            }
            for w in [lo, hi] {
                let v = f(w).0;
                if v > best.1 {
                    best = (w, v);
                }
            }
        }
        best
    }

    /// G's choice under `reg`: unregulated best if the threshold does not
    /// bind, else the better of complying and paying (ties comply); exit if
    /// that is negative.
    fn stage(&self, reg: Regulation) -> Option<Brute> {
        let (wu, vu) = self.argmax(0.0, 1.0, 0.0);
        let (w, value, paid) = if reg.theta <= wu {
            (wu, vu, 0.0)
        } else {
            let (wc, vc) = self.argmax(reg.theta, 1.0, 0.0);
            let (wn, vn, paid) = match reg.form {
                PenaltyForm::Fixed => (wu, vu - reg.penalty, reg.penalty),
                PenaltyForm::Proportional => {
                    let (w, v) = self.argmax(0.0, reg.theta, reg.penalty);
                    (
                        w,
                        v - reg.penalty * reg.theta,
                        reg.penalty * (reg.theta - w),
                    )
                }
            };
            if vc >= vn - TIE {
                (wc, vc, 0.0)
            } else {
                (wn, vn, paid)
            }
        };
        (value >= -TIE).then(|| Brute {
            omega: w,
            alpha1: self.alpha1(c(w)).0,
            u_g: value,
            u_d: self.u_d(w),
            paid,
        })
    }
}

/// max of f on [0, 1]: `scan` cells, then golden section around the best.
fn maximize(f: impl Fn(f64) -> f64, scan: usize) -> f64 {
    let mut best = (0.0, f(0.0));
    for k in 1..=scan {
        let x = k as f64 / scan as f64;
        let v = f(x);
        if v > best.1 {
            best = (x, v);
        }
    }
    let cell = 1.0 / scan as f64;
    let (mut a, mut b) = ((best.0 - cell).max(0.0), (best.0 + cell).min(1.0));
    let r = 0.5 * (5f64.sqrt() - 1.0);
    let (mut x1, mut x2) = (b - r * (b - a), a + r * (b - a));
    let (mut f1, mut f2) = (f(x1), f(x2));
    while b - a > 1e-11 {
        if f1 < f2 {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + r * (b - a);
            f2 = f(x2);
        } else {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - r * (b - a);
            f1 = f(x1);
        }
    }
    for x in [x1, x2] {
        if f(x) > best.1 {
            best = (x, f(x));
        }
    }
    best.0
}

/// The SPE at (θ, p) from the raw payoffs, δ bargained by a scan of
/// `scan` cells.
fn brute_spe(g: &OpennessGame, reg: Regulation, scan: usize) -> Option<Brute> {
    let stage = |delta: f64| Raw { g, delta }.stage(reg);
    let u = |o: Option<Brute>| o.map_or((0.0, 0.0), |b| (b.u_g, b.u_d));
    let delta = match g.bargaining {
        BargainingRule::Fixed(d) => d,
        BargainingRule::Nash => maximize(
            |d| {
                let (a, b) = u(stage(d));
                a * b
            },
            scan,
        ),
        BargainingRule::Utilitarian => maximize(
            |d| {
                let (a, b) = u(stage(d));
                a + b
            },
            scan,
        ),
        BargainingRule::Egalitarian => maximize(
            |d| {
                let (a, b) = u(stage(d));
                a.min(b)
            },
            scan,
        ),
        BargainingRule::KalaiSmorodinsky => {
            let gm = u(stage(maximize(|d| u(stage(d)).0, scan))).0;
            let dm = u(stage(maximize(|d| u(stage(d)).1, scan))).1;
            let ratio = |x: f64, m: f64| if m > 0.0 { x / m } else { f64::INFINITY };
            maximize(
                |d| {
                    let (a, b) = u(stage(d));
                    ratio(a, gm).min(ratio(b, dm))
                },
                scan,
            )
        }
    };
    stage(delta)
}

fn score(objective: &Objective, o: Option<Brute>) -> f64 {
    let Some(o) = o else { return 0.0 };
    let surplus = o.u_g + o.u_d + o.paid;
    match *objective {
        Objective::Openness => o.omega,
        Objective::Performance => o.alpha1,
        Objective::Surplus => surplus,
        Objective::Weighted {
            openness,
            performance,
            surplus: w,
        } => openness * o.omega + performance * o.alpha1 + w * surplus,
    }
}

// ------------------------------------------------------------ cases

/// Cases 0..FIXED have a fixed δ.
const FIXED: u64 = 140;

struct Case {
    game: OpennessGame,
    search: SearchBox,
    objectives: Vec<Objective>,
}

fn case(seed: u64) -> Case {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let form = if seed.is_multiple_of(2) {
        PenaltyForm::Fixed
    } else {
        PenaltyForm::Proportional
    };
    // FIXED fixed shares, then 15 of each bargaining rule.
    let bargaining = match seed {
        0..FIXED => BargainingRule::Fixed(rng.random_range(0.05..0.95)),
        140..155 => BargainingRule::Nash,
        155..170 => BargainingRule::Utilitarian,
        170..185 => BargainingRule::Egalitarian,
        _ => BargainingRule::KalaiSmorodinsky,
    };
    let game = OpennessGame {
        alpha0: if rng.random_bool(0.2) {
            Alpha0::Endogenous
        } else {
            Alpha0::Exogenous(rng.random_range(0.0..0.7))
        },
        r: rng.random_range(0.5..2.0),
        c0: rng.random_range(0.5..2.0),
        c1: rng.random_range(0.5..2.0),
        epsilon: rng.random_range(0.0..0.3),
        lambda: rng.random_range(0.0..=1.0),
        kappa: if rng.random_bool(0.5) {
            0.0
        } else {
            rng.random_range(0.0..1.5)
        },
        operation_cost: if rng.random_bool(0.5) {
            0.0
        } else {
            rng.random_range(0.0..0.2)
        },
        bargaining,
        regulation: None,
    };
    let theta = if rng.random_bool(0.5) {
        [0.0, 1.0]
    } else {
        let a: f64 = rng.random_range(0.0..0.6);
        [a, rng.random_range(a + 0.1..=1.0)]
    };
    let p_hi = rng.random_range(0.02..1.0);
    let penalty = if rng.random_bool(0.5) {
        [0.0, p_hi]
    } else {
        [rng.random_range(0.0..p_hi), p_hi]
    };
    let w = [
        rng.random_range(0.0..1.0),
        rng.random_range(0.0..1.0),
        rng.random_range(0.0..1.0),
    ];
    Case {
        game,
        search: SearchBox {
            theta,
            penalty,
            form,
        },
        objectives: vec![
            Objective::Openness,
            Objective::Performance,
            Objective::Surplus,
            Objective::Weighted {
                openness: w[0],
                performance: w[1],
                surplus: w[2],
            },
        ],
    }
}

/// The grid's outcomes at every (θ, p), from the raw payoffs.
fn grid(c: &Case, k: usize, scan: usize) -> Vec<((f64, f64), Option<Brute>)> {
    (0..=k)
        .flat_map(|i| (0..=k).map(move |j| (i, j)))
        .map(|(i, j)| {
            let (t, p) = c.search.at(i as f64 / k as f64, j as f64 / k as f64);
            ((t, p), brute_spe(&c.game, c.search.regulation(t, p), scan))
        })
        .collect()
}

/// Per case and objective: (optimum − grid best, |brute at the optimum −
/// optimum|).
#[test]
fn optimal_regulation_is_the_best_of_a_dense_grid_and_is_attained() {
    let results: Vec<(u64, usize, f64, f64, f64)> = (0..200u64)
        .into_par_iter()
        .flat_map_iter(|seed| {
            let c = case(seed);
            let fixed = matches!(c.game.bargaining, BargainingRule::Fixed(_));
            let (k, scan) = if fixed { (40, 0) } else { (10, 128) };
            let cells = grid(&c, k, scan);
            // A bargained optimum costs ~0.05 s (KS 0.3 s): two objectives
            // per bargained case, all four across them.
            let shown: Vec<usize> = if fixed {
                vec![0, 1, 2, 3]
            } else {
                vec![(seed % 4) as usize, ((seed + 1) % 4) as usize]
            };
            shown
                .into_iter()
                .map(|n| (n, &c.objectives[n]))
                .map(|(n, obj)| {
                    let opt = c.game.optimal_regulation(*obj, &c.search);
                    let values: Vec<f64> = cells.iter().map(|(_, o)| score(obj, *o)).collect();
                    let grid_best = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    // The grid's resolution in value: the largest change
                    // between neighbouring grid points.
                    let at = |i: usize, j: usize| values[i * (k + 1) + j];
                    let mut step = 0.0f64;
                    for i in 0..=k {
                        for j in 0..=k {
                            if i < k {
                                step = step.max((at(i + 1, j) - at(i, j)).abs());
                            }
                            if j < k {
                                step = step.max((at(i, j + 1) - at(i, j)).abs());
                            }
                        }
                    }
                    let reg = c.search.regulation(opt.theta, opt.penalty);
                    let attained = score(obj, brute_spe(&c.game, reg, 512));
                    // `attained` is the raw-payoff SPE at the reported (θ, p),
                    // checked below: the library's own objective_at there
                    // would only repeat the call that found the optimum.
                    assert!(
                        opt.value - grid_best <= step + if fixed { 1e-9 } else { 1e-7 },
                        "case {seed}, objective {n}: the optimum {} beats the grid's best {grid_best} by more than the grid resolves ({step})",
                        opt.value
                    );
                    (seed, n, opt.value, grid_best, attained)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let mut stats = [[0.0f64; 3]; 2];
    for &(seed, n, value, grid_best, attained) in &results {
        let k = usize::from(seed >= FIXED);
        let s = &mut stats[k];
        s[0] = s[0].max(grid_best - value);
        s[1] = s[1].max((attained - value).abs());
        s[2] = s[2].max(value - grid_best);
        // At a fixed δ both are exact to rounding. A bargained δ sits where
        // the bargaining objective peaks or kinks — at a regime boundary,
        // G's tie between complying and paying — and two searches place
        // it only up to that tie, moving the objective by up to ~1e-6.
        let (below, attain) = if seed < FIXED {
            (1e-9, 1e-9)
        } else {
            (1e-7, 1e-6)
        };
        assert!(
            value >= grid_best - below,
            "case {seed}, objective {n}: the optimum {value} is below a grid point's {grid_best}"
        );
        assert!(
            (attained - value).abs() <= attain,
            "case {seed}, objective {n}: the reported optimum {value} is not attained: the raw-payoff SPE there gives {attained}"
        );
    }
    eprintln!(
        "{} (case, objective) pairs; [grid best − optimum, |attained − optimum|, optimum − grid best]: fixed δ {:.2e} {:.2e} {:.2e}, bargained {:.2e} {:.2e} {:.2e}",
        results.len(),
        stats[0][0],
        stats[0][1],
        stats[0][2],
        stats[1][0],
        stats[1][1],
        stats[1][2]
    );
}
