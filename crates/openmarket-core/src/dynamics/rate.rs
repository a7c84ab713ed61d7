//! How fast a run's target gap falls: the statistic theory speaks of for
//! its rules (docs/dynamics.md, "Rates"), fitted to the gap at geometric
//! checkpoints t = 1, 2, 4, …
//!
//! A flag at a tolerance hides a rule that does what theory says it does
//! (fictitious play, Hedge) behind a share of 0; a rate does not.

use serde::Serialize;

/// The shape of convergence a rule is known (or expected) to have.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    strum::IntoStaticStr,
    strum::AsRefStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RateKind {
    /// Reaches the target in finitely many steps: the statistic is the
    /// hitting time (`epsilon_time`).
    Finite,
    /// gap_t ≈ c·ρ^t: the statistic is ρ, the fitted ratio per iteration.
    Geometric,
    /// gap_t ≈ c·t^b: the statistic is the fitted exponent b.
    Power,
}

impl RateKind {
    /// The statistic of a run whose agents' rules have these kinds: the
    /// slowest shape among them (a power law dominates a geometric decay,
    /// which dominates a finite time). `None` when no agent learns.
    pub fn of_run(kinds: impl IntoIterator<Item = RateKind>) -> Option<RateKind> {
        kinds.into_iter().max()
    }
}

/// What theory says of a rule's convergence, declared by the rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Theory {
    /// The statistic to measure.
    pub kind: RateKind,
    /// The value theory gives for it, where it gives one (Hedge's −1/2).
    pub expected: Option<f64>,
    /// The result, in a few words (docs/dynamics.md cites it).
    pub says: &'static str,
}

/// A run's fitted statistic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    /// Which statistic.
    pub kind: RateKind,
    /// Its value (`None` when the run gives too few points to fit).
    pub value: Option<f64>,
    /// Its standard error (`None` below three points, or for a hitting
    /// time).
    pub se: Option<f64>,
}

/// The first checkpoints used by a fit are dropped: they describe where
/// the run started, not how it converges. The fit uses the later half of
/// the checkpoints (at least the last three when there are three).
fn tail(points: &[(f64, f64)]) -> &[(f64, f64)] {
    let keep = (points.len() - points.len() / 2).max(3).min(points.len());
    &points[points.len() - keep..]
}

/// The gap's checkpoints: gap at t = 2^k, k = 0, 1, …, for t ≤ the run's
/// last iteration.
pub fn is_checkpoint(t: u64) -> bool {
    t.is_power_of_two()
}

/// Fit `kind` to the gap at checkpoints t = 1, 2, 4, … (`gaps[k]` at
/// t = 2^k). A gap of exactly 0 ends the fit (its logarithm is −∞: the
/// run has arrived). A finite kind reports `epsilon_time`.
pub fn fit(kind: RateKind, gaps: &[f64], epsilon_time: Option<u64>) -> Rate {
    let none = Rate {
        kind,
        value: None,
        se: None,
    };
    if kind == RateKind::Finite {
        return Rate {
            value: epsilon_time.map(|t| t as f64),
            ..none
        };
    }
    let mut points = [(0.0, 0.0); 64];
    let mut len = 0;
    for (k, &g) in gaps.iter().enumerate().take(64) {
        if g.is_nan() || g <= 0.0 || !g.is_finite() {
            break;
        }
        let t = (1u64 << k) as f64;
        let x = match kind {
            RateKind::Power => t.ln(),
            _ => t,
        };
        points[len] = (x, g.ln());
        len += 1;
    }
    if len < 2 {
        return none;
    }
    let Some((slope, se)) = ols(tail(&points[..len])) else {
        return none;
    };
    match kind {
        RateKind::Power => Rate {
            value: Some(slope),
            se,
            ..none
        },
        // ρ = e^slope; its standard error by the delta method.
        _ => Rate {
            value: Some(slope.exp()),
            se: se.map(|s| s * slope.exp()),
            ..none
        },
    }
}

/// The least-squares slope of y on x and its standard error (`None` with
/// fewer than three points).
fn ols(points: &[(f64, f64)]) -> Option<(f64, Option<f64>)> {
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    let se = (points.len() > 2).then(|| {
        let rss: f64 = points
            .iter()
            .map(|p| (p.1 - my - slope * (p.0 - mx)).powi(2))
            .sum();
        (rss / (n - 2.0) / sxx).sqrt()
    });
    Some((slope, se))
}
