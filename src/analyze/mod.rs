//! `openmarket analyze`: from a finished experiment to a policy answer.
//! Sobol' indices and Morris screening over a sweep drawn from their
//! designs, and PRIM scenario discovery over any sweep. This module reads
//! the tables, turns each `--output` into one number per point (Sobol',
//! Morris) or one yes/no per row (PRIM), hands them to the core's
//! estimators ([`openmarket_core::analysis`]), and writes
//! `DIR/analysis/<method>-<output>.parquet`.

pub mod expr;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use openmarket_core::analysis::{morris, prim, sobol};
use openmarket_core::design::{Design, DesignKind};
use polars::prelude::*;
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::error::Error;
use crate::output::{self, Experiment, Want};
use expr::Output;

/// The analyses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// Sobol' indices (first, total, second order) with bootstrap intervals.
    Sobol,
    /// Morris screening: μ, μ*, σ.
    Morris,
    /// PRIM scenario discovery: a box in parameter space where an outcome holds.
    Prim,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Sobol => "sobol",
            Method::Morris => "morris",
            Method::Prim => "prim",
        }
    }
}

/// The tables an analysis can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Table {
    /// `runs.parquet`: one row per run.
    Runs,
    /// `equilibria.parquet`: each point's target row.
    Equilibria,
}

impl Table {
    /// The table a result file names in its `table` column.
    pub(crate) fn named(name: &str) -> Option<Table> {
        [Table::Runs, Table::Equilibria]
            .into_iter()
            .find(|t| t.file() == name)
    }

    fn file(self) -> &'static str {
        match self {
            Table::Runs => "runs",
            Table::Equilibria => "equilibria",
        }
    }
}

/// What `analyze` was asked.
#[derive(Clone, Debug)]
pub struct Request {
    /// The experiment folder.
    pub dir: PathBuf,
    /// The analysis.
    pub method: Method,
    /// The outputs, as written.
    pub outputs: Vec<String>,
    /// The table; default runs when the experiment has runs.
    pub table: Option<Table>,
    /// Bootstrap resamples (Sobol', Morris).
    pub resamples: usize,
    /// The bootstrap's seed.
    pub seed: u64,
    /// PRIM's settings.
    pub prim: prim::Options,
    /// PRIM's chosen box: the densest with at least this coverage.
    pub min_coverage: f64,
    /// Sobol': analyse only the design's first base rows (a power of two),
    /// to see how the indices settle as N grows.
    pub base_rows: Option<usize>,
}

/// One output's result.
pub struct Analysis {
    /// The output as written.
    pub output: String,
    /// Its table, as written to Parquet.
    pub frame: DataFrame,
    /// Where it was written.
    pub path: PathBuf,
    /// The share of the output's variance between a point's replicates
    /// (from runs; `None` from equilibria, or without variance).
    pub replicate_share: Option<f64>,
}

/// What `analyze` found.
pub struct Report {
    /// The method.
    pub method: Method,
    /// The table read.
    pub table: Table,
    /// One per output, in the order given.
    pub analyses: Vec<Analysis>,
}

fn usage(message: String) -> Error {
    Error::Usage(message)
}

/// Family aliases of the experiment's models (`omega` for an openness
/// market's `actions[0]`), read from the stored config's `family` keys.
fn aliases(config: &str) -> Vec<(&'static str, &'static str)> {
    let table: toml::Table = config.parse().unwrap_or_default();
    let family_of = |t: &toml::Value| {
        t.get("model")
            .and_then(|m| m.get("family"))
            .and_then(toml::Value::as_str)
            .map(str::to_string)
    };
    let mut families: Vec<String> = family_of(&toml::Value::Table(table.clone()))
        .into_iter()
        .collect();
    if let Some(studies) = table.get("study").and_then(toml::Value::as_array) {
        families.extend(studies.iter().filter_map(family_of));
    }
    crate::families::output_aliases()
        .into_iter()
        .filter(|(family, _, _)| families.iter().any(|f| f == family))
        .map(|(_, alias, to)| (alias, to))
        .collect()
}

/// The experiment's `[sweep.design]` when it is of the kind `method` needs.
fn design_for(exp: &Experiment, method: Method) -> Result<Option<Design>, Error> {
    let want = match method {
        Method::Sobol => DesignKind::Sobol,
        Method::Morris => DesignKind::Morris,
        Method::Prim => return Ok(None),
    };
    match &exp.manifest.design {
        Some(d) if d.kind == want => Ok(Some(d.clone())),
        other => Err(usage(format!(
            "analyze --method {}: {} was not drawn from a {} design ({}); run a config with [sweep.design] kind = \"{}\"",
            method.name(),
            exp.dir.display(),
            method.name(),
            match other {
                Some(d) => format!(
                    "its design is kind = \"{}\"",
                    serde_json::to_value(d.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                ),
                None => "it has no [sweep.design]".into(),
            },
            method.name()
        ))),
    }
}

/// The columns of one table that an analysis reads, collected.
struct Data {
    /// point_id per row.
    point: Vec<usize>,
    /// One f64 column per output (NaN for null; refused if any).
    outputs: Vec<Vec<f64>>,
    /// Parameters per row, one column each, in `param_names` order.
    params: Vec<Vec<f64>>,
    /// Which parameters are integers (PRIM's discrete peel).
    integer: Vec<bool>,
    /// The parameters read.
    param_names: Vec<String>,
}

fn read(
    exp: &Experiment,
    table: Table,
    outputs: &[Output],
    params: &[String],
) -> Result<Data, Error> {
    let path = exp.table_path(table.file());
    let text = path.display().to_string();
    let mut lf = LazyFrame::scan_parquet(PlRefPath::new(&*text), ScanArgsParquet::default())
        .map_err(|e| output::Error::parquet(&path, e))?;
    let schema = lf
        .collect_schema()
        .map_err(|e| output::Error::parquet(&path, e))?;
    let file = format!("{}.parquet", table.file());
    for o in outputs {
        o.check(&schema, &file).map_err(usage)?;
    }
    let mut select = vec![col("point_id").cast(DataType::UInt64).alias("point_id")];
    for (k, o) in outputs.iter().enumerate() {
        select.push(o.expr().alias(format!("__out{k}")));
    }
    let mut integer = Vec::new();
    let mut names = Vec::new();
    for (k, p) in params.iter().enumerate() {
        match schema.get(p.as_str()) {
            Some(t) if t.is_primitive_numeric() => {
                integer.push(t.is_integer());
                names.push(p.clone());
                select.push(
                    col(p.as_str())
                        .cast(DataType::Float64)
                        .alias(format!("__par{k}")),
                );
            }
            _ => {}
        }
    }
    let equilibria = table == Table::Equilibria;
    if equilibria && schema.contains("target") {
        select.push(col("target"));
    }
    if equilibria && schema.contains("concept") {
        // The regulator's optimal (θ, p) is a row of the table, and its
        // runs' target, but not an equilibrium of the market: its
        // `actions` are (θ, p). The point's outcome is its SPE row.
        select.push(
            col("concept")
                .eq(lit("optimal_regulation"))
                .alias("__regulator"),
        );
    }
    let df = lf
        .select(select)
        .collect()
        .map_err(|e| output::Error::parquet(&path, e))?;
    let floats = |name: &str| -> Result<Vec<f64>, Error> {
        let c = df
            .column(name)
            .and_then(|c| c.f64().cloned())
            .map_err(|e| output::Error::parquet(&path, e))?;
        Ok(c.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    };
    let point: Vec<usize> = df
        .column("point_id")
        .and_then(|c| c.u64().cloned())
        .map_err(|e| output::Error::parquet(&path, e))?
        .iter()
        .map(|v| v.unwrap_or(0) as usize)
        .collect();
    let mut data = Data {
        outputs: (0..outputs.len())
            .map(|k| floats(&format!("__out{k}")))
            .collect::<Result<_, _>>()?,
        params: Vec::new(),
        integer,
        param_names: names,
        point,
    };
    let kept: Vec<usize> = (0..params.len())
        .filter(|k| df.column(&format!("__par{k}")).is_ok())
        .collect();
    data.params = kept
        .iter()
        .map(|k| floats(&format!("__par{k}")))
        .collect::<Result<_, _>>()?;
    if equilibria {
        // Each point contributes its target row; a point that has one row
        // (a solved-only question's answer) contributes that.
        let flag = |name: &str, default: bool| -> Result<Vec<bool>, Error> {
            Ok(match df.column(name) {
                Ok(c) => c
                    .bool()
                    .map_err(|e| output::Error::parquet(&path, e))?
                    .iter()
                    .map(|v| v.unwrap_or(false))
                    .collect(),
                Err(_) => vec![default; data.point.len()],
            })
        };
        let regulator = flag("__regulator", false)?;
        let target: Vec<bool> = flag("target", true)?
            .into_iter()
            .zip(&regulator)
            .map(|(t, &r)| t && !r)
            .collect();
        let mut rows_of = std::collections::HashMap::<usize, usize>::new();
        for (r, &p) in data.point.iter().enumerate() {
            if !regulator[r] {
                *rows_of.entry(p).or_default() += 1;
            }
        }
        // A point's target row, or its one row (a solved-only plan).
        let keep: Vec<bool> = (0..data.point.len())
            .map(|r| !regulator[r] && (target[r] || rows_of[&data.point[r]] == 1))
            .collect();
        let mut per_point = std::collections::HashMap::<usize, usize>::new();
        for r in (0..keep.len()).filter(|&r| keep[r]) {
            *per_point.entry(data.point[r]).or_default() += 1;
        }
        // Several target rows, or several rows and no target (a solved-only
        // race listing its equilibria): no one output per point.
        let several = rows_of
            .iter()
            .filter(|&(p, &n)| per_point.get(p).map_or(n > 1, |&k| k > 1))
            .count();
        if several > 0 {
            return Err(usage(format!(
                "{file}: {several} points have several equilibria and no single target row, so an output per point is not defined there; analyze --table runs, or ask a race `[solve] question = \"exists\"` or \"count\""
            )));
        }
        fn retain_kept<T>(v: &mut Vec<T>, keep: &[bool]) {
            let mut k = 0;
            v.retain(|_| {
                k += 1;
                keep[k - 1]
            });
        }
        data.outputs.iter_mut().for_each(|v| retain_kept(v, &keep));
        data.params.iter_mut().for_each(|v| retain_kept(v, &keep));
        retain_kept(&mut data.point, &keep);
    }
    for (o, values) in outputs.iter().zip(&data.outputs) {
        let nulls = values.iter().filter(|v| !v.is_finite()).count();
        if nulls > 0 {
            return Err(usage(format!(
                "--output {}: {nulls} of {} rows of {file} are null or not finite there (e.g. a list too short for the index, or a column only some studies or families fill); choose an output every row has",
                o.text,
                values.len()
            )));
        }
    }
    Ok(data)
}

/// Each output's per-point means, and its replicate share.
type PerPoint = (Vec<Vec<f64>>, Vec<Option<f64>>);

/// Per point (in point order): the mean of each output over the point's
/// rows, and the share of the variance that lies between replicates.
/// The replicate share is over the first `analysed` points (those
/// `--base-rows` keeps).
fn per_point(data: &Data, points: usize, analysed: usize, file: &str) -> Result<PerPoint, Error> {
    let mut count = vec![0usize; points];
    for &p in &data.point {
        if p >= points {
            return Err(usage(format!(
                "{file}: point_id {p} is beyond the plan's {points} points"
            )));
        }
        count[p] += 1;
    }
    if let Some(missing) = count.iter().position(|&c| c == 0) {
        let n = count.iter().filter(|&&c| c == 0).count();
        return Err(usage(format!(
            "{file}: {n} of {points} points have no row (the first is point {missing}); the design needs an output at every point"
        )));
    }
    let mut means = Vec::new();
    let mut shares = Vec::new();
    for values in &data.outputs {
        let mut sum = vec![0.0; points];
        for (&p, v) in data.point.iter().zip(values) {
            sum[p] += v;
        }
        let mean: Vec<f64> = sum.iter().zip(&count).map(|(s, &c)| s / c as f64).collect();
        let rows = || {
            data.point
                .iter()
                .zip(values)
                .filter(|&(&p, _)| p < analysed)
        };
        let within: f64 = rows().map(|(&p, v)| (v - mean[p]).powi(2)).sum();
        let n = rows().count() as f64;
        let grand = rows().map(|(_, v)| v).sum::<f64>() / n;
        let total: f64 = rows().map(|(_, v)| (v - grand).powi(2)).sum();
        let replicated = count[..analysed].iter().any(|&c| c > 1);
        shares.push((replicated && total > 0.0).then(|| within / total));
        means.push(mean);
    }
    Ok((means, shares))
}

/// Run the analysis and write its tables.
pub fn analyze(req: &Request) -> Result<Report, Error> {
    let exp = Experiment::open(&req.dir, Want::Whole)?;
    if req.outputs.is_empty() {
        return Err(usage("analyze needs at least one --output".into()));
    }
    if req.method != Method::Prim && req.resamples < 2 {
        return Err(usage(format!(
            "--resamples = {} is out of range [2, ∞): an interval needs two resamples",
            req.resamples
        )));
    }
    if !(0.0..=1.0).contains(&req.min_coverage) {
        return Err(usage(format!(
            "--min-coverage = {} is out of range [0, 1]",
            req.min_coverage
        )));
    }
    if req.base_rows.is_some() && req.method != Method::Sobol {
        return Err(usage(format!(
            "--base-rows goes with --method sobol, not {}",
            req.method.name()
        )));
    }
    let design = design_for(&exp, req.method)?;
    let has_runs = exp.manifest.rows.runs > 0;
    let table = req.table.unwrap_or(if has_runs {
        Table::Runs
    } else {
        Table::Equilibria
    });
    if table == Table::Runs && !has_runs {
        return Err(usage(format!(
            "--table runs: {} has no runs (a solved-only plan); use --table equilibria",
            req.dir.display()
        )));
    }
    let file = format!("{}.parquet", table.file());
    let aliases = aliases(&exp.manifest.config);
    let outputs: Vec<Output> = req
        .outputs
        .iter()
        .map(|o| expr::parse(o, &aliases).map_err(|m| usage(format!("--output {o}: {m}"))))
        .collect::<Result<_, _>>()?;
    let params: Vec<String> = match &design {
        Some(d) => d.parameters.iter().map(|p| p.name.clone()).collect(),
        None => exp.manifest.axes.clone(),
    };
    let data = read(&exp, table, &outputs, &params)?;
    if design.is_some() && data.param_names.len() != params.len() {
        let missing: Vec<&String> = params
            .iter()
            .filter(|p| !data.param_names.contains(p))
            .collect();
        return Err(usage(format!(
            "{file} has no numeric column for the design's parameters {missing:?}: the folder does not match its manifest"
        )));
    }
    // Two outputs written to one file would leave one of them.
    let mut slugs: Vec<String> = outputs.iter().map(Output::slug).collect();
    slugs.sort();
    if let Some(w) = slugs.windows(2).find(|w| w[0] == w[1]) {
        return Err(usage(format!(
            "--output: two outputs would both be written to analysis/{}-{}.parquet; give each output once",
            req.method.name(),
            w[0]
        )));
    }
    let points = exp.manifest.points;
    let frames: Vec<(DataFrame, Option<f64>)> = match req.method {
        Method::Sobol | Method::Morris => {
            let d = design.expect("checked above");
            let group = d.group().expect("a Sobol' or Morris design has groups");
            let expected = d.n.or(d.trajectories).map(|n| n * group);
            if expected != Some(points) {
                return Err(usage(format!(
                    "{}: {points} points do not fit its design ({} groups of {group} expected)",
                    req.dir.display(),
                    d.n.or(d.trajectories).unwrap_or(0)
                )));
            }
            let rows = match req.base_rows {
                None => points / group,
                Some(b)
                    if req.method == Method::Sobol
                        && b >= 2
                        && b.is_power_of_two()
                        && b <= points / group =>
                {
                    b
                }
                Some(b) => {
                    return Err(usage(format!(
                        "--base-rows = {b} must be a power of two in [2, {}] (the design's N)",
                        points / group
                    )));
                }
            };
            let (means, shares) = per_point(&data, points, rows * group, &file)?;
            // X per point, for Morris's directions.
            let x: Vec<Vec<f64>> = if req.method == Method::Morris {
                let mut x = vec![vec![f64::NAN; d.dimension()]; points];
                for (r, &p) in data.point.iter().enumerate() {
                    for (j, col) in data.params.iter().enumerate() {
                        x[p][j] = col[r];
                    }
                }
                x
            } else {
                Vec::new()
            };
            means
                .par_iter()
                .zip(&shares)
                .zip(&outputs)
                .map(|((y, share), o)| {
                    let frame = match req.method {
                        Method::Sobol => sobol_frame(&d, &y[..rows * group], req, o),
                        _ => morris_frame(&d, &x, y, req, o),
                    }?;
                    Ok((frame, *share))
                })
                .collect::<Result<_, Error>>()?
        }
        Method::Prim => {
            if data.params.is_empty() {
                return Err(usage(format!(
                    "analyze --method prim: {} sweeps no numeric parameter to box",
                    req.dir.display()
                )));
            }
            let yes_no = |o: &Output| o.compare.is_some() || data_is_binary(&data, o, &outputs);
            for o in &outputs {
                if !yes_no(o) {
                    return Err(usage(format!(
                        "--output {}: PRIM needs a yes/no outcome: a boolean column or a comparison, e.g. `{} >= 0.5`",
                        o.text, o.text
                    )));
                }
            }
            outputs
                .par_iter()
                .zip(&data.outputs)
                .map(|(o, y)| Ok((prim_frame(&data, y, req, o)?, None)))
                .collect::<Result<_, Error>>()?
        }
    };
    let folder = req.dir.join("analysis");
    std::fs::create_dir_all(&folder).map_err(|e| output::Error::io(&folder, e))?;
    let mut analyses = Vec::new();
    for ((mut frame, share), o) in frames.into_iter().zip(&outputs) {
        let c = Column::new("table".into(), vec![table.file(); frame.height()]);
        frame.with_column(c).map_err(polars)?;
        if req.method != Method::Prim {
            let c = Column::new("replicate_share".into(), vec![share; frame.height()]);
            frame.with_column(c).map_err(polars)?;
        }
        let path = folder.join(format!("{}-{}.parquet", req.method.name(), o.slug()));
        write_atomically(&path, &mut frame)?;
        analyses.push(Analysis {
            output: o.text.clone(),
            frame,
            path,
            replicate_share: share,
        });
    }
    Ok(Report {
        method: req.method,
        table,
        analyses,
    })
}

/// (outcome per row, parameter columns, their names).
pub(crate) type OutcomeRows = (Vec<f64>, Vec<Vec<f64>>, Vec<String>);

/// The rows `analyze` read for one output (for `plot --kind prim`): each
/// row's outcome and its parameters, in `params` order (numeric ones).
pub(crate) fn outcome_rows(
    exp: &Experiment,
    table: Table,
    output: &str,
    params: &[String],
) -> Result<OutcomeRows, Error> {
    let o = expr::parse(output, &aliases(&exp.manifest.config)).map_err(usage)?;
    let data = read(exp, table, std::slice::from_ref(&o), params)?;
    let y = data.outputs.into_iter().next().unwrap_or_default();
    Ok((y, data.params, data.param_names))
}

/// Whether an output without a comparison only takes 0 and 1.
fn data_is_binary(data: &Data, o: &Output, outputs: &[Output]) -> bool {
    let k = outputs.iter().position(|x| x == o).unwrap_or(0);
    data.outputs[k].iter().all(|&v| v == 0.0 || v == 1.0)
}

fn write_atomically(path: &Path, frame: &mut DataFrame) -> Result<(), Error> {
    let tmp = path.with_extension("parquet.tmp");
    let file = std::fs::File::create(&tmp).map_err(|e| output::Error::io(&tmp, e))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(frame)
        .map_err(|e| output::Error::parquet(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| output::Error::io(path, e))?;
    Ok(())
}

fn polars(e: PolarsError) -> Error {
    Error::Other(anyhow::Error::new(e))
}

fn why(o: &Output, e: impl std::fmt::Display) -> Error {
    usage(format!("--output {}: {e}", o.text))
}

fn sobol_frame(d: &Design, y: &[f64], req: &Request, o: &Output) -> Result<DataFrame, Error> {
    let second = d.second_order == Some(true);
    let r =
        sobol::analyze(y, d.dimension(), second, req.resamples, req.seed).map_err(|e| why(o, e))?;
    let names: Vec<&str> = d.parameters.iter().map(|p| p.name.as_str()).collect();
    let (mut index, mut param, mut other, mut value, mut conf) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (kind, v, c) in [("S1", &r.s1, &r.s1_conf), ("ST", &r.st, &r.st_conf)] {
        for j in 0..names.len() {
            index.push(kind);
            param.push(names[j]);
            other.push(None::<&str>);
            value.push(v[j]);
            conf.push(c[j]);
        }
    }
    for &(i, j, v, c) in &r.s2 {
        index.push("S2");
        param.push(names[i]);
        other.push(Some(names[j]));
        value.push(v);
        conf.push(c);
    }
    let n = index.len();
    df!(
        "output" => vec![o.text.as_str(); n],
        "index" => index,
        "parameter" => param,
        "other_parameter" => other,
        "value" => value,
        "conf" => conf,
    )
    .map_err(polars)
}

fn morris_frame(
    d: &Design,
    x: &[Vec<f64>],
    y: &[f64],
    req: &Request,
    o: &Output,
) -> Result<DataFrame, Error> {
    let delta = d.morris_delta().expect("a Morris design has levels");
    let r = morris::analyze(x, y, d.dimension(), delta, req.resamples, req.seed)
        .map_err(|e| why(o, e))?;
    let names: Vec<&str> = d.parameters.iter().map(|p| p.name.as_str()).collect();
    let n = names.len();
    df!(
        "output" => vec![o.text.as_str(); n],
        "parameter" => names,
        "mu" => r.mu,
        "mu_star" => r.mu_star,
        "sigma" => r.sigma,
        "mu_star_conf" => r.mu_star_conf,
    )
    .map_err(polars)
}

fn prim_frame(data: &Data, y: &[f64], req: &Request, o: &Output) -> Result<DataFrame, Error> {
    let columns: Vec<prim::Column> = data
        .param_names
        .iter()
        .zip(&data.params)
        .zip(&data.integer)
        .map(|((name, values), &integer)| prim::Column {
            name,
            values,
            integer,
        })
        .collect();
    let yes: Vec<bool> = y.iter().map(|&v| v != 0.0).collect();
    let t = prim::find_box(&columns, &yes, &req.prim).map_err(|e| why(o, e))?;
    let chosen = prim::choose(&t, req.min_coverage);
    let steps = t.steps.len();
    let mut df = df!(
        "output" => vec![o.text.as_str(); steps],
        "step" => (0..steps as u64).collect::<Vec<u64>>(),
        "coverage" => t.steps.iter().map(|s| s.coverage).collect::<Vec<_>>(),
        "density" => t.steps.iter().map(|s| s.density).collect::<Vec<_>>(),
        "mass" => t.steps.iter().map(|s| s.mass).collect::<Vec<_>>(),
        "n" => t.steps.iter().map(|s| s.n as u64).collect::<Vec<_>>(),
        "k" => t.steps.iter().map(|s| s.k as u64).collect::<Vec<_>>(),
        "res_dim" => t.steps.iter().map(|s| s.res_dim as u64).collect::<Vec<_>>(),
        "chosen" => (0..steps).map(|s| s == chosen).collect::<Vec<_>>(),
        "accepted" => vec![t.accepted; steps],
    )
    .map_err(polars)?;
    for (j, name) in data.param_names.iter().enumerate() {
        for (side, b) in [("low", 0), ("high", 1)] {
            let c = Column::new(
                format!("{name}:{side}").into(),
                t.steps.iter().map(|s| s.limits[j][b]).collect::<Vec<f64>>(),
            );
            df.with_column(c).map_err(polars)?;
        }
    }
    Ok(df)
}

fn f64_at(df: &DataFrame, name: &str, r: usize) -> f64 {
    df.column(name)
        .ok()
        .and_then(|c| c.get(r).ok())
        .and_then(|v| v.extract::<f64>())
        .unwrap_or(f64::NAN)
}

fn str_at(df: &DataFrame, name: &str, r: usize) -> String {
    df.column(name)
        .ok()
        .and_then(|c| c.get(r).ok())
        .map(|v| match v {
            AnyValue::String(s) => s.to_string(),
            AnyValue::Null => String::new(),
            other => other.to_string(),
        })
        .unwrap_or_default()
}

impl Report {
    /// The report as text tables or one JSON object.
    pub fn render(&self, json: bool) -> String {
        if json {
            return self.json().to_string() + "\n";
        }
        let mut s = String::new();
        for a in &self.analyses {
            let _ = writeln!(
                s,
                "{} of {} (from {}.parquet){}",
                self.method.name(),
                a.output,
                self.table.file(),
                a.replicate_share
                    .map(|v| format!(
                        "; {:.1}% of its variance lies between a point's replicates",
                        100.0 * v
                    ))
                    .unwrap_or_default()
            );
            let df = &a.frame;
            match self.method {
                Method::Sobol => {
                    let label = |r: usize| {
                        let other = str_at(df, "other_parameter", r);
                        if other.is_empty() {
                            str_at(df, "parameter", r)
                        } else {
                            format!("{} × {other}", str_at(df, "parameter", r))
                        }
                    };
                    let w = (0..df.height())
                        .map(|r| label(r).chars().count())
                        .max()
                        .unwrap_or(9)
                        .max(9);
                    let _ = writeln!(
                        s,
                        "  {:<4} {:<w$} {:>9} {:>9}",
                        "", "parameter", "index", "± 95%"
                    );
                    for r in 0..df.height() {
                        let _ = writeln!(
                            s,
                            "  {:<4} {:<w$} {:>9.4} {:>9.4}",
                            str_at(df, "index", r),
                            label(r),
                            f64_at(df, "value", r),
                            f64_at(df, "conf", r)
                        );
                    }
                }
                Method::Morris => {
                    let _ = writeln!(
                        s,
                        "  {:<32} {:>10} {:>10} {:>10} {:>10}",
                        "parameter", "mu", "mu*", "sigma", "mu* ±95%"
                    );
                    for r in 0..df.height() {
                        let _ = writeln!(
                            s,
                            "  {:<32} {:>10.4} {:>10.4} {:>10.4} {:>10.4}",
                            str_at(df, "parameter", r),
                            f64_at(df, "mu", r),
                            f64_at(df, "mu_star", r),
                            f64_at(df, "sigma", r),
                            f64_at(df, "mu_star_conf", r)
                        );
                    }
                }
                Method::Prim => {
                    let chosen = (0..df.height())
                        .find(|&r| {
                            df.column("chosen").ok().and_then(|c| c.get(r).ok())
                                == Some(AnyValue::Boolean(true))
                        })
                        .unwrap_or(0);
                    let _ = writeln!(
                        s,
                        "  {} peeling and pasting steps; chosen box: step {chosen} (coverage {:.3}, density {:.3}, mass {:.3})",
                        df.height(),
                        f64_at(df, "coverage", chosen),
                        f64_at(df, "density", chosen),
                        f64_at(df, "mass", chosen)
                    );
                    let names: Vec<String> = df
                        .get_column_names()
                        .iter()
                        .filter_map(|n| n.strip_suffix(":low").map(str::to_string))
                        .collect();
                    for name in names {
                        let (lo, hi) = (
                            f64_at(df, &format!("{name}:low"), chosen),
                            f64_at(df, &format!("{name}:high"), chosen),
                        );
                        let (lo0, hi0) = (
                            f64_at(df, &format!("{name}:low"), 0),
                            f64_at(df, &format!("{name}:high"), 0),
                        );
                        if (lo, hi) != (lo0, hi0) {
                            let _ = writeln!(
                                s,
                                "    {name:<32} [{lo:.6}, {hi:.6}]  (of [{lo0:.6}, {hi0:.6}])"
                            );
                        }
                    }
                }
            }
            let _ = writeln!(s, "  wrote {}", a.path.display());
        }
        s
    }

    fn json(&self) -> Value {
        json!({
            "method": self.method.name(),
            "table": self.table.file(),
            "analyses": self.analyses.iter().map(|a| {
                let df = &a.frame;
                let rows: Vec<Value> = (0..df.height()).map(|r| {
                    let mut m = serde_json::Map::new();
                    for c in df.columns() {
                        let v = c.get(r).unwrap_or(AnyValue::Null);
                        m.insert(c.name().to_string(), match v {
                            AnyValue::Null => Value::Null,
                            AnyValue::Boolean(b) => json!(b),
                            AnyValue::String(s) => json!(s),
                            AnyValue::UInt64(x) => json!(x),
                            AnyValue::Float64(x) if x.is_finite() => json!(x),
                            AnyValue::Float64(_) => Value::Null,
                            other => json!(other.to_string()),
                        });
                    }
                    Value::Object(m)
                }).collect();
                json!({
                    "output": a.output,
                    "file": a.path.display().to_string(),
                    "replicate_share": a.replicate_share,
                    "rows": rows,
                })
            }).collect::<Vec<_>>(),
        })
    }
}
