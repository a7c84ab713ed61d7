//! Allowed ranges of parameters, shared by the config layer (which checks
//! every number against one) and by the update rules (which declare the
//! ranges of their own parameters).

use std::fmt;

/// Allowed range of a parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Domain {
    /// [0, 1e12]
    NonNegative,
    /// [1e-12, 1e12]: a positive scale.
    Positive,
    /// [0, 1]
    Unit,
    /// (0, 1]: a rate or share that must move something.
    Fraction,
    /// Integers in [min, max]: sizes such as a grid's number of points.
    /// The upper end keeps a typo from turning into a huge allocation.
    Count {
        /// Smallest allowed value.
        min: u64,
        /// Largest allowed value.
        max: u64,
    },
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Domain::NonNegative => f.write_str("[0, 1e12]"),
            Domain::Positive => f.write_str("[1e-12, 1e12]"),
            Domain::Unit => f.write_str("[0, 1]"),
            Domain::Fraction => f.write_str("(0, 1]"),
            Domain::Count { min, max } => write!(f, "[{min}, {max}]"),
        }
    }
}

/// The largest magnitude of an unbounded parameter, and the inverse of the
/// smallest positive one. Far beyond any economically meaningful scale, and
/// small enough that products and quotients of a few parameters (payoffs
/// are polynomials of degree ≤ 3 in them, over cost coefficients) stay
/// finite.
pub const MAX_MAGNITUDE: f64 = 1e12;

impl Domain {
    /// Whether `v` lies in the range (NaN never does; infinities only where
    /// the range is unbounded and infinite values make sense, i.e. never).
    pub fn contains(&self, v: f64) -> bool {
        match self {
            Domain::NonNegative => (0.0..=MAX_MAGNITUDE).contains(&v),
            Domain::Positive => (1.0 / MAX_MAGNITUDE..=MAX_MAGNITUDE).contains(&v),
            Domain::Unit => (0.0..=1.0).contains(&v),
            Domain::Fraction => v > 0.0 && v <= 1.0,
            Domain::Count { min, max } => v.fract() == 0.0 && v >= *min as f64 && v <= *max as f64,
        }
    }
}

impl Domain {
    /// `v` if it lies in the range, else the end of a message that follows
    /// the field's name: "= -1 is out of range [0, inf)".
    pub fn check(&self, v: f64) -> Result<f64, String> {
        if v.is_nan() {
            Err(format!("= nan is not a number; allowed range {self}"))
        } else if matches!(self, Domain::Count { .. }) && !self.contains(v) {
            Err(format!("= {} is not an integer in {self}", short(v)))
        } else if !self.contains(v) {
            Err(format!("= {} is out of range {self}", short(v)))
        } else {
            Ok(v)
        }
    }
}

/// A numeric parameter that an update rule reads from its table, with its
/// range and the value it takes when the table does not set it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Param {
    /// The config key.
    pub key: &'static str,
    /// The allowed range, checked whether or not the chosen rule reads it.
    pub domain: Domain,
    /// The value when no table sets the key; NaN = the rule requires it.
    pub default: f64,
}

/// The parameter values one rule table sets (already checked against their
/// ranges); a rule reads its own with [`ParamValues::get`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParamValues(Vec<(&'static str, f64)>);

impl ParamValues {
    /// Set `key` (replacing an earlier value).
    pub fn set(&mut self, key: &'static str, value: f64) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// Whether `key` is set.
    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| *k == key)
    }

    /// The value of `param`, or its default.
    pub fn get(&self, param: &Param) -> f64 {
        self.0
            .iter()
            .find(|(k, _)| *k == param.key)
            .map_or(param.default, |(_, v)| *v)
    }

    /// `self` with every key of `over` set on top.
    pub fn overlay(&self, over: &ParamValues) -> ParamValues {
        let mut out = self.clone();
        for &(k, v) in &over.0 {
            out.set(k, v);
        }
        out
    }
}

/// A number as a message shows it: as written for ordinary magnitudes, in
/// scientific notation for huge or tiny ones (never 300 digits).
pub fn short(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-6..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}
