//! `[sweep.design]`: points drawn over ranges rather than listed on a
//! grid. Four kinds:
//!
//! - `uniform` and `latin_hypercube`: `n` independent (or stratified)
//!   random points, for exploring;
//! - `sobol`: Saltelli's scheme on a Sobol' sequence, for Sobol' indices;
//! - `morris`: elementary-effect trajectories on a `levels`-level grid,
//!   for Morris screening.
//!
//! The last two lay their points out exactly as SALib 1.6's samplers do
//! (`SALib.sample.sobol.sample`, `SALib.sample.morris.sample`), so the
//! outputs of a sweep, in point order, are a `Y` that SALib's analysers
//! accept; `openmarket analyze` rebuilds the layout from [`Design`],
//! which the manifest records. The points themselves are not SALib's for
//! the same seed: the Sobol' sequence is the same (Joe–Kuo 6.21201
//! direction numbers, Gray-code order), but it is scrambled by a random
//! digital shift drawn from `seed` (SALib asks scipy for a linear matrix
//! scramble and a shift drawn from numpy's generator), and Morris
//! trajectories are drawn with this crate's generator. docs/analysis.md
//! says why that does not matter to the indices.

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::config::ConfigError;
use crate::limits::MAX_POINTS;

/// How a design draws its points.
#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DesignKind {
    /// Independent uniform points.
    Uniform,
    /// One point per stratum of each parameter.
    LatinHypercube,
    /// Saltelli's A/B/AB(/BA) rows on a Sobol' sequence.
    Sobol,
    /// Morris trajectories, one parameter moved per step.
    Morris,
}

/// One ranged parameter of a design.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct Range {
    /// The parameter's dotted path (its column in the tables).
    pub name: String,
    /// The lower end.
    pub low: f64,
    /// The upper end.
    pub high: f64,
}

/// A design as the manifest records it: enough to rebuild the analysis
/// layout (which point is A, B, AB, or which step of which trajectory).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct Design {
    /// The kind.
    pub kind: DesignKind,
    /// The ranged parameters and their `[low, high]`: for `sobol` and
    /// `morris` in the order the config writes them (SALib's `names`);
    /// `uniform` and `latin_hypercube` keep the alphabetical order they
    /// have always drawn in, so old experiments replay bit for bit.
    pub parameters: Vec<Range>,
    /// Points (`uniform`, `latin_hypercube`) or Sobol's base sample size N.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    /// `sobol`: whether the BA rows for second-order indices are drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_order: Option<bool>,
    /// `sobol`: whether the sequence is shifted by a random digital shift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scramble: Option<bool>,
    /// `morris`: the number of trajectories r.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trajectories: Option<usize>,
    /// `morris`: the number of grid levels p.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<usize>,
    /// The seed of the draw (the scramble, for `sobol`).
    pub seed: u64,
}

impl Design {
    /// The number of parameters D.
    pub fn dimension(&self) -> usize {
        self.parameters.len()
    }

    /// Points per Sobol' base row (D + 2, or 2D + 2 with second order) or
    /// per Morris trajectory (D + 1); `None` for the random designs.
    pub fn group(&self) -> Option<usize> {
        let d = self.dimension();
        match self.kind {
            DesignKind::Sobol if self.second_order == Some(true) => Some(2 * d + 2),
            DesignKind::Sobol => Some(d + 2),
            DesignKind::Morris => Some(d + 1),
            DesignKind::Uniform | DesignKind::LatinHypercube => None,
        }
    }

    /// The Morris step Δ in unit-cube units: p / (2(p − 1)).
    pub fn morris_delta(&self) -> Option<f64> {
        let p = self.levels? as f64;
        Some(p / (2.0 * (p - 1.0)))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDesign {
    kind: DesignKind,
    n: Option<usize>,
    #[serde(default)]
    seed: u64,
    second_order: Option<bool>,
    scramble: Option<bool>,
    trajectories: Option<usize>,
    levels: Option<usize>,
    ranges: toml::Table,
}

/// Sobol' or Morris over more parameters than this is a mistake (the
/// direction numbers shipped cover 1,000 dimensions, Saltelli needs 2D).
pub const MAX_DESIGN_PARAMETERS: usize = 100;

fn err(origin: &str, field: &str, message: String) -> ConfigError {
    crate::config::error::Cx { origin }.err(field, message)
}

/// Where a design sits: the checks that depend on its surroundings.
pub(crate) struct Context<'a> {
    /// The config's file name, for messages.
    pub origin: &'a str,
    /// The `ranges` keys in the order the file writes them, when known.
    pub written_order: Option<&'a [String]>,
    /// Inside a `[[study]]`.
    pub in_study: bool,
    /// The first grid axis beside the design, if any.
    pub grid_axis: Option<&'a str>,
}

/// Parse `[sweep.design]` and draw its points: the ranged paths (in
/// column order) and one row of values per point.
pub(crate) fn draw(
    cx: &Context,
    spec: &toml::Value,
    check_path: impl Fn(&str) -> Result<(), ConfigError>,
) -> Result<(Design, Vec<Vec<toml::Value>>), ConfigError> {
    let origin = cx.origin;
    let raw: RawDesign = crate::config::error::Cx { origin }.value("sweep.design", spec.clone())?;
    let kind_name = match raw.kind {
        DesignKind::Uniform => "uniform",
        DesignKind::LatinHypercube => "latin_hypercube",
        DesignKind::Sobol => "sobol",
        DesignKind::Morris => "morris",
    };
    // Each kind's own fields; another kind's field is a mistake worth a line.
    let given = [
        ("n", raw.n.is_some()),
        ("second_order", raw.second_order.is_some()),
        ("scramble", raw.scramble.is_some()),
        ("trajectories", raw.trajectories.is_some()),
        ("levels", raw.levels.is_some()),
    ];
    let allowed: &[&str] = match raw.kind {
        DesignKind::Uniform | DesignKind::LatinHypercube => &["n"],
        DesignKind::Sobol => &["n", "second_order", "scramble"],
        DesignKind::Morris => &["trajectories", "levels"],
    };
    if let Some((key, _)) = given.iter().find(|(k, g)| *g && !allowed.contains(k)) {
        return Err(err(
            origin,
            &format!("sweep.design.{key}"),
            format!(
                "is not a field of kind = \"{kind_name}\" (its fields: {}, seed, ranges)",
                allowed.join(", ")
            ),
        ));
    }
    let analysed = matches!(raw.kind, DesignKind::Sobol | DesignKind::Morris);
    if analysed && cx.in_study {
        return Err(err(
            origin,
            "sweep.design.kind",
            format!(
                "= \"{kind_name}\" cannot be used inside [[study]]: its points are laid out for one analysis over one model; give it its own config"
            ),
        ));
    }
    if let (true, Some(axis)) = (analysed, cx.grid_axis) {
        return Err(err(
            origin,
            "sweep.design.kind",
            format!(
                "= \"{kind_name}\" cannot be crossed with the grid axis \"{axis}\": its points are laid out for one analysis; fix that key in the config or make it a range"
            ),
        ));
    }
    // The sizes that do not depend on the ranges are checked first.
    match raw.kind {
        DesignKind::Uniform | DesignKind::LatinHypercube => match raw.n {
            None => {
                return Err(err(
                    origin,
                    "sweep.design.n",
                    "is missing: the number of points".into(),
                ));
            }
            Some(n) if n == 0 || n as u64 > MAX_POINTS => {
                return Err(err(
                    origin,
                    "sweep.design.n",
                    format!("= {n} is out of range [1, {MAX_POINTS}]"),
                ));
            }
            Some(_) => {}
        },
        DesignKind::Sobol => match raw.n {
            None => {
                return Err(err(
                    origin,
                    "sweep.design.n",
                    "is missing: Saltelli's base sample size N, a power of two".into(),
                ));
            }
            Some(n) if n < 2 || !n.is_power_of_two() => {
                return Err(err(
                    origin,
                    "sweep.design.n",
                    format!(
                        "= {n} must be a power of two ≥ 2 (the Sobol' sequence is balanced only at powers of two)"
                    ),
                ));
            }
            Some(_) => {}
        },
        DesignKind::Morris => {
            if raw.trajectories.is_none() {
                return Err(err(
                    origin,
                    "sweep.design.trajectories",
                    "is missing: the number of trajectories r".into(),
                ));
            }
            let p = raw.levels.unwrap_or(4);
            if !(2..=1000).contains(&p) || !p.is_multiple_of(2) {
                return Err(err(
                    origin,
                    "sweep.design.levels",
                    format!(
                        "= {p} must be an even number in [2, 1000] (an odd grid is not symmetric)"
                    ),
                ));
            }
        }
    }
    // toml::Table iterates alphabetically; the analysed designs take the
    // order the file writes (SALib's `names`), the others keep theirs.
    let mut keys: Vec<&String> = raw.ranges.keys().collect();
    if let (true, Some(order)) = (analysed, cx.written_order) {
        keys.sort_by_key(|k| order.iter().position(|o| o == *k).unwrap_or(usize::MAX));
    }
    let mut parameters = Vec::new();
    for path in keys {
        check_path(path)?;
        let field = format!("sweep.design.ranges.\"{path}\"");
        let pair: [f64; 2] =
            crate::config::error::Cx { origin }.value(&field, raw.ranges[path].clone())?;
        let ordered = if analysed {
            pair[0] < pair[1]
        } else {
            pair[0] <= pair[1]
        };
        if !(pair[0].is_finite() && pair[1].is_finite() && ordered) {
            return Err(err(
                origin,
                &field,
                format!(
                    "= [{}, {}] must be finite with low {} high",
                    pair[0],
                    pair[1],
                    if analysed { "<" } else { "≤" }
                ),
            ));
        }
        parameters.push(Range {
            name: path.clone(),
            low: pair[0],
            high: pair[1],
        });
    }
    if parameters.is_empty() {
        return Err(err(
            origin,
            "sweep.design.ranges",
            "is empty: a design needs at least one \"path\" = [low, high]".into(),
        ));
    }
    let d = parameters.len();
    if analysed && d > MAX_DESIGN_PARAMETERS {
        return Err(err(
            origin,
            "sweep.design.ranges",
            format!(
                "has {d} parameters; a {kind_name} design takes at most {MAX_DESIGN_PARAMETERS}"
            ),
        ));
    }
    let too_many = |field: &str, value: usize, points: u64| {
        err(
            origin,
            field,
            format!("= {value} gives {points} points with {d} parameters; at most {MAX_POINTS}"),
        )
    };
    let mut design = Design {
        kind: raw.kind,
        parameters,
        n: None,
        second_order: None,
        scramble: None,
        trajectories: None,
        levels: None,
        seed: raw.seed,
    };
    let unit_rows = match raw.kind {
        DesignKind::Uniform | DesignKind::LatinHypercube => {
            let n = raw.n.expect("checked above");
            design.n = Some(n);
            random_rows(raw.kind, n, d, raw.seed)
        }
        DesignKind::Sobol => {
            let n = raw.n.expect("checked above");
            let second = raw.second_order.unwrap_or(true);
            let per = if second { 2 * d + 2 } else { d + 2 };
            let points = (n as u64).saturating_mul(per as u64);
            if points > MAX_POINTS {
                return Err(too_many("sweep.design.n", n, points));
            }
            let scramble = raw.scramble.unwrap_or(true);
            design.n = Some(n);
            design.second_order = Some(second);
            design.scramble = Some(scramble);
            saltelli(d, n, second, scramble.then_some(raw.seed))
        }
        DesignKind::Morris => {
            let r = raw.trajectories.expect("checked above");
            let p = raw.levels.unwrap_or(4);
            let points = (r as u64).saturating_mul(d as u64 + 1);
            if r == 0 {
                return Err(err(
                    origin,
                    "sweep.design.trajectories",
                    format!("= 0 is out of range [1, {}]", MAX_POINTS / (d as u64 + 1)),
                ));
            }
            if points > MAX_POINTS {
                return Err(too_many("sweep.design.trajectories", r, points));
            }
            design.trajectories = Some(r);
            design.levels = Some(p);
            morris(d, r, p, raw.seed)
        }
    };
    // SALib's u·(high − low) + low: floating-point addition commutes, so
    // this is also, bit for bit, what the random designs have always drawn.
    let scale = |u: f64, p: &Range| p.low + u * (p.high - p.low);
    let rows = unit_rows
        .into_iter()
        .map(|u| {
            u.iter()
                .zip(&design.parameters)
                .map(|(&u, p)| toml::Value::Float(scale(u, p)))
                .collect()
        })
        .collect();
    Ok((design, rows))
}

/// Points in the unit cube, one row per point. Each range draws its
/// column in turn (the order these designs have always used).
fn random_rows(kind: DesignKind, n: usize, d: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut rows = vec![Vec::with_capacity(d); n];
    for _ in 0..d {
        // Latin hypercube: one point in each of n equal strata per dimension.
        let mut strata: Vec<usize> = (0..n).collect();
        if kind == DesignKind::LatinHypercube {
            strata.shuffle(&mut rng);
        }
        for (row, &k) in rows.iter_mut().zip(&strata) {
            let u: f64 = rng.random_range(0.0..1.0);
            row.push(if kind == DesignKind::LatinHypercube {
                (k as f64 + u) / n as f64
            } else {
                u
            });
        }
    }
    rows
}

/// The first `n` points of the 2D-dimensional Sobol' sequence (Joe–Kuo
/// 6.21201, Gray-code order, point 0 included, as scipy draws it), each
/// XORed with a random digital shift when `shift_seed` is given.
pub fn sobol_points(dims: usize, n: usize, shift_seed: Option<u64>) -> Vec<Vec<f64>> {
    let params = sobol::params::JoeKuoD6::standard();
    let shift: Vec<u32> = match shift_seed {
        Some(seed) => {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (0..dims).map(|_| rng.random::<u32>()).collect()
        }
        None => vec![0; dims],
    };
    const SCALE: f64 = 1.0 / 4_294_967_296.0;
    sobol::Sobol::<u32>::new(dims, &params)
        .take(n)
        .map(|p| {
            p.iter()
                .zip(&shift)
                .map(|(&v, &s)| f64::from(v ^ s) * SCALE)
                .collect()
        })
        .collect()
}

/// Saltelli's rows in SALib's order: per base row j, A_j, AB_j¹ … AB_jᴰ,
/// (BA_j¹ … BA_jᴰ,) B_j, where A is the first D columns of the 2D-column
/// Sobol' sample and B the last D.
pub fn saltelli(d: usize, n: usize, second_order: bool, shift_seed: Option<u64>) -> Vec<Vec<f64>> {
    let base = sobol_points(2 * d, n, shift_seed);
    let per = if second_order { 2 * d + 2 } else { d + 2 };
    let mut rows = Vec::with_capacity(n * per);
    for p in &base {
        let (a, b) = p.split_at(d);
        rows.push(a.to_vec());
        for k in 0..d {
            let mut ab = a.to_vec();
            ab[k] = b[k];
            rows.push(ab);
        }
        if second_order {
            for k in 0..d {
                let mut ba = b.to_vec();
                ba[k] = a[k];
                rows.push(ba);
            }
        }
        rows.push(b.to_vec());
    }
    rows
}

/// `r` Morris trajectories of D + 1 points each, one after another, on a
/// `p`-level grid: SALib's construction (a random start on the lower half
/// of the grid, a random order of the parameters and a random direction
/// for each; each step moves one parameter by Δ = p / (2(p − 1))).
pub fn morris(d: usize, r: usize, p: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let delta = p as f64 / (2.0 * (p as f64 - 1.0));
    let half = p / 2;
    // numpy's linspace(0, 1 − Δ, p/2): the last level exactly 1 − Δ.
    let mut grid: Vec<f64> = if half > 1 {
        let step = (1.0 - delta) / (half - 1) as f64;
        (0..half).map(|i| i as f64 * step).collect()
    } else {
        vec![0.0]
    };
    if let Some(last) = grid.last_mut().filter(|_| half > 1) {
        *last = 1.0 - delta;
    }
    let mut rows = Vec::with_capacity(r * (d + 1));
    let mut order: Vec<usize> = (0..d).collect();
    for _ in 0..r {
        order.shuffle(&mut rng);
        let up: Vec<bool> = (0..d).map(|_| rng.random::<bool>()).collect();
        let start: Vec<f64> = (0..d).map(|_| grid[rng.random_range(0..half)]).collect();
        for step in 0..=d {
            rows.push(
                (0..d)
                    .map(|i| {
                        // Parameter i moves between rows order[i] and order[i] + 1:
                        // upwards from the start, or downwards from start + Δ.
                        let high = (step > order[i]) == up[i];
                        if high { start[i] + delta } else { start[i] }
                    })
                    .collect(),
            );
        }
    }
    rows
}
