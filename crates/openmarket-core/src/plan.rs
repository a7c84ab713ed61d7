//! Sweep expansion: a config with a `[sweep]` section becomes a plan of
//! validated points, before any run starts.
//!
//! Each axis names a parameter by its dotted path (`model.alpha0`,
//! `dynamics.rule`, `model.regulation.theta`). A point is the config's TOML
//! with the axis values written in, validated by the same code as a single
//! config, so a bad axis value gets the same one-line error, prefixed with
//! the axis.

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

use crate::config::{self, Config, ConfigError};

/// One point of the sweep, with the values its axes took.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub index: usize,
    pub params: Vec<(String, toml::Value)>,
    pub config: Config,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The swept paths, in column order.
    pub axes: Vec<String>,
    pub points: Vec<Point>,
    pub seeds_per_point: u64,
    pub master_seed: u64,
}

impl Plan {
    pub fn runs(&self) -> u64 {
        self.points.len() as u64 * self.seeds_per_point
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAxis {
    values: Option<Vec<toml::Value>>,
    linspace: Option<Space>,
    logspace: Option<Space>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Space {
    start: f64,
    stop: f64,
    num: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDesign {
    kind: DesignKind,
    n: usize,
    #[serde(default)]
    seed: u64,
    ranges: toml::Table,
}

#[derive(Deserialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
enum DesignKind {
    Uniform,
    LatinHypercube,
}

fn err(origin: &str, field: &str, message: String) -> ConfigError {
    ConfigError {
        origin: origin.to_string(),
        field: Some(field.to_string()),
        message: format!("{field} {message}"),
    }
}

fn deserialize<T: for<'de> Deserialize<'de>>(
    origin: &str,
    field: &str,
    v: &toml::Value,
) -> Result<T, ConfigError> {
    T::deserialize(v.clone()).map_err(|e| {
        let msg = e.to_string();
        err(
            origin,
            field,
            format!(": {}", msg.lines().next().unwrap_or_default()),
        )
    })
}

/// Evenly spaced values, both ends included.
fn linspace(s: &Space) -> Vec<f64> {
    if s.num == 1 {
        return vec![s.start];
    }
    (0..s.num)
        .map(|k| s.start + (s.stop - s.start) * k as f64 / (s.num - 1) as f64)
        .collect()
}

fn axis_values(
    origin: &str,
    path: &str,
    spec: &toml::Value,
) -> Result<Vec<toml::Value>, ConfigError> {
    let field = format!("sweep.\"{path}\"");
    let raw: RawAxis = deserialize(origin, &field, spec)?;
    let given = [
        raw.values.is_some(),
        raw.linspace.is_some(),
        raw.logspace.is_some(),
    ]
    .iter()
    .filter(|&&b| b)
    .count();
    if given != 1 {
        return Err(err(
            origin,
            &field,
            "needs exactly one of `values`, `linspace`, `logspace`".into(),
        ));
    }
    let check = |s: &Space, kind: &str| -> Result<(), ConfigError> {
        if s.num == 0 {
            return Err(err(
                origin,
                &format!("{field}.{kind}.num"),
                "= 0 is out of range [1, inf)".into(),
            ));
        }
        if !s.start.is_finite() || !s.stop.is_finite() {
            return Err(err(
                origin,
                &format!("{field}.{kind}"),
                "needs finite start and stop".into(),
            ));
        }
        Ok(())
    };
    let values = if let Some(v) = raw.values {
        if v.is_empty() {
            return Err(err(origin, &format!("{field}.values"), "is empty".into()));
        }
        v
    } else if let Some(s) = raw.linspace {
        check(&s, "linspace")?;
        linspace(&s).into_iter().map(toml::Value::Float).collect()
    } else {
        let s = raw.logspace.expect("one of the three");
        check(&s, "logspace")?;
        // logspace = {start, stop} are base-10 exponents, as in numpy.
        linspace(&s)
            .into_iter()
            .map(|e| toml::Value::Float(10f64.powf(e)))
            .collect()
    };
    Ok(values)
}

/// Random design points: `n` rows over the ranged paths.
fn design(
    origin: &str,
    spec: &toml::Value,
) -> Result<(Vec<String>, Vec<Vec<toml::Value>>), ConfigError> {
    let raw: RawDesign = deserialize(origin, "sweep.design", spec)?;
    if raw.n == 0 {
        return Err(err(
            origin,
            "sweep.design.n",
            "= 0 is out of range [1, inf)".into(),
        ));
    }
    let mut paths = Vec::new();
    let mut ranges = Vec::new();
    for (path, r) in &raw.ranges {
        let field = format!("sweep.design.ranges.\"{path}\"");
        let pair: [f64; 2] = deserialize(origin, &field, r)?;
        if !(pair[0].is_finite() && pair[1].is_finite() && pair[0] <= pair[1]) {
            return Err(err(
                origin,
                &field,
                format!(
                    "= [{}, {}] must be finite with low ≤ high",
                    pair[0], pair[1]
                ),
            ));
        }
        paths.push(path.clone());
        ranges.push(pair);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(raw.seed);
    let mut rows = vec![Vec::with_capacity(ranges.len()); raw.n];
    for [lo, hi] in ranges {
        // Latin hypercube: one point in each of n equal strata per dimension.
        let mut strata: Vec<usize> = (0..raw.n).collect();
        if raw.kind == DesignKind::LatinHypercube {
            strata.shuffle(&mut rng);
        }
        for (row, &k) in rows.iter_mut().zip(&strata) {
            let u: f64 = rng.random_range(0.0..1.0);
            let unit = if raw.kind == DesignKind::LatinHypercube {
                (k as f64 + u) / raw.n as f64
            } else {
                u
            };
            row.push(toml::Value::Float(lo + unit * (hi - lo)));
        }
    }
    Ok((paths, rows))
}

/// Write `value` at the dotted `path` of `table`, creating tables on the way.
fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().ok_or("empty path")?;
    let mut t = table;
    for (k, part) in parts.iter().enumerate() {
        let entry = t
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        t = entry
            .as_table_mut()
            .ok_or_else(|| format!("{} is not a table", parts[..=k].join(".")))?;
    }
    t.insert(last.to_string(), value);
    Ok(())
}

/// Most points a plan may have: a guard against typos like num = 1e6.
pub const MAX_POINTS: usize = 10_000_000;

/// Expand and validate every point of a config.
pub fn expand(text: &str, origin: &str) -> Result<Plan, ConfigError> {
    let mut table = config::parse_toml(text, origin)?;
    let sweep = table.remove("sweep");
    let mut axes: Vec<String> = Vec::new();
    let mut columns: Vec<Vec<toml::Value>> = Vec::new();
    let mut design_rows: Option<(Vec<String>, Vec<Vec<toml::Value>>)> = None;
    if let Some(sweep) = &sweep {
        let sweep = sweep
            .as_table()
            .ok_or_else(|| err(origin, "sweep", "must be a table".into()))?;
        for (path, spec) in sweep {
            if path == "design" {
                design_rows = Some(design(origin, spec)?);
            } else {
                axes.push(path.clone());
                columns.push(axis_values(origin, path, spec)?);
            }
        }
    }
    let grid: usize = columns.iter().map(Vec::len).product();
    let design_n = design_rows.as_ref().map_or(1, |(_, rows)| rows.len());
    let total = grid.saturating_mul(design_n);
    if total > MAX_POINTS {
        return Err(err(
            origin,
            "sweep",
            format!("has {total} points; at most {MAX_POINTS}"),
        ));
    }
    if let Some((paths, _)) = &design_rows {
        axes.extend(paths.iter().cloned());
    }
    let mut points = Vec::with_capacity(total);
    for g in 0..grid {
        // Row-major: the last axis varies fastest.
        let mut rem = g;
        let mut grid_params = vec![toml::Value::Boolean(false); columns.len()];
        for (c, col) in columns.iter().enumerate().rev() {
            grid_params[c] = col[rem % col.len()].clone();
            rem /= col.len();
        }
        for d in 0..design_n {
            let mut params = grid_params.clone();
            if let Some((_, rows)) = &design_rows {
                params.extend(rows[d].iter().cloned());
            }
            let mut t = table.clone();
            for (path, v) in axes.iter().zip(&params) {
                set_path(&mut t, path, v.clone()).map_err(|m| {
                    err(
                        origin,
                        &format!("sweep.\"{path}\""),
                        format!("cannot be set: {m}"),
                    )
                })?;
            }
            let config = config::parse_table(&t, origin).map_err(|e| {
                let at: Vec<String> = axes
                    .iter()
                    .zip(&params)
                    .map(|(a, v)| format!("{a} = {v}"))
                    .collect();
                ConfigError {
                    message: format!(
                        "sweep point {} ({}): {}",
                        points.len(),
                        at.join(", "),
                        e.message
                    ),
                    ..e
                }
            })?;
            points.push(Point {
                index: points.len(),
                params: axes.iter().cloned().zip(params).collect(),
                config,
            });
        }
    }
    let (seeds_per_point, master_seed) = points
        .first()
        .map(|p| (p.config.runs.seeds_per_point, p.config.runs.master_seed))
        .unwrap_or((1, 0));
    Ok(Plan {
        axes,
        points,
        seeds_per_point,
        master_seed,
    })
}

/// The seed of run `replicate` at point `point`: a fixed function of the
/// master seed, so results do not depend on threads or scheduling.
pub fn run_seed(master: u64, point: usize, replicate: u64) -> u64 {
    // SplitMix64 finaliser over the three inputs.
    let mut z = master
        ^ (point as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ replicate.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
