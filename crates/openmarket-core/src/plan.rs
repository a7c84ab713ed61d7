//! Sweep expansion: a config with a `[sweep]` section becomes a plan of
//! validated points, before any run starts.
//!
//! Each axis names a parameter by its dotted path (`model.alpha0`,
//! `dynamics.rule`, `model.regulation.theta`). A point is the config's TOML
//! with the axis values written in, validated by the same code as a single
//! config, so a bad axis value gets the same one-line error, prefixed with
//! the axis.

use rayon::prelude::*;
use serde::Deserialize;

use crate::config::{self, Config, ConfigError, FamilyKind};
use crate::design::{self, Design};
use crate::limits::{MAX_PLAN_SPECIALISTS, MAX_POINTS};

/// The value an axis takes at a point.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    /// An integer.
    Int(i64),
    /// A real number.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A string (e.g. a rule's name), or any other TOML value as text.
    Text(String),
}

impl From<&toml::Value> for ParamValue {
    fn from(v: &toml::Value) -> Self {
        match v {
            toml::Value::Integer(i) => ParamValue::Int(*i),
            toml::Value::Float(f) => ParamValue::Float(*f),
            toml::Value::Boolean(b) => ParamValue::Bool(*b),
            toml::Value::String(s) => ParamValue::Text(s.clone()),
            other => ParamValue::Text(other.to_string()),
        }
    }
}

impl ParamValue {
    /// The value as a real number, if it is one (integers included).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            ParamValue::Int(i) => Some(*i as f64),
            ParamValue::Float(f) => Some(*f),
            _ => None,
        }
    }
}

impl std::fmt::Display for ParamValue {
    /// As TOML writes it, so a message quotes the config's own spelling.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Float(x) => write!(f, "{}", toml::Value::Float(*x)),
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Text(t) => write!(f, "{t:?}"),
        }
    }
}

/// One point of the sweep, with the values its axes took.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// The point's index in the plan.
    pub index: usize,
    /// Index into `Plan::studies` when the config has `[[study]]` sections.
    pub study: Option<usize>,
    /// The values this point's own axes took (a study sweeps its own axes).
    pub params: Vec<(String, ParamValue)>,
    /// The validated config at this point.
    pub config: Config,
}

impl Point {
    /// The value axis `axis` takes here, if this point's study sweeps it.
    pub fn param(&self, axis: &str) -> Option<&ParamValue> {
        self.params.iter().find(|(a, _)| a == axis).map(|(_, v)| v)
    }
}

/// A sweep: every point validated, in plan order.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The swept paths, in column order: the union over studies.
    pub axes: Vec<String>,
    /// The names of the `[[study]]` sections, in file order; empty without.
    pub studies: Vec<String>,
    /// The points, in plan order.
    pub points: Vec<Point>,
    /// Runs per point (`[runs]`); 0 for a plan that is solved only (no
    /// point has `[dynamics]`).
    pub seeds_per_point: u64,
    /// The seed every run's seed derives from.
    pub master_seed: u64,
    /// The `[sweep.design]` the points were drawn from, if any (outside
    /// studies; the manifest records it for `analyze`).
    pub design: Option<Design>,
}

impl Plan {
    /// Points × seeds (saturating: a plan that large is refused anyway).
    pub fn runs(&self) -> u64 {
        (self.points.len() as u64).saturating_mul(self.seeds_per_point)
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

fn err(origin: &str, field: &str, message: String) -> ConfigError {
    let sep = if message.starts_with(':') { "" } else { " " };
    ConfigError {
        origin: origin.to_string(),
        field: Some(field.to_string()),
        message: format!("{field}{sep}{message}"),
    }
}

fn deserialize<T: for<'de> Deserialize<'de>>(
    origin: &str,
    field: &str,
    v: &toml::Value,
) -> Result<T, ConfigError> {
    crate::config::error::Cx { origin }.value(field, v.clone())
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
    if !spec.is_table() {
        return Err(err(
            origin,
            &field,
            format!(
                "= {spec} must be a table: {{ values = [...] }}, {{ linspace = {{ start, stop, num }} }} or {{ logspace = ... }}"
            ),
        ));
    }
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
        if s.num == 0 || s.num as u64 > MAX_POINTS {
            return Err(err(
                origin,
                &format!("{field}.{kind}.num"),
                format!("= {} is out of range [1, {MAX_POINTS}]", s.num),
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

/// Axes that name what a plan shares cannot vary by point: the seeds and
/// output settings of `[runs]` and `[output]` hold for the whole plan, and
/// a sweep cannot sweep itself.
fn unsweepable(origin: &str, path: &str) -> Result<(), ConfigError> {
    // No config key is nested deeper than a few tables; a path of thousands
    // of parts is a mistake (and would recurse that deep).
    const MAX_PARTS: usize = 16;
    const MAX_LEN: usize = 200;
    if path.split('.').any(str::is_empty) {
        return Err(err(
            origin,
            &format!("sweep.\"{path}\""),
            "is not a config key: it has an empty part (keys are dotted paths like \"model.alpha0\")"
                .into(),
        ));
    }
    if path.len() > MAX_LEN || path.split('.').count() > MAX_PARTS {
        let shown: String = path.chars().take(60).collect();
        return Err(err(
            origin,
            &format!("sweep.\"{shown}…\""),
            format!(
                "is not a config key: {} characters in {} dotted parts (keys have at most {MAX_LEN} characters and {MAX_PARTS} parts)",
                path.len(),
                path.split('.').count()
            ),
        ));
    }
    let head = path.split('.').next().unwrap_or_default();
    let why = match head {
        "runs" => "[runs] (seeds, master seed) holds for the whole plan",
        "output" => "[output] (folder, trajectories) holds for the whole plan",
        "sweep" | "study" => "a sweep cannot vary its own design",
        _ => return Ok(()),
    };
    let shown: String = path.chars().take(80).collect();
    Err(err(
        origin,
        &format!("sweep.\"{shown}\""),
        format!("cannot be swept: {why}; sweep model.*, dynamics.* or regulator.* keys"),
    ))
}

/// Write `value` at the dotted `path` of `table`, creating tables on the
/// way. A numeric part indexes a list: `model.head_start.2`.
fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let parts: Vec<&str> = path.split('.').collect();
    let mut root = toml::Value::Table(std::mem::take(table));
    let result = set_in(&mut root, &parts, value);
    if let toml::Value::Table(t) = root {
        *table = t;
    }
    result
}

fn set_in(v: &mut toml::Value, parts: &[&str], value: toml::Value) -> Result<(), String> {
    let (part, rest) = parts.split_first().ok_or("empty path")?;
    let slot = match v {
        toml::Value::Table(t) if rest.is_empty() => {
            t.insert(part.to_string(), value);
            return Ok(());
        }
        toml::Value::Table(t) => t
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new())),
        toml::Value::Array(a) => {
            let len = a.len();
            let i: usize = part
                .parse()
                .map_err(|_| format!("`{part}` indexes a list and must be a number"))?;
            a.get_mut(i)
                .ok_or_else(|| format!("index {i} is out of range: the list has {len} elements"))?
        }
        _ => return Err(format!("cannot go into a value at `{part}`")),
    };
    if rest.is_empty() {
        *slot = value;
        return Ok(());
    }
    set_in(slot, rest, value).map_err(|m| {
        if m.starts_with("at ") {
            m
        } else {
            format!("at `{part}`: {m}")
        }
    })
}

/// Sections a `[[study]]` config may have beside its studies: shared by all.
const SHARED: &[&str] = &["runs", "output"];

/// Expand and validate every point of a config. A config with `[[study]]`
/// sections (each a whole model + dynamics + sweep, sharing the top-level
/// `[runs]` and `[output]`) becomes one plan: the studies' points in file
/// order, numbered globally.
pub fn expand(text: &str, origin: &str) -> Result<Plan, ConfigError> {
    let mut plan = expand_all(text, origin)?;
    // A plan none of whose points has [dynamics] is solved only: its
    // experiment holds the equilibria and no runs.
    if plan.points.iter().all(|p| p.config.dynamics.is_none()) {
        plan.seeds_per_point = 0;
    }
    Ok(plan)
}

fn expand_all(text: &str, origin: &str) -> Result<Plan, ConfigError> {
    let mut table = config::parse_toml(text, origin)?;
    let Some(studies) = table.remove("study") else {
        let order = written_order(text);
        return expand_table(table, origin, &order, false);
    };
    let studies = studies
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| err(origin, "study", "must be a list of [[study]] tables".into()))?;
    if let Some(key) = table.keys().find(|k| !SHARED.contains(&k.as_str())) {
        return Err(err(
            origin,
            key,
            "cannot sit beside [[study]] sections: only [runs] and [output] are shared; move it into each study".into(),
        ));
    }
    // Counted before any study is expanded: each may be within the limit
    // while their sum is not.
    if let Some((points, _)) = count(text).filter(|&(p, _)| p > MAX_POINTS) {
        return Err(err(
            origin,
            "study",
            format!(
                "has {} points in all; at most {MAX_POINTS}",
                crate::domain::short(points as f64)
            ),
        ));
    }
    let mut plan = Plan {
        axes: Vec::new(),
        studies: Vec::new(),
        points: Vec::new(),
        seeds_per_point: 1,
        master_seed: 0,
        design: None,
    };
    for (k, study) in studies.iter().enumerate() {
        let field = format!("study[{k}]");
        let mut t = study
            .as_table()
            .ok_or_else(|| err(origin, &field, "must be a table".into()))?
            .clone();
        let name = match t.remove("name") {
            Some(toml::Value::String(n)) if !n.is_empty() => n,
            Some(v) => {
                return Err(err(
                    origin,
                    &format!("{field}.name"),
                    format!("= {v} must be a non-empty string"),
                ));
            }
            None => {
                return Err(err(
                    origin,
                    &format!("{field}.name"),
                    "is missing: every study needs a name".into(),
                ));
            }
        };
        if plan.studies.contains(&name) {
            return Err(err(
                origin,
                &format!("{field}.name"),
                format!("= \"{name}\" is used by an earlier study"),
            ));
        }
        for key in SHARED {
            if t.contains_key(*key) {
                return Err(err(
                    origin,
                    &format!("{field}.{key}"),
                    format!("is shared by all studies: set [{key}] once at the top level"),
                ));
            }
            if let Some(v) = table.get(*key) {
                t.insert(key.to_string(), v.clone());
            }
        }
        let sub = expand_table(t, origin, &[], true).map_err(|e| ConfigError {
            field: e.field.map(|f| format!("{field}.{f}")),
            message: format!("study \"{name}\": {}", e.message),
            ..e
        })?;
        plan.seeds_per_point = sub.seeds_per_point;
        plan.master_seed = sub.master_seed;
        for mut p in sub.points {
            p.index = plan.points.len();
            p.study = Some(plan.studies.len());
            plan.points.push(p);
        }
        for a in sub.axes {
            if !plan.axes.contains(&a) {
                plan.axes.push(a);
            }
        }
        plan.studies.push(name);
    }
    if plan.points.len() as u64 > MAX_POINTS {
        return Err(err(
            origin,
            "study",
            format!("has {} points; at most {MAX_POINTS}", plan.points.len()),
        ));
    }
    plan.axes.sort();
    Ok(plan)
}

/// The keys of `[sweep.design.ranges]` in the order the file writes them
/// (`toml::Table` sorts its keys); empty when the text does not say.
fn written_order(text: &str) -> Vec<String> {
    use toml::de::{DeTable, DeValue};
    let Ok(doc) = DeTable::parse(text) else {
        return Vec::new();
    };
    fn get<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<&'a DeTable<'i>> {
        t.iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .and_then(|(_, v)| match v.get_ref() {
                DeValue::Table(t) => Some(t),
                _ => None,
            })
    }
    let ranges = get(doc.get_ref(), "sweep")
        .and_then(|s| get(s, "design"))
        .and_then(|d| get(d, "ranges"));
    let mut keys: Vec<(usize, String)> = ranges
        .iter()
        .flat_map(|r| r.keys())
        .map(|k| (k.span().start, k.get_ref().to_string()))
        .collect();
    keys.sort();
    keys.into_iter().map(|(_, k)| k).collect()
}

fn expand_table(
    mut table: toml::Table,
    origin: &str,
    written_order: &[String],
    in_study: bool,
) -> Result<Plan, ConfigError> {
    let sweep = table.remove("sweep");
    let mut axes: Vec<String> = Vec::new();
    let mut columns: Vec<Vec<toml::Value>> = Vec::new();
    let mut design_rows: Option<(Vec<String>, Vec<Vec<toml::Value>>)> = None;
    let mut drawn: Option<Design> = None;
    if let Some(sweep) = &sweep {
        let sweep = sweep
            .as_table()
            .ok_or_else(|| err(origin, "sweep", "must be a table".into()))?;
        for (path, spec) in sweep.iter().filter(|(p, _)| *p != "design") {
            unsweepable(origin, path)?;
            axes.push(path.clone());
            columns.push(axis_values(origin, path, spec)?);
        }
        if let Some(spec) = sweep.get("design") {
            let cx = design::Context {
                origin,
                written_order: (!written_order.is_empty()).then_some(written_order),
                in_study,
                grid_axis: axes.first().map(String::as_str),
            };
            let (d, rows) = design::draw(&cx, spec, |p| unsweepable(origin, p))?;
            let paths = d.parameters.iter().map(|p| p.name.clone()).collect();
            design_rows = Some((paths, rows));
            drawn = Some(d);
        }
    }
    let design_n = design_rows.as_ref().map_or(1, |(_, rows)| rows.len());
    let total = columns
        .iter()
        .try_fold(design_n, |n, c| n.checked_mul(c.len()))
        .filter(|&n| n as u64 <= MAX_POINTS)
        .ok_or_else(|| {
            err(
                origin,
                "sweep",
                format!(
                    "has more than {MAX_POINTS} points (the product of its {} axes' lengths{})",
                    columns.len(),
                    if design_rows.is_some() {
                        " and the design's n"
                    } else {
                        ""
                    }
                ),
            )
        })?;
    let grid = total / design_n;
    if let Some((paths, _)) = &design_rows {
        if let Some(p) = paths.iter().find(|p| axes.contains(p)) {
            return Err(err(
                origin,
                &format!("sweep.design.ranges.\"{p}\""),
                "is also a grid axis: sweep each key once".into(),
            ));
        }
        axes.extend(paths.iter().cloned());
    }
    // An axis sets a key of a section the config has; it does not create
    // a section (a [regulator] or a [dynamics] that the config lacks would
    // change what every point is).
    for path in &axes {
        let head = path.split('.').next().unwrap_or_default();
        if !table.contains_key(head) {
            return Err(err(
                origin,
                &format!("sweep.\"{path}\""),
                format!(
                    "names a key of [{head}], which the config does not have: add the section first"
                ),
            ));
        }
    }
    // Row-major over the grid (the last axis varies fastest), each grid
    // cell crossed with every design row. Points are built in parallel (a
    // big sweep spends a tenth of a second here otherwise); the error
    // reported is the first point's, as a serial build would report.
    // Sectors' specialists over the whole plan. Where K is the base
    // config's or a grid axis's, the total is known before anything is
    // built; the count kept while building bounds every other case (a
    // design over K) before it fills memory.
    let size_of = |t: &toml::Table| t.get("model").map_or(0, declared_size);
    let base_k = size_of(&table);
    // The grid axes that change a point's declared size (a sector's K):
    // with one such axis the total is the sum over its values.
    let sized: Vec<(usize, Vec<u64>)> = (0..columns.len())
        .filter(|&i| axes[i].starts_with("model."))
        .filter_map(|i| {
            let sizes: Vec<u64> = columns[i]
                .iter()
                .map(|v| {
                    let mut t = toml::Table::from_iter(
                        table.get("model").map(|m| ("model".to_string(), m.clone())),
                    );
                    set_path(&mut t, &axes[i], v.clone()).map_or(base_k, |()| size_of(&t))
                })
                .collect();
            sizes.iter().any(|&s| s != base_k).then_some((i, sizes))
        })
        .collect();
    let known = match sized.as_slice() {
        [] => base_k.saturating_mul(total as u64),
        [(i, sizes)] => {
            let per_value = (total / columns[*i].len()) as u64;
            sizes
                .iter()
                .fold(0u64, |a, k| a.saturating_add(k.saturating_mul(per_value)))
        }
        // Several axes together: bounded while building.
        _ => 0,
    };
    let too_many = || {
        err(
            origin,
            "sweep",
            format!(
                "gives its points more than {MAX_PLAN_SPECIALISTS} specialists in all (points × each point's K): sweep fewer points or smaller sectors"
            ),
        )
    };
    if known > MAX_PLAN_SPECIALISTS {
        return Err(too_many());
    }
    let specialists = std::sync::atomic::AtomicU64::new(0);
    let build = |k: usize| -> Result<Point, ConfigError> {
        let (g, d) = (k / design_n, k % design_n);
        let mut rem = g;
        let mut params = vec![toml::Value::Boolean(false); columns.len()];
        for (c, col) in columns.iter().enumerate().rev() {
            params[c] = col[rem % col.len()].clone();
            rem /= col.len();
        }
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
        // Count this point's specialists before they are drawn.
        let n = size_of(&t);
        let before = specialists.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        if before.saturating_add(n) > MAX_PLAN_SPECIALISTS {
            return Err(too_many());
        }
        let config = config::parse_table(&t, origin).map_err(|e| {
            if axes.is_empty() {
                return e;
            }
            // At most three axes, each value cut short: the line stays
            // readable whatever the sweep.
            let mut at: Vec<String> = axes
                .iter()
                .zip(&params)
                .take(3)
                .map(|(a, v)| {
                    let v = v.to_string();
                    let v: String = if v.chars().count() > 40 {
                        v.chars().take(40).chain("…".chars()).collect()
                    } else {
                        v
                    };
                    format!("{a} = {v}")
                })
                .collect();
            if axes.len() > 3 {
                at.push(format!("… {} more axes", axes.len() - 3));
            }
            ConfigError {
                message: format!("sweep point {k} ({}): {}", at.join(", "), e.message),
                ..e
            }
        })?;
        Ok(Point {
            index: k,
            study: None,
            params: axes
                .iter()
                .cloned()
                .zip(params.iter().map(ParamValue::from))
                .collect(),
            config,
        })
    };
    debug_assert_eq!(grid * design_n, total);
    let points = match (0..total)
        .into_par_iter()
        .map(&build)
        .collect::<Result<Vec<Point>, ConfigError>>()
    {
        Ok(points) => points,
        // Rayon stops at some failing point; report the first, as a
        // serial build would (its points are built again and dropped).
        Err(some) => {
            specialists.store(0, std::sync::atomic::Ordering::Relaxed);
            let first = (0..total)
                .into_par_iter()
                .find_first(|&k| build(k).is_err())
                .and_then(|k| build(k).err());
            return Err(first.unwrap_or(some));
        }
    };
    let (seeds_per_point, master_seed) = points
        .first()
        .map(|p| (p.config.runs.seeds_per_point, p.config.runs.master_seed))
        .unwrap_or((1, 0));
    Ok(Plan {
        axes,
        studies: Vec::new(),
        points,
        seeds_per_point,
        master_seed,
        design: drawn,
    })
}

/// The seed of run `replicate` at point `point`: a fixed function of the
/// master seed, so results do not depend on threads or scheduling.
pub fn run_seed(master: u64, point: usize, replicate: u64) -> u64 {
    crate::math::splitmix64_mix(
        master
            ^ (point as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ replicate.wrapping_mul(0xD1B5_4A32_D192_ED03),
    )
}

/// (points, seeds per point) of a config, counted from its axes' lengths without
/// building a single point, so a plan too large to run is refused at once.
/// `None` when the config is not well formed enough to count (then
/// [`expand`] reports why).
pub fn count(text: &str) -> Option<(u64, u64)> {
    let table: toml::Table = text.parse().ok()?;
    let seeds = match table.get("runs").and_then(|r| r.get("seeds_per_point")) {
        Some(v) => u64::try_from(v.as_integer()?).ok()?,
        None => 1,
    };
    let points_of = |t: &toml::Table| -> Option<u64> {
        let Some(sweep) = t.get("sweep") else {
            return Some(1);
        };
        let mut n: u64 = 1;
        for (path, spec) in sweep.as_table()? {
            let len = if path == "design" {
                design_points(spec)?
            } else if let Some(v) = spec.get("values") {
                v.as_array()?.len() as u64
            } else {
                let space = spec.get("linspace").or_else(|| spec.get("logspace"))?;
                u64::try_from(space.get("num")?.as_integer()?).ok()?
            };
            n = n.saturating_mul(len);
        }
        Some(n)
    };
    let points = match table.get("study") {
        Some(studies) => studies
            .as_array()?
            .iter()
            .map(|s| s.as_table().and_then(points_of))
            .try_fold(0u64, |a, n| Some(a.saturating_add(n?)))?,
        None => points_of(&table)?,
    };
    // A plan with no [dynamics] anywhere runs nothing (it is solved only).
    let runs_something = table.contains_key("dynamics")
        || table
            .get("study")
            .and_then(|s| s.as_array())
            .is_some_and(|studies| studies.iter().any(|s| s.get("dynamics").is_some()));
    Some((points, if runs_something { seeds } else { 0 }))
}

/// The points a `[sweep.design]` table gives, from its fields alone.
fn design_points(spec: &toml::Value) -> Option<u64> {
    let int = |key: &str| u64::try_from(spec.get(key)?.as_integer()?).ok();
    let d = spec.get("ranges")?.as_table()?.len() as u64;
    match spec.get("kind")?.as_str()? {
        "sobol" => {
            let second = spec
                .get("second_order")
                .and_then(toml::Value::as_bool)
                .unwrap_or(true);
            int("n")?.checked_mul(if second { 2 * d + 2 } else { d + 2 })
        }
        "morris" => int("trajectories")?.checked_mul(d + 1),
        _ => int("n"),
    }
}

/// How many per-agent values a `[model]` table declares for its family
/// (a sector's specialists), before it is parsed; 0 for an unknown family
/// (parsing refuses it).
fn declared_size(model: &toml::Value) -> u64 {
    model
        .get("family")
        .and_then(toml::Value::as_str)
        .and_then(|f| f.parse::<FamilyKind>().ok())
        .map_or(0, |kind| kind.declared_size(model))
}
