//! Stage 1: the revenue share δ that G and its counterpart (one specialist,
//! or a sector bargaining as one party) agree on, by the rule's criterion
//! over δ ∈ [0, 1]: Nash maximises U_G·U_D, utilitarian U_G + U_D,
//! egalitarian min(U_G, U_D), Kalai–Smorodinsky min(U_G/U_G^max,
//! U_D/U_D^max) with the ideal point taken over δ. Each is a bracketed 1-D
//! search: once regimes can switch with δ there is no closed form.

use super::BargainingRule;
use crate::math::maximize_1d;

/// Grid cells scanned before golden-section refinement in bargaining.
pub(crate) const BARGAIN_GRID: usize = 512;
/// Width to which δ is bracketed (docs/model.md asks for 1e-9).
pub(crate) const BARGAIN_TOL: f64 = 1e-11;

/// The best δ ∈ [0, 1] and its value for `f` of the utilities (U_G, U_D)
/// that `at(δ)` gives.
pub(crate) fn best_delta(
    at: impl Fn(f64) -> (f64, f64),
    f: impl Fn(f64, f64) -> f64,
) -> (f64, f64) {
    maximize_1d(
        |d| {
            let (g, s) = at(d);
            f(g, s)
        },
        0.0,
        1.0,
        BARGAIN_GRID,
        BARGAIN_TOL,
    )
}

/// The δ `rule` agrees on when δ gives G and its counterpart the utilities
/// `at(δ)`; `utilitarian` is a closed form of the utilitarian δ where one
/// holds (asked for only under that rule).
pub(crate) fn agreed_delta(
    rule: BargainingRule,
    at: impl Fn(f64) -> (f64, f64),
    utilitarian: impl FnOnce() -> Option<f64>,
) -> f64 {
    match rule {
        BargainingRule::Fixed(d) => d,
        BargainingRule::Utilitarian => {
            utilitarian().unwrap_or_else(|| best_delta(&at, |g, s| g + s).0)
        }
        BargainingRule::Nash => best_delta(&at, |g, s| g * s).0,
        BargainingRule::Egalitarian => best_delta(&at, |g, s| g.min(s)).0,
        BargainingRule::KalaiSmorodinsky => {
            let g_max = best_delta(&at, |g, _| g).1;
            let s_max = best_delta(&at, |_, s| s).1;
            // A player whose ideal is 0 gets 0 everywhere, so it does not
            // constrain the ratio.
            let ratio = |u: f64, m: f64| if m > 0.0 { u / m } else { f64::INFINITY };
            best_delta(&at, |g, s| ratio(g, g_max).min(ratio(s, s_max))).0
        }
    }
}
