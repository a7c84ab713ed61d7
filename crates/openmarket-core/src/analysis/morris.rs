//! Morris screening from outputs on a Morris design
//! ([`crate::design::morris`]), as SALib 1.6's `SALib.analyze.morris`
//! computes it: each step of a trajectory moves one parameter by Δ (in
//! unit-cube units), and its elementary effect is
//! (f(high) − f(low)) / Δ, whichever way the step went. Per parameter:
//! μ (mean effect), μ* (mean absolute effect), σ (standard deviation of
//! the effects, ddof 1) and a bootstrap interval for μ*.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::{AnalysisError, Z_975, mean, std_ddof1};

/// The screening measures of one output.
#[derive(Clone, Debug, PartialEq)]
pub struct MorrisIndices {
    /// Mean elementary effect per parameter.
    pub mu: Vec<f64>,
    /// Mean absolute elementary effect.
    pub mu_star: Vec<f64>,
    /// Standard deviation of the effects (NaN with one trajectory).
    pub sigma: Vec<f64>,
    /// Half-width of μ*'s 95% bootstrap interval.
    pub mu_star_conf: Vec<f64>,
}

/// Morris measures of `y` on the design's points `x` (one row of `d`
/// values per point, trajectories of d + 1 points one after another, as
/// the design wrote them), with step `delta` and `resamples` bootstrap
/// resamples of the trajectories drawn from `seed`.
pub fn analyze(
    x: &[Vec<f64>],
    y: &[f64],
    d: usize,
    delta: f64,
    resamples: usize,
    seed: u64,
) -> Result<MorrisIndices, AnalysisError> {
    let group = d + 1;
    if d == 0 || y.is_empty() || !y.len().is_multiple_of(group) || x.len() != y.len() {
        return Err(AnalysisError::Layout {
            values: y.len(),
            group,
        });
    }
    let t = y.len() / group;
    // ee[i * t + traj]: SALib's (k, T) matrix; 0 for a parameter a
    // trajectory never moves.
    let mut ee = vec![0.0; d * t];
    for traj in 0..t {
        for s in 0..d {
            let (r0, r1) = (traj * group + s, traj * group + s + 1);
            for i in 0..d {
                let dx = x[r1][i] - x[r0][i];
                if dx > 0.0 {
                    ee[i * t + traj] += (y[r1] - y[r0]) / delta;
                } else if dx < 0.0 {
                    ee[i * t + traj] += (y[r0] - y[r1]) / delta;
                }
            }
        }
    }
    let per = |i: usize| &ee[i * t..(i + 1) * t];
    let mu_star_conf = (0..d)
        .into_par_iter()
        .map(|i| {
            let effects = per(i);
            let means = (0..resamples).map(|k| {
                let mut rng = ChaCha8Rng::seed_from_u64(super::stream_seed(
                    seed,
                    (i as u64) << 32 | k as u64,
                ));
                (0..t)
                    .map(|_| effects[rng.random_range(0..t)].abs())
                    .sum::<f64>()
                    / t as f64
            });
            Z_975 * std_ddof1(means)
        })
        .collect();
    Ok(MorrisIndices {
        mu: (0..d).map(|i| mean(per(i).iter().copied())).collect(),
        mu_star: (0..d)
            .map(|i| mean(per(i).iter().map(|e| e.abs())))
            .collect(),
        sigma: (0..d).map(|i| std_ddof1(per(i).iter().copied())).collect(),
        mu_star_conf,
    })
}
