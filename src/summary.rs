//! `openmarket summarize`: a convergence verdict from an experiment folder,
//! computed with Polars lazy queries over `runs.parquet`.

use std::fmt::Write;
use std::path::Path;

use polars::prelude::*;
use serde_json::{Value, json};

use crate::error::Error;
use crate::output::{self, Experiment, Want};

/// The verdict of one experiment.
pub struct Summary {
    /// One row per study (if any) and rule.
    pub overview: DataFrame,
    /// One row per point and rule, in plan order.
    pub points: DataFrame,
    /// (point, rule) rows where not every run reached its target, farthest
    /// first.
    pub disagreements: DataFrame,
    /// A learning regulator's convergence, one row per study (if any),
    /// regulator rule and objective; `None` without a regulator.
    pub regulator: Option<DataFrame>,
    /// A sector's entry: per study (if any) and rule, how often a run's
    /// entrants are the SPE's; `None` without sector runs.
    pub entry: Option<DataFrame>,
    /// Which equilibrium the runs reached, per point with several target
    /// equilibria and rule: one row per equilibrium reached (and `none`);
    /// `None` when no point has several.
    pub basins: Option<DataFrame>,
    /// The swept parameters.
    pub axes: Vec<String>,
}

fn share(name: &str) -> Expr {
    share_of(col(name))
}

/// The share of rows where a boolean expression holds.
fn share_of(e: Expr) -> Expr {
    e.cast(DataType::Float64).mean()
}

/// A column the folder's schema may predate (schema_version 1 had no
/// rates): its aggregate, or null.
fn if_has(schema: &Schema, name: &str, e: Expr) -> Expr {
    if schema.contains(name) {
        e
    } else {
        lit(NULL).cast(DataType::Float64)
    }
}

/// The aggregates both levels report.
fn stats(schema: &Schema) -> Vec<Expr> {
    vec![
        len().alias("runs"),
        share("converged").alias("converged_share"),
        if_has(schema, "rate_kind", col("rate_kind").first()).alias("rate_kind"),
        if_has(schema, "rate", col("rate").median()).alias("median_rate"),
        if_has(schema, "rate_expected", col("rate_expected").first()).alias("rate_expected"),
        if_has(schema, "rate_theory", col("rate_theory").first()).alias("rate_theory"),
        if_has(
            schema,
            "epsilon_time",
            col("epsilon_time").cast(DataType::Float64).median(),
        )
        .alias("median_epsilon_time"),
        col("iterations")
            .cast(DataType::Float64)
            .median()
            .alias("median_iterations"),
        col("dist_to_target")
            .median()
            .alias("median_dist_to_target"),
        col("target_gap").median().alias("median_target_gap"),
        col("nash_conv").median().alias("median_nash_conv"),
        share("cycle_detected").alias("cycling_share"),
    ]
}

/// The Wilson score interval at 95% of `converged_share` over `runs`
/// (`converged_lo`, `converged_hi`): unlike the normal approximation it
/// stays inside [0, 1] and is not empty at a share of 0 or 1.
fn wilson() -> Vec<Expr> {
    wilson_of(col("runs"), col("converged_share"), "converged")
}

/// The Wilson score interval at 95% of a share `p` of `n` runs, as
/// `{name}_lo` and `{name}_hi`.
fn wilson_of(n: Expr, p: Expr, name: &str) -> Vec<Expr> {
    const Z: f64 = 1.959_963_984_540_054;
    let n = n.cast(DataType::Float64);
    let z2n = lit(Z * Z) / n.clone();
    let centre = (p.clone() + z2n.clone() / lit(2.0)) / (lit(1.0) + z2n.clone());
    let half = lit(Z)
        * (p.clone() * (lit(1.0) - p) / n.clone() + z2n.clone() / (lit(4.0) * n)).sqrt()
        / (lit(1.0) + z2n);
    vec![
        (centre.clone() - half.clone()).alias(format!("{name}_lo")),
        (centre + half).alias(format!("{name}_hi")),
    ]
}

/// The verdict of the finished experiment in `dir`.
pub fn summarize(dir: &Path) -> Result<Summary, Error> {
    let exp = Experiment::open(dir, Want::Whole)?;
    let axes = exp.manifest.axes.clone();
    let path = exp.table_path("runs");
    let equilibria = exp.table_path("equilibria");
    query(&path, &equilibria, axes).map_err(|e| {
        Error::Output(output::Error::Invalid {
            path: path.clone(),
            why: format!("cannot be summarized: {e}"),
        })
    })
}

fn query(path: &Path, equilibria: &Path, axes: Vec<String>) -> PolarsResult<Summary> {
    let path_text = path.to_string_lossy();
    let mut runs =
        LazyFrame::scan_parquet(PlRefPath::new(&*path_text), ScanArgsParquet::default())?;
    let has_study = runs.collect_schema()?.contains("study");

    let run_schema = runs.collect_schema()?;
    let mut group: Vec<Expr> = Vec::new();
    if has_study {
        group.push(col("study"));
    }
    group.push(col("rule"));
    let schema = runs.collect_schema()?;
    // Files written before the regulator existed have no such column.
    let has_regulator = schema.contains("regulator_rule");
    if has_regulator {
        group.push(col("regulator_rule"));
    }
    group.push(col("target"));

    let overview = runs
        .clone()
        .group_by(&group)
        .agg(
            [col("point_id").n_unique().alias("points")]
                .into_iter()
                .chain(stats(&run_schema))
                .collect::<Vec<_>>(),
        )
        .sort(
            group_names(has_study, &["rule", "target"]),
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .with_columns(wilson())
        .collect()?;

    let mut by_point = vec![col("point_id")];
    by_point.extend(group.iter().cloned());
    let mut aggs = stats(&run_schema);
    aggs.push(col("family").first());
    aggs.push(col("regime").first());
    aggs.extend(axes.iter().map(|a| col(a.as_str()).first()));
    let points = runs
        .clone()
        .group_by(&by_point)
        .agg(aggs)
        .sort(["point_id", "rule"], SortMultipleOptions::default())
        .with_columns(wilson())
        .collect()?;

    // A run converged when it reached its own target, so the only points
    // that disagree with theory are those where not every run did.
    let disagreements = points
        .clone()
        .lazy()
        .filter(col("converged_share").lt(lit(1.0)))
        .sort(
            ["median_dist_to_target"],
            SortMultipleOptions::default()
                .with_order_descending(true)
                .with_nulls_last(false)
                .with_maintain_order(true),
        )
        .collect()?;
    let regulated = has_regulator
        && runs
            .clone()
            .filter(col("regulator_rule").is_not_null())
            .select([len()])
            .collect()?
            .column("len")?
            .get(0)?
            .extract::<u32>()
            .unwrap_or(0)
            > 0;
    let regulator = if regulated {
        let mut by = Vec::new();
        if has_study {
            by.push(col("study"));
        }
        by.extend([col("regulator_rule"), col("regulator_objective")]);
        Some(
            runs.clone()
                .filter(col("regulator_rule").is_not_null())
                .group_by(&by)
                .agg([
                    col("point_id").n_unique().alias("points"),
                    len().alias("runs"),
                    share("converged").alias("within_tol_share"),
                    col("objective_gap").median().alias("median_objective_gap"),
                    col("objective_gap").max().alias("max_objective_gap"),
                    col("steps_to_optimum")
                        .cast(DataType::Float64)
                        .median()
                        .alias("median_steps_to_optimum"),
                    col("regulator_steps").first().alias("steps"),
                ])
                .sort(
                    group_names(has_study, &["regulator_rule", "regulator_objective"]),
                    SortMultipleOptions::default(),
                )
                .collect()?,
        )
    } else {
        None
    };
    let entry = if schema.contains("entrants") {
        sector_entry(&runs, equilibria, has_study, has_regulator)?
    } else {
        None
    };
    let basins = if schema.contains("reached") {
        basins(&runs, equilibria, has_study, &axes)?
    } else {
        None
    };
    Ok(Summary {
        overview,
        points,
        disagreements,
        regulator,
        entry,
        basins,
        axes,
    })
}

/// At points with several target equilibria: per rule, the share of runs
/// that reached each (by `reached`, the `equilibrium` of the target row a
/// converged run ended nearest) and of runs that reached none, each with
/// its 95% Wilson interval, beside the equilibrium's profile.
fn basins(
    runs: &LazyFrame,
    equilibria: &Path,
    has_study: bool,
    axes: &[String],
) -> PolarsResult<Option<DataFrame>> {
    let text = equilibria.to_string_lossy();
    let targets = LazyFrame::scan_parquet(PlRefPath::new(&*text), ScanArgsParquet::default())?
        .filter(col("target"));
    let several = targets
        .clone()
        .group_by([col("point_id")])
        .agg([len().alias("target_equilibria")])
        .filter(col("target_equilibria").gt(lit(1)));
    let mut by = vec![col("point_id")];
    if has_study {
        by.push(col("study"));
    }
    by.push(col("rule"));
    let mut keys = by.clone();
    keys.push(col("reached"));
    let profiles = targets.select([
        col("point_id"),
        col("equilibrium").cast(DataType::UInt64).alias("reached"),
        col("actions").alias("profile"),
    ]);
    let df = runs
        .clone()
        .join(
            several,
            [col("point_id")],
            [col("point_id")],
            JoinArgs::new(JoinType::Inner),
        )
        .group_by(&keys)
        .agg(
            [len().alias("count")]
                .into_iter()
                .chain(axes.iter().map(|a| col(a.as_str()).first()))
                .chain([col("target_equilibria").first()])
                .collect::<Vec<_>>(),
        )
        .with_column(col("count").sum().over(by.clone())?.alias("runs"))
        .with_column(
            (col("count").cast(DataType::Float64) / col("runs").cast(DataType::Float64))
                .alias("basin_share"),
        )
        .with_columns(wilson_of(col("runs"), col("basin_share"), "basin"))
        .join(
            profiles,
            [col("point_id"), col("reached")],
            [col("point_id"), col("reached")],
            JoinArgs::new(JoinType::Left),
        )
        .sort(
            group_names(has_study, &["point_id", "rule", "reached"]),
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .collect()?;
    Ok((df.height() > 0).then_some(df))
}

/// Whether a sector's runs end with as many specialists in as the SPE has:
/// runs joined with their point's SPE row. Points where G exits in the SPE
/// are left out, since the runs keep G in (their specialists then enter),
/// and so are a learning regulator's runs, whose market ends at the
/// regulation it recommends, not at the point's.
fn sector_entry(
    runs: &LazyFrame,
    equilibria: &Path,
    has_study: bool,
    has_regulator: bool,
) -> PolarsResult<Option<DataFrame>> {
    let mut sector = runs.clone().filter(col("entrants").is_not_null());
    if has_regulator {
        sector = sector.filter(col("regulator_rule").is_null());
    }
    let count = sector.clone().select([len()]).collect()?;
    if count.column("len")?.get(0)?.extract::<u32>().unwrap_or(0) == 0 {
        return Ok(None);
    }
    let text = equilibria.to_string_lossy();
    let spe = LazyFrame::scan_parquet(PlRefPath::new(&*text), ScanArgsParquet::default())?
        .filter(
            col("concept")
                .eq(lit("spe"))
                .and(col("entrants").is_not_null())
                .and(col("regime").neq(lit("exit"))),
        )
        .group_by([col("point_id")])
        .agg([col("entrants").first().alias("spe_entrants")]);
    let mut by = Vec::new();
    if has_study {
        by.push(col("study"));
    }
    by.push(col("rule"));
    let joined = sector
        .join(
            spe,
            [col("point_id")],
            [col("point_id")],
            JoinArgs::new(JoinType::Inner),
        )
        .group_by(&by)
        .agg([
            col("point_id").n_unique().alias("points"),
            len().alias("runs"),
            share_of(col("entrants").eq(col("spe_entrants"))).alias("entry_as_spe_share"),
            col("entrants")
                .cast(DataType::Float64)
                .median()
                .alias("median_entrants"),
            col("spe_entrants")
                .cast(DataType::Float64)
                .median()
                .alias("median_spe_entrants"),
        ])
        .sort(
            group_names(has_study, &["rule"]),
            SortMultipleOptions::default(),
        )
        .collect()?;
    Ok(Some(joined))
}

fn group_names(has_study: bool, rest: &[&str]) -> Vec<PlSmallStr> {
    let mut v: Vec<PlSmallStr> = Vec::new();
    if has_study {
        v.push("study".into());
    }
    v.extend(rest.iter().map(|s| PlSmallStr::from(*s)));
    v
}

impl Summary {
    /// The verdict as `summarize` prints it: tables, or one JSON object
    /// (`json`); every point's row with `all_points`; with `min_share`, the
    /// points below it marked.
    pub fn render(
        &self,
        json: bool,
        all_points: bool,
        min_share: Option<f64>,
    ) -> Result<String, Error> {
        Ok(if json {
            let v = self.json(min_share).map_err(failed_query)?;
            serde_json::to_string_pretty(&v).expect("JSON serializes") + "\n"
        } else {
            self.text(all_points, min_share).map_err(failed_query)?
        })
    }

    /// `--fail-if-unconverged`: an error when any point has a smaller share
    /// of converged runs than `min_share`.
    pub fn check(&self, min_share: f64) -> Result<(), Error> {
        let bad = self.unconverged(min_share).map_err(failed_query)?.height();
        if bad > 0 {
            return Err(Error::Check(format!(
                "{bad} of {} points have a converged share below {min_share}",
                self.points.height()
            )));
        }
        Ok(())
    }

    /// (point, rule) rows whose converged share is below `min_share`.
    pub fn unconverged(&self, min_share: f64) -> PolarsResult<DataFrame> {
        self.points
            .clone()
            .lazy()
            .filter(col("converged_share").lt(lit(min_share)))
            .collect()
    }

    /// The verdict's tables by name, as `--json` names them (the optional
    /// ones only where the experiment has them).
    pub fn frames(&self) -> Vec<(&'static str, &DataFrame)> {
        let mut all = vec![
            ("overview", &self.overview),
            ("points", &self.points),
            ("disagreements", &self.disagreements),
        ];
        all.extend(self.regulator.as_ref().map(|f| ("regulator", f)));
        all.extend(self.entry.as_ref().map(|f| ("entry", f)));
        all.extend(self.basins.as_ref().map(|f| ("basins", f)));
        all
    }

    pub fn json(&self, min_share: Option<f64>) -> PolarsResult<Value> {
        let mut v = json!({
            "overview": rows(&self.overview),
            "points": rows(&self.points),
            "disagreements": rows(&self.disagreements),
        });
        if let Some(r) = &self.regulator {
            v["regulator"] = json!(rows(r));
        }
        if let Some(e) = &self.entry {
            v["entry"] = json!(rows(e));
        }
        if let Some(b) = &self.basins {
            v["basins"] = json!(rows(b));
        }
        if let Some(m) = min_share {
            v["min_converged_share"] = json!(m);
            v["unconverged"] = json!(rows(&self.unconverged(m)?));
        }
        Ok(v)
    }

    pub fn text(&self, all_points: bool, min_share: Option<f64>) -> PolarsResult<String> {
        let mut s = String::new();
        if self.overview.height() == 0 && self.regulator.is_none() {
            let _ = writeln!(
                s,
                "No runs: this experiment is solved only (no [dynamics]); each point's equilibrium is in equilibria.parquet"
            );
            return Ok(s);
        }
        let _ = writeln!(
            s,
            "Convergence by rule, each against its own target (a run converged when its target gap stayed within tol)"
        );
        let mut cols: Vec<&str> = Vec::new();
        if self.overview.column("study").is_ok() {
            cols.push("study");
        }
        cols.push("rule");
        if self.regulator.is_some() {
            cols.push("regulator_rule");
        }
        cols.extend([
            "points",
            "runs",
            "target",
            "converged (95% CI)",
            "rate (median)",
            "theory",
            "median_epsilon_time",
            "median_iterations",
            "median_dist_to_target",
            "median_target_gap",
            "cycling_share",
        ]);
        let overview = for_text(&self.overview)?;
        s += &table(&overview, &cols, usize::MAX);
        s += &theory_notes(&self.overview)?;
        let mut point_cols: Vec<&str> = vec!["point_id"];
        point_cols.extend(cols.iter().copied().filter(|c| *c != "points"));
        point_cols.push("regime");
        point_cols.extend(
            self.axes
                .iter()
                .map(String::as_str)
                .filter(|a| !a.starts_with("dynamics.") || !a.ends_with("rule")),
        );
        let points = for_text(&self.points)?;
        if all_points {
            let _ = writeln!(s, "\nEvery point");
            s += &table(&points, &point_cols, usize::MAX);
        }
        if let Some(r) = &self.regulator {
            let _ = writeln!(
                s,
                "\nThe learning regulator against the exact optimal regulation (objective gap = optimum − SPE value at the regulation it recommends; within tol = gap ≤ [regulator] tol)"
            );
            let mut cols: Vec<&str> = Vec::new();
            if r.column("study").is_ok() {
                cols.push("study");
            }
            cols.extend([
                "regulator_rule",
                "regulator_objective",
                "points",
                "runs",
                "within_tol_share",
                "median_objective_gap",
                "max_objective_gap",
                "median_steps_to_optimum",
                "steps",
            ]);
            s += &table(r, &cols, usize::MAX);
        }
        if let Some(e) = &self.entry {
            let _ = writeln!(
                s,
                "\nA sector's entry: runs whose number of entrants is the SPE's (left out: points where G exits, since runs keep G in, and a learning regulator's runs)"
            );
            let mut cols: Vec<&str> = Vec::new();
            if e.column("study").is_ok() {
                cols.push("study");
            }
            cols.extend([
                "rule",
                "points",
                "runs",
                "entry_as_spe_share",
                "median_entrants",
                "median_spe_entrants",
            ]);
            s += &table(e, &cols, usize::MAX);
        }
        if let Some(b) = &self.basins {
            let _ = writeln!(
                s,
                "\nBasins: at points with several target equilibria, the share of runs that reached each (reached = its `equilibrium` in equilibria.parquet, the nearest to a converged run; none = not converged)"
            );
            let mut cols: Vec<&str> = vec!["point_id"];
            if b.column("study").is_ok() {
                cols.push("study");
            }
            cols.extend(["rule", "reached", "profile", "runs", "basin (95% CI)"]);
            cols.extend(
                self.axes
                    .iter()
                    .map(String::as_str)
                    .filter(|a| !a.starts_with("dynamics.") || !a.ends_with("rule")),
            );
            s += &table(
                &basins_text(b)?,
                &cols,
                if all_points { usize::MAX } else { 30 },
            );
        }
        let n = self.disagreements.height();
        let _ = writeln!(
            s,
            "\nPoints where not every run reached its target: {n} of {}{}",
            self.points.height(),
            if n > 0 {
                ", farthest first (median distance to the target)"
            } else {
                ""
            }
        );
        if n > 0 {
            s += &table(&for_text(&self.disagreements)?, &point_cols, 15);
        }
        if let Some(m) = min_share {
            let bad = self.unconverged(m)?;
            let _ = writeln!(
                s,
                "\nPoints with a converged share below {:.0}%: {} of {}",
                100.0 * m,
                bad.height(),
                self.points.height()
            );
            if bad.height() > 0 {
                s += &table(&for_text(&bad)?, &point_cols, 15);
            }
        }
        Ok(s)
    }
}

/// A column as nullable floats.
fn floats(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    Ok(df
        .column(name)?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .collect())
}

/// A share with its 95% interval, as the text tables show it.
fn share_cell(share: Option<f64>, lo: Option<f64>, hi: Option<f64>) -> String {
    match (share, lo, hi) {
        (Some(p), Some(l), Some(h)) => {
            format!("{:.1}% [{:.1}, {:.1}]", 100.0 * p, 100.0 * l, 100.0 * h)
        }
        _ => "–".into(),
    }
}

/// The text tables' joined cells: the converged share with its interval,
/// and the fitted rate statistic with its kind.
fn for_text(df: &DataFrame) -> PolarsResult<DataFrame> {
    let f = |name: &str| floats(df, name);
    let (share, lo, hi) = (
        f("converged_share")?,
        f("converged_lo")?,
        f("converged_hi")?,
    );
    let (rate, expected) = (f("median_rate")?, f("rate_expected")?);
    let kind = df.column("rate_kind")?.cast(&DataType::String)?;
    let kind = kind.str()?;
    let theory = df.column("rate_theory")?.cast(&DataType::String)?;
    let theory = theory.str()?;
    let mut converged = Vec::with_capacity(df.height());
    let mut rates = Vec::with_capacity(df.height());
    let mut theories = Vec::with_capacity(df.height());
    for r in 0..df.height() {
        converged.push(share_cell(share[r], lo[r], hi[r]));
        rates.push(match (kind.get(r), rate[r]) {
            (Some("finite"), Some(x)) => format!("finite, t = {x}"),
            (Some("geometric"), Some(x)) => format!("geometric, ρ = {x:.4}"),
            (Some("power"), Some(x)) => format!("power, b = {x:.3}"),
            (Some(k), None) => format!("{k}, –"),
            _ => "–".into(),
        });
        theories.push(match (kind.get(r), expected[r], theory.get(r)) {
            (Some("power"), Some(b), _) => format!("b = {b}"),
            (Some("finite"), _, Some(t)) if !t.starts_with("none") => "finite".into(),
            (Some("geometric"), _, Some(t)) if !t.starts_with("none") => "ρ < 1".into(),
            (Some(_), _, _) => "none known".into(),
            _ => "–".into(),
        });
    }
    let mut out = df.clone();
    out.with_column(Column::new("converged (95% CI)".into(), converged))?;
    out.with_column(Column::new("rate (median)".into(), rates))?;
    out.with_column(Column::new("theory".into(), theories))?;
    Ok(out)
}

/// The basins' joined cells: the share with its interval, `none` for runs
/// that reached no equilibrium, and the profile as text.
fn basins_text(df: &DataFrame) -> PolarsResult<DataFrame> {
    let f = |name: &str| floats(df, name);
    let (share, lo, hi) = (f("basin_share")?, f("basin_lo")?, f("basin_hi")?);
    let reached = df.column("reached")?;
    let profile = df.column("profile")?;
    let mut cells = Vec::with_capacity(df.height());
    let mut names = Vec::with_capacity(df.height());
    let mut profiles = Vec::with_capacity(df.height());
    for r in 0..df.height() {
        cells.push(share_cell(share[r], lo[r], hi[r]));
        names.push(match reached.get(r)? {
            AnyValue::Null => "none".to_string(),
            v => v.to_string(),
        });
        profiles.push(match profile.get(r)? {
            AnyValue::List(xs) => {
                let xs: Vec<String> = xs
                    .f64()?
                    .iter()
                    .map(|x| x.map_or("–".into(), |x| format!("{x:.4}")))
                    .collect();
                format!("({})", xs.join(", "))
            }
            _ => "–".into(),
        });
    }
    let mut out = df.clone();
    out.with_column(Column::new("basin (95% CI)".into(), cells))?;
    out.with_column(Column::new("reached".into(), names))?;
    out.with_column(Column::new("profile".into(), profiles))?;
    Ok(out)
}

/// What theory says of each rate shown, one line per distinct statement.
fn theory_notes(overview: &DataFrame) -> PolarsResult<String> {
    let rules = overview.column("rule")?.cast(&DataType::String)?;
    let says = overview.column("rate_theory")?.cast(&DataType::String)?;
    let mut seen: Vec<(String, String)> = Vec::new();
    for (rule, says) in rules.str()?.iter().zip(says.str()?.iter()) {
        if let (Some(r), Some(t)) = (rule, says)
            && !seen.iter().any(|(a, b)| a == r && b == t)
        {
            seen.push((r.to_string(), t.to_string()));
        }
    }
    let mut s = String::new();
    if !seen.is_empty() {
        let _ = writeln!(
            s,
            "  rate: the statistic theory names for the rule (finite: the hitting time; geometric: the gap's ratio per iteration; power: the exponent b of gap ∝ t^b), fitted to the gap at t = 1, 2, 4, …; theory, per rule (docs/dynamics.md, \"Rates\"):"
        );
        for (r, t) in seen {
            let _ = writeln!(s, "    {r}: {t}");
        }
    }
    Ok(s)
}

fn cell(v: &AnyValue, column: &str) -> String {
    match v {
        AnyValue::Null => "–".into(),
        AnyValue::Float64(x) if column.ends_with("_share") => format!("{:.1}%", 100.0 * x),
        AnyValue::Float64(x)
            if column == "median_iterations"
                || column == "median_steps_to_optimum"
                || column == "median_epsilon_time" =>
        {
            format!("{x}")
        }
        AnyValue::Float64(x) if *x == 0.0 => "0".into(),
        AnyValue::Float64(x) if x.abs() >= 1e-3 && x.abs() < 1e4 => format!("{x:.4}"),
        AnyValue::Float64(x) => format!("{x:.2e}"),
        AnyValue::String(t) => t.to_string(),
        AnyValue::StringOwned(t) => t.to_string(),
        other => other.to_string(),
    }
}

/// A plain aligned text table of `columns` (those the frame has), at most
/// `limit` rows.
fn table(df: &DataFrame, columns: &[&str], limit: usize) -> String {
    let cols: Vec<&Column> = columns.iter().filter_map(|c| df.column(c).ok()).collect();
    let shown = df.height().min(limit);
    let mut grid: Vec<Vec<String>> = vec![cols.iter().map(|c| c.name().to_string()).collect()];
    for r in 0..shown {
        grid.push(
            cols.iter()
                .map(|c| cell(&c.get(r).unwrap_or(AnyValue::Null), c.name()))
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..cols.len())
        .map(|k| {
            grid.iter()
                .map(|row| row[k].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::new();
    for row in &grid {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(s, "  {}", line.join("  ").trim_end());
    }
    if df.height() > shown {
        let _ = writeln!(s, "  … {} more (see --json)", df.height() - shown);
    }
    s
}

fn json_value(v: AnyValue) -> Value {
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => json!(b),
        AnyValue::String(t) => json!(t),
        AnyValue::StringOwned(t) => json!(t.as_str()),
        AnyValue::Float64(x) => json!(x),
        AnyValue::Float32(x) => json!(x),
        AnyValue::Int64(x) => json!(x),
        AnyValue::Int32(x) => json!(x),
        AnyValue::UInt64(x) => json!(x),
        AnyValue::UInt32(x) => json!(x),
        other => json!(other.to_string()),
    }
}

/// A frame as a list of JSON objects.
fn rows(df: &DataFrame) -> Vec<Value> {
    (0..df.height())
        .map(|r| {
            let mut m = serde_json::Map::new();
            for c in df.columns() {
                m.insert(
                    c.name().to_string(),
                    json_value(c.get(r).unwrap_or(AnyValue::Null)),
                );
            }
            Value::Object(m)
        })
        .collect()
}

fn failed_query(e: PolarsError) -> Error {
    Error::Other(anyhow::anyhow!("summarize: {e}"))
}
