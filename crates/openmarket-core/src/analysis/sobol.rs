//! Sobol' indices from outputs on a Saltelli design
//! ([`crate::design::saltelli`]), by SALib 1.6's estimators
//! (`SALib.analyze.sobol.analyze`): the output is standardised once over
//! all its values (population standard deviation), then
//!
//! - first order (Saltelli 2010): S1ᵢ = mean(B · (ABᵢ − A)) / Var(A ∪ B);
//! - total order (Jansen): STᵢ = ½ · mean((A − ABᵢ)²) / Var(A ∪ B);
//! - second order (Saltelli 2002): S2ᵢⱼ = mean(BAᵢ · ABⱼ − A · B) / Var −
//!   S1ᵢ − S1ⱼ;
//!
//! with variances over the 2N values of A and B (ddof 0), and bootstrap
//! intervals: each resample draws N base rows with replacement and
//! recomputes every index, variance included; the interval's half-width
//! is z₀.₉₇₅ times the resamples' standard deviation (ddof 1). The
//! resamples are drawn from this crate's generator, so the intervals are
//! not SALib's digit for digit; the point estimates are, to rounding.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::{AnalysisError, Z_975, mean, std_ddof1};

/// The indices of one output.
#[derive(Clone, Debug, PartialEq)]
pub struct SobolIndices {
    /// First-order indices, one per parameter.
    pub s1: Vec<f64>,
    /// Half-width of their 95% bootstrap intervals.
    pub s1_conf: Vec<f64>,
    /// Total-order indices.
    pub st: Vec<f64>,
    /// Half-width of their 95% bootstrap intervals.
    pub st_conf: Vec<f64>,
    /// Second-order indices (i, j, S2ᵢⱼ, half-width) for i < j, when the
    /// design has the BA rows.
    pub s2: Vec<(usize, usize, f64, f64)>,
}

/// The design's output split into SALib's matrices, standardised.
struct Split {
    n: usize,
    d: usize,
    a: Vec<f64>,
    b: Vec<f64>,
    /// AB column-major: ab[j * n + row].
    ab: Vec<f64>,
    /// BA column-major, empty without second order.
    ba: Vec<f64>,
}

/// Below this spread SALib calls an output constant and returns 0.
const EPS: f64 = f64::EPSILON;

fn split(y: &[f64], d: usize, second_order: bool) -> Result<Split, AnalysisError> {
    let step = if second_order { 2 * d + 2 } else { d + 2 };
    if d == 0 || y.is_empty() || !y.len().is_multiple_of(step) {
        return Err(AnalysisError::Layout {
            values: y.len(),
            group: step,
        });
    }
    let n = y.len() / step;
    let m = mean(y.iter().copied());
    let sd = (y.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / y.len() as f64).sqrt();
    if sd.is_nan() || sd <= 0.0 || !sd.is_finite() {
        return Err(AnalysisError::Constant);
    }
    let z = |v: f64| (v - m) / sd;
    let a = (0..n).map(|r| z(y[r * step])).collect();
    let b = (0..n).map(|r| z(y[r * step + step - 1])).collect();
    let ab = (0..d)
        .flat_map(|j| (0..n).map(move |r| z(y[r * step + 1 + j])))
        .collect();
    let ba = if second_order {
        (0..d)
            .flat_map(|j| (0..n).map(move |r| z(y[r * step + 1 + d + j])))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Split { n, d, a, b, ab, ba })
}

/// Every index of one resample (`rows` are base-row indices; the point
/// estimate uses 0..N): S1, ST, and S2 in (i, j) order.
fn estimate(s: &Split, rows: &[usize], s1: &mut [f64], st: &mut [f64], s2: &mut Vec<f64>) {
    let n = rows.len() as f64;
    let ab = |j: usize, r: usize| s.ab[j * s.n + r];
    let all = rows
        .iter()
        .map(|&r| s.a[r])
        .chain(rows.iter().map(|&r| s.b[r]));
    let (lo, hi) = all
        .clone()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
    let mu = all.clone().sum::<f64>() / (2.0 * n);
    let var = all.map(|v| (v - mu) * (v - mu)).sum::<f64>() / (2.0 * n);
    // SALib's guards: a constant resample contributes zeros.
    let flat = hi - lo <= EPS || var <= EPS;
    for j in 0..s.d {
        if flat {
            s1[j] = 0.0;
            st[j] = 0.0;
            continue;
        }
        let (mut f, mut t) = (0.0, 0.0);
        for &r in rows {
            let (a, b, abj) = (s.a[r], s.b[r], ab(j, r));
            f += b * (abj - a);
            t += (a - abj) * (a - abj);
        }
        s1[j] = f / n / var;
        st[j] = 0.5 * (t / n) / var;
    }
    s2.clear();
    if s.ba.is_empty() {
        return;
    }
    for i in 0..s.d {
        for j in i + 1..s.d {
            if flat {
                s2.push(0.0);
                continue;
            }
            let v: f64 = rows
                .iter()
                .map(|&r| s.ba[i * s.n + r] * ab(j, r) - s.a[r] * s.b[r])
                .sum();
            s2.push(v / n / var - s1[i] - s1[j]);
        }
    }
}

/// Sobol' indices of the output `y`, given in the design's point order
/// (`d` parameters, `second_order` as designed), with `resamples`
/// bootstrap resamples drawn from `seed`. Resamples run in parallel; the
/// result does not depend on the number of threads.
pub fn analyze(
    y: &[f64],
    d: usize,
    second_order: bool,
    resamples: usize,
    seed: u64,
) -> Result<SobolIndices, AnalysisError> {
    let s = split(y, d, second_order)?;
    let all: Vec<usize> = (0..s.n).collect();
    let (mut s1, mut st, mut s2) = (vec![0.0; d], vec![0.0; d], Vec::new());
    estimate(&s, &all, &mut s1, &mut st, &mut s2);
    // One row per resample: S1 (d), ST (d), S2 (pairs).
    let width = 2 * d + s2.len();
    let boot: Vec<Vec<f64>> = (0..resamples)
        .into_par_iter()
        .map_init(
            || (vec![0usize; s.n], vec![0.0; d], vec![0.0; d], Vec::new()),
            |(rows, b1, bt, b2), k| {
                let mut rng = ChaCha8Rng::seed_from_u64(super::stream_seed(seed, k as u64));
                for r in rows.iter_mut() {
                    *r = rng.random_range(0..s.n);
                }
                estimate(&s, rows, b1, bt, b2);
                let mut out = Vec::with_capacity(width);
                out.extend_from_slice(b1);
                out.extend_from_slice(bt);
                out.extend_from_slice(b2);
                out
            },
        )
        .collect();
    let conf = |c: usize| Z_975 * std_ddof1(boot.iter().map(|row| row[c]));
    let pairs = (0..d).flat_map(|i| (i + 1..d).map(move |j| (i, j)));
    Ok(SobolIndices {
        s1_conf: (0..d).map(conf).collect(),
        st_conf: (0..d).map(|j| conf(d + j)).collect(),
        s2: pairs
            .zip(&s2)
            .enumerate()
            .map(|(k, ((i, j), &v))| (i, j, v, conf(2 * d + k)))
            .collect(),
        s1,
        st,
    })
}
