//! Small exact numerics shared by the solvers: polynomials of degree ≤ 3,
//! their real roots on an interval, exact argmax on an interval, and a
//! bracketing 1-D maximiser for objectives with no closed form.

pub(crate) mod ode;

use std::ops::{Add, Mul, Sub};

/// A real polynomial of degree at most 3: `c[0] + c[1]·x + c[2]·x² + c[3]·x³`.
///
/// Every payoff of the openness game is such a polynomial in ω, which is why
/// the subgame-perfect equilibrium is exact rather than grid-searched.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Poly3(pub [f64; 4]);

impl Poly3 {
    /// The zero polynomial.
    pub const ZERO: Poly3 = Poly3([0.0; 4]);

    /// The constant `c`.
    pub fn constant(c: f64) -> Self {
        Poly3([c, 0.0, 0.0, 0.0])
    }

    /// `a + b·x`
    pub fn linear(a: f64, b: f64) -> Self {
        Poly3([a, b, 0.0, 0.0])
    }

    /// The value at `x` (Horner).
    pub fn eval(&self, x: f64) -> f64 {
        let c = &self.0;
        ((c[3] * x + c[2]) * x + c[1]) * x + c[0]
    }

    /// The derivative.
    pub fn derivative(&self) -> Poly3 {
        let c = &self.0;
        Poly3([c[1], 2.0 * c[2], 3.0 * c[3], 0.0])
    }

    /// `k` times the polynomial.
    pub fn scale(&self, k: f64) -> Poly3 {
        let c = &self.0;
        Poly3([k * c[0], k * c[1], k * c[2], k * c[3]])
    }

    /// Largest absolute coefficient: the scale that tolerances are relative to.
    pub fn magnitude(&self) -> f64 {
        self.0.iter().fold(0.0_f64, |m, c| m.max(c.abs()))
    }

    /// Real roots of the polynomial that lie in `[lo, hi]`, ascending.
    ///
    /// The critical points (roots of the quadratic derivative, in closed
    /// form) cut the interval into monotone pieces; each piece holds at most
    /// one root, found by bisection to machine precision. This is exact up to
    /// rounding and, unlike Cardano's formula, well conditioned near double
    /// roots.
    pub fn roots_in(&self, lo: f64, hi: f64) -> Vec<f64> {
        let mut knots = vec![lo];
        let (critical, n) = self.derivative().quadratic_roots();
        knots.extend(critical[..n].iter().copied().filter(|&x| x > lo && x < hi));
        knots.push(hi);
        let tol = 1e-14 * (1.0 + self.magnitude());
        let mut roots: Vec<f64> = Vec::new();
        for w in knots.windows(2) {
            let (a, b) = (w[0], w[1]);
            let (fa, fb) = (self.eval(a), self.eval(b));
            let root = if fa.abs() <= tol {
                Some(a)
            } else if fb.abs() <= tol {
                Some(b)
            } else if (fa < 0.0) != (fb < 0.0) {
                Some(bisect(|x| self.eval(x), a, b, fa))
            } else {
                None
            };
            if let Some(r) = root
                && roots.last().is_none_or(|&last| (r - last).abs() > 1e-12)
            {
                roots.push(r);
            }
        }
        roots
    }

    /// Real roots of `c0 + c1 x + c2 x²` (the cubic term is ignored),
    /// ascending, distinct: the first `n` of the array. On the stack, since
    /// a learning leader's choice runs through here.
    fn quadratic_roots(&self) -> ([f64; 2], usize) {
        let [c, b, a, _] = self.0;
        let scale = a.abs().max(b.abs()).max(c.abs());
        if scale == 0.0 {
            return ([0.0; 2], 0);
        }
        if a.abs() <= 1e-14 * scale {
            return if b.abs() <= 1e-14 * scale {
                ([0.0; 2], 0)
            } else {
                ([-c / b, 0.0], 1)
            };
        }
        let disc = b * b - 4.0 * a * c;
        if disc < 0.0 {
            return ([0.0; 2], 0);
        }
        // Numerically stable form: never subtract nearly equal numbers.
        let q = -0.5 * (b + b.signum() * disc.sqrt());
        if q == 0.0 {
            return ([0.0; 2], 1);
        }
        let (mut r0, mut r1) = (q / a, c / q);
        if r1.total_cmp(&r0).is_lt() {
            std::mem::swap(&mut r0, &mut r1);
        }
        if r0 == r1 {
            ([r0, 0.0], 1)
        } else {
            ([r0, r1], 2)
        }
    }

    /// Exact maximiser over `[lo, hi]`: the best of the endpoints and the
    /// critical points inside. On ties (within rounding) the smallest
    /// maximiser wins, as docs/model.md §A.3 prescribes.
    pub fn argmax_in(&self, lo: f64, hi: f64) -> (f64, f64) {
        let mut candidates = [lo, hi, 0.0, 0.0];
        let mut n = 2;
        let (critical, k) = self.derivative().quadratic_roots();
        for &x in critical[..k].iter().filter(|&&x| x > lo && x < hi) {
            candidates[n] = x;
            n += 1;
        }
        smallest_maximiser(
            candidates[..n].iter().map(|&x| (x, self.eval(x))),
            self.magnitude(),
        )
    }
}

/// Among `(x, f(x))` candidates, the smallest x whose value is within
/// rounding of the best value.
pub fn smallest_maximiser(
    candidates: impl Iterator<Item = (f64, f64)> + Clone,
    scale: f64,
) -> (f64, f64) {
    // Two passes over a cloned iterator rather than a collected Vec: no
    // allocation.
    let best = candidates
        .clone()
        .map(|c| c.1)
        .fold(f64::NEG_INFINITY, f64::max);
    let tol = 1e-12 * (1.0 + scale.abs() + best.abs());
    candidates
        .filter(|c| c.1 >= best - tol)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .expect("at least one candidate")
}

fn bisect(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64, fa: f64) -> f64 {
    let neg_at_a = fa < 0.0;
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if m <= a || m >= b {
            break;
        }
        if (f(m) < 0.0) == neg_at_a {
            a = m;
        } else {
            b = m;
        }
    }
    0.5 * (a + b)
}

impl Add for Poly3 {
    type Output = Poly3;
    fn add(self, o: Poly3) -> Poly3 {
        let (a, b) = (self.0, o.0);
        Poly3([a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]])
    }
}

impl Sub for Poly3 {
    type Output = Poly3;
    fn sub(self, o: Poly3) -> Poly3 {
        self + o.scale(-1.0)
    }
}

impl Mul for Poly3 {
    type Output = Poly3;
    /// Product, which must itself have degree ≤ 3 (checked in debug builds).
    fn mul(self, o: Poly3) -> Poly3 {
        let (a, b) = (self.0, o.0);
        let mut c = [0.0; 4];
        for i in 0..4 {
            for j in 0..4 {
                if i + j < 4 {
                    c[i + j] += a[i] * b[j];
                } else {
                    debug_assert!(a[i] * b[j] == 0.0, "Poly3 product exceeds degree 3");
                }
            }
        }
        Poly3(c)
    }
}

/// Maximise a 1-D function on `[lo, hi]` that may be non-smooth and
/// multi-modal (e.g. the bargaining objective, which jumps where the
/// regulatory regime changes).
///
/// A uniform scan of `grid` intervals locates the best cell; golden-section
/// search then refines inside the two cells around it to an interval of
/// width `tol`. The result is never worse than the best scanned point. Ties
/// go to the smallest argument.
pub fn maximize_1d(f: impl Fn(f64) -> f64, lo: f64, hi: f64, grid: usize, tol: f64) -> (f64, f64) {
    assert!(grid >= 2 && hi >= lo);
    let h = (hi - lo) / grid as f64;
    let mut best_k = 0;
    let mut best_v = f64::NEG_INFINITY;
    for k in 0..=grid {
        let v = f(lo + h * k as f64);
        if v > best_v {
            best_v = v;
            best_k = k;
        }
    }
    let x_grid = lo + h * best_k as f64;
    let a = lo + h * best_k.saturating_sub(1) as f64;
    let b = (lo + h * (best_k + 1) as f64).min(hi);
    let (x_gs, v_gs) = golden_section_max(&f, a, b, tol);
    let (x, v) = if v_gs > best_v {
        (x_gs, v_gs)
    } else {
        (x_grid, best_v)
    };
    polish_stationary(&f, x, v, lo, hi, tol)
}

/// Comparing values cannot place a smooth maximum closer than about
/// √ε ≈ 1e-8, because the objective is flat there to rounding. The zero of
/// a central-difference derivative can: bisect its sign in a small window
/// and keep the result only if the value did not drop.
fn polish_stationary(
    f: impl Fn(f64) -> f64,
    x: f64,
    v: f64,
    lo: f64,
    hi: f64,
    tol: f64,
) -> (f64, f64) {
    const H: f64 = 1e-5;
    let w = 1e-6_f64.max(tol);
    let (mut a, mut b) = ((x - w).max(lo + H), (x + w).min(hi - H));
    let slope = |t: f64| f(t + H) - f(t - H);
    if a >= b || !(slope(a) > 0.0 && slope(b) < 0.0) {
        return (x, v);
    }
    while b - a > tol.min(1e-12) {
        let m = 0.5 * (a + b);
        if m <= a || m >= b {
            break;
        }
        if slope(m) > 0.0 { a = m } else { b = m }
    }
    let xp = 0.5 * (a + b);
    let vp = f(xp);
    if vp >= v - 1e-15 * (1.0 + v.abs()) {
        (xp, vp)
    } else {
        (x, v)
    }
}

/// Golden-section search for a maximum of `f` on `[a, b]`, to width `tol`.
pub fn golden_section_max(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64, tol: f64) -> (f64, f64) {
    const INV_PHI: f64 = 0.618_033_988_749_894_9;
    let mut c = b - INV_PHI * (b - a);
    let mut d = a + INV_PHI * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    while b - a > tol {
        // `>=` keeps the left point on ties, so flat regions resolve to the
        // smaller argument.
        if fc >= fd {
            b = d;
            d = c;
            fd = fc;
            c = b - INV_PHI * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + INV_PHI * (b - a);
            fd = f(d);
        }
    }
    if fc >= fd { (c, fc) } else { (d, fd) }
}

/// SplitMix64's finaliser: a bijection of u64 that spreads every input
/// bit over the output, so seeds derived from nearby indices are unrelated.
/// Run seeds and bootstrap streams both derive from it.
pub fn splitmix64_mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_of_a_known_cubic() {
        // (x - 0.1)(x - 0.5)(x - 0.9) = x³ - 1.5x² + 0.59x - 0.045
        let p = Poly3([-0.045, 0.59, -1.5, 1.0]);
        let r = p.roots_in(0.0, 1.0);
        assert_eq!(r.len(), 3);
        for (got, want) in r.iter().zip([0.1, 0.5, 0.9]) {
            assert!((got - want).abs() < 1e-13, "{got} vs {want}");
        }
        assert_eq!(p.roots_in(0.2, 0.4), Vec::<f64>::new());
    }

    #[test]
    fn double_root_is_found_once() {
        // (x - 0.3)² (x - 2): the double root touches zero without a sign change.
        let p = Poly3::linear(-0.3, 1.0) * Poly3::linear(-0.3, 1.0) * Poly3::linear(-2.0, 1.0);
        let r = p.roots_in(0.0, 1.0);
        assert_eq!(r.len(), 1);
        assert!((r[0] - 0.3).abs() < 1e-12);
    }

    #[test]
    fn argmax_prefers_interior_critical_point_and_smallest_on_ties() {
        let p = Poly3([0.0, 1.0, -1.0, 0.0]); // x - x², max at 0.5
        let (x, v) = p.argmax_in(0.0, 1.0);
        assert!((x - 0.5).abs() < 1e-15 && (v - 0.25).abs() < 1e-15);
        let flat = Poly3::constant(3.0);
        assert_eq!(flat.argmax_in(0.2, 0.7).0, 0.2);
    }

    #[test]
    fn maximize_1d_finds_a_narrow_peak_next_to_a_jump() {
        let f = |x: f64| {
            if x < 0.3 {
                1.0
            } else {
                2.0 - (x - 0.31234567).powi(2)
            }
        };
        let (x, v) = maximize_1d(f, 0.0, 1.0, 256, 1e-11);
        assert!(
            (x - 0.31234567).abs() < 1e-9 && (v - 2.0).abs() < 1e-15,
            "{x}"
        );
    }
}
