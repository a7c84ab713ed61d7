//! What a policy analyst asks of a sweep once it has run: which
//! parameters decide an outcome (global sensitivity: [`sobol`],
//! [`morris`]) and in which region of parameter space an outcome holds
//! (scenario discovery: [`prim`]). Pure numerics over plain slices: the
//! `analyze` command reads the tables and hands them here.
//!
//! The estimators follow SALib 1.6 and the EMA Workbench 2.5.3 formula by
//! formula, so their numbers can be checked against those tools on the
//! same data (tests/python/check_analysis.py).

pub mod morris;
pub mod prim;
pub mod sobol;

/// z such that P(|Z| ≤ z) = 0.95 for a standard normal: scipy's
/// `norm.ppf(0.975)`, the factor SALib's intervals use.
pub const Z_975: f64 = 1.959963984540054;

/// Why an output cannot be analysed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    /// The number of values does not fit the design's layout.
    #[error(
        "{values} values do not split into whole groups of {group} (the design's points per base row or trajectory)"
    )]
    Layout {
        /// Values given.
        values: usize,
        /// Points per group.
        group: usize,
    },
    /// The output takes one value over the whole design.
    #[error("the output is constant over the design: there is no variance to apportion")]
    Constant,
}

/// Left-to-right mean (SALib's numpy means agree to ~1e-16).
pub(crate) fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    s / n as f64
}

/// Sample standard deviation (ddof 1); NaN for fewer than two values.
pub(crate) fn std_ddof1(v: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = mean(v.clone());
    let (ss, n) = v.fold((0.0, 0usize), |(s, n), x| (s + (x - m) * (x - m), n + 1));
    if n < 2 {
        return f64::NAN;
    }
    (ss / (n - 1) as f64).sqrt()
}

/// The seed of bootstrap stream `k`: resamples are independent of the
/// order threads run them in.
pub(crate) fn stream_seed(seed: u64, k: u64) -> u64 {
    crate::math::splitmix64_mix(seed ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}
