//! The tables' columns: typed rows of the core to Polars frames. Enums
//! become their names here, at the Parquet boundary, and nowhere earlier.

use openmarket_core::experiment::{EquilibriumRow, RegulatorRun, RunRow, TrajectoryRow};
use openmarket_core::plan::{ParamValue, Plan};
use polars::prelude::*;

/// The version of the tables' columns, recorded in every manifest. Bump it
/// whenever a table gains, loses, renames or retypes a column: `summarize`,
/// `plot` and `merge` refuse folders of a newer version than theirs.
///
/// 1: the columns as of the first recorded version (openmarket 0.1).
/// 2: runs gain gap_checkpoints, rate_kind, rate, rate_se, rate_expected,
///    rate_theory and epsilon_time.
/// 3: runs gain reached.
/// 4: runs and equilibria gain strategies (a finite game's mixed strategy
///    per agent); an equilibrium's actions hold null for a normal-form
///    player that mixes.
/// 5: equilibria gain nontrivial_exists, count, nontrivial_count and
///    status (a race point asked `[solve] question = "exists"|"count"`).
/// 6: equilibria gain payoffs, penalty_paid, total_surplus,
///    omega_unregulated and pareto_improvement (the openness SPE's
///    welfare, as `solve` prints it).
pub const SCHEMA_VERSION: u32 = 6;

/// The Parquet type of a swept parameter, fixed by the whole plan so every
/// block of an experiment has the same schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AxisKind {
    /// Every value an integer.
    Int,
    /// Every value a number.
    Float,
    /// Every value a boolean.
    Bool,
    /// Anything else, as text.
    Text,
}

/// Each axis's kind: computed once per experiment, not per block.
pub fn axis_kinds(plan: &Plan) -> Vec<AxisKind> {
    plan.axes
        .iter()
        .map(|axis| {
            let all = |f: fn(&ParamValue) -> bool| {
                plan.points.iter().filter_map(|p| p.param(axis)).all(f)
            };
            if all(|v| matches!(v, ParamValue::Int(_))) {
                AxisKind::Int
            } else if all(|v| v.as_f64().is_some()) {
                AxisKind::Float
            } else if all(|v| matches!(v, ParamValue::Bool(_))) {
                AxisKind::Bool
            } else {
                AxisKind::Text
            }
        })
        .collect()
}

/// The swept parameters as typed columns, one value per row; null where a
/// row's study does not sweep that axis.
fn param_columns(plan: &Plan, kinds: &[AxisKind], point_of_row: &[usize]) -> Vec<Column> {
    plan.axes
        .iter()
        .zip(kinds)
        .map(|(axis, kind)| {
            // Rows come grouped by point: look each point's value up once.
            let values = per_point(point_of_row, |p| plan.points[p].param(axis));
            let name = PlSmallStr::from(axis.as_str());
            match kind {
                AxisKind::Int => Column::new(
                    name,
                    values
                        .iter()
                        .map(|v| match v {
                            Some(ParamValue::Int(i)) => Some(*i),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                AxisKind::Float => Column::new(
                    name,
                    values
                        .iter()
                        .map(|v| v.and_then(ParamValue::as_f64))
                        .collect::<Vec<_>>(),
                ),
                AxisKind::Bool => Column::new(
                    name,
                    values
                        .iter()
                        .map(|v| match v {
                            Some(ParamValue::Bool(b)) => Some(*b),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                AxisKind::Text => {
                    let text: Vec<Option<String>> = values
                        .iter()
                        .map(|v| {
                            v.map(|v| match v {
                                ParamValue::Text(t) => t.clone(),
                                other => other.to_string(),
                            })
                        })
                        .collect();
                    Column::new(name, text)
                }
            }
        })
        .collect()
}

/// `f(point)` for each row, computed once per run of rows of one point.
fn per_point<T: Clone>(point_of_row: &[usize], f: impl Fn(usize) -> T) -> Vec<T> {
    per_point_by(point_of_row, |&p| p, |&p| f(p))
}

/// `f(row)` for each row, computed once per run of rows with one `key`.
fn per_point_by<R, T: Clone>(rows: &[R], key: impl Fn(&R) -> usize, f: impl Fn(&R) -> T) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(rows.len());
    let mut last = None;
    for r in rows {
        let k = key(r);
        match (last, out.last()) {
            (Some(l), Some(v)) if l == k => out.push(v.clone()),
            _ => out.push(f(r)),
        }
        last = Some(k);
    }
    out
}

/// A `List(Float64)` column, typed even when `rows` is empty. One builder
/// for the whole column: no per-row Series.
fn list<'a>(name: &str, rows: impl ExactSizeIterator<Item = &'a [f64]>) -> Column {
    let n = rows.len();
    let mut builder =
        ListPrimitiveChunkedBuilder::<Float64Type>::new(name.into(), n, 2 * n, DataType::Float64);
    for r in rows {
        builder.append_slice(r);
    }
    builder.finish().into_series().into_column()
}

/// A `List(Float64)` column whose entries may be null inside a list (an
/// equilibrium's mixing players). Lists without a null are appended as
/// slices, so the column is written as [`list`] writes it when none has.
fn list_of_options<'a>(
    name: &str,
    rows: impl ExactSizeIterator<Item = &'a [Option<f64>]>,
) -> Column {
    let n = rows.len();
    let mut builder =
        ListPrimitiveChunkedBuilder::<Float64Type>::new(name.into(), n, 2 * n, DataType::Float64);
    let mut values = Vec::new();
    for r in rows {
        values.clear();
        values.extend(r.iter().map_while(|v| *v));
        if values.len() == r.len() {
            builder.append_slice(&values);
        } else {
            builder.append_iter(r.iter().copied());
        }
    }
    builder.finish().into_series().into_column()
}

/// A nullable `List(List(Float64))` column: a finite game's mixed strategy
/// per agent, null where the game is not finite. Built as Arrow arrays from
/// every agent's list and the rows' offsets: no Series per row.
fn strategies<'a>(
    rows: impl ExactSizeIterator<Item = Option<&'a [Vec<f64>]>> + Clone,
) -> PolarsResult<Column> {
    use polars_arrow::array::{Array, ListArray};
    use polars_arrow::bitmap::Bitmap;
    use polars_arrow::offset::OffsetsBuffer;
    let agents: Vec<&[f64]> = rows
        .clone()
        .flatten()
        .flat_map(|a| a.iter().map(Vec::as_slice))
        .collect();
    let inner = list("", agents.into_iter())
        .take_materialized_series()
        .rechunk();
    let values: Box<dyn Array> = inner.chunks()[0].clone();
    let mut offsets = Vec::with_capacity(rows.len() + 1);
    offsets.push(0i64);
    let mut valid = Vec::with_capacity(rows.len());
    for r in rows {
        let last = offsets[offsets.len() - 1];
        offsets.push(last + r.map_or(0, |a| a.len() as i64));
        valid.push(r.is_some());
    }
    let validity = valid.contains(&false).then(|| Bitmap::from_iter(valid));
    let dtype = ListArray::<i64>::default_datatype(values.dtype().clone());
    let array =
        ListArray::<i64>::try_new(dtype, OffsetsBuffer::try_from(offsets)?, values, validity)?;
    // SAFETY: the array is a list of lists of Float64, the dtype given.
    let ca = unsafe {
        ListChunked::from_chunks_and_dtype(
            "strategies".into(),
            vec![Box::new(array)],
            DataType::List(Box::new(DataType::List(Box::new(DataType::Float64)))),
        )
    };
    Ok(ca.into_series().into_column())
}

/// A column of names from a column of enums.
fn names<'a, T: AsRef<str> + 'a>(name: &str, values: impl Iterator<Item = &'a T>) -> Column {
    Column::new(
        name.into(),
        values.map(AsRef::as_ref).collect::<Vec<&str>>(),
    )
}

/// A nullable column of names.
fn opt_names<'a, T: AsRef<str> + 'a>(
    name: &str,
    values: impl Iterator<Item = Option<&'a T>>,
) -> Column {
    Column::new(
        name.into(),
        values
            .map(|v| v.map(AsRef::as_ref))
            .collect::<Vec<Option<&str>>>(),
    )
}

/// `study` (when the config has `[[study]]` sections) and the swept
/// parameters.
fn point_columns(plan: &Plan, kinds: &[AxisKind], points: &[usize]) -> Vec<Column> {
    let mut cols = Vec::new();
    if !plan.studies.is_empty() {
        cols.push(Column::new(
            "study".into(),
            points
                .iter()
                .map(|&p| plan.points[p].study.map(|s| plan.studies[s].as_str()))
                .collect::<Vec<_>>(),
        ));
    }
    cols.extend(param_columns(plan, kinds, points));
    cols
}

/// `runs.parquet`: one row per run.
pub fn runs_frame(plan: &Plan, kinds: &[AxisKind], rows: &[RunRow]) -> PolarsResult<DataFrame> {
    let points: Vec<usize> = rows.iter().map(|r| r.point).collect();
    let mut cols = vec![
        Column::new(
            "point_id".into(),
            rows.iter().map(|r| r.point as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "replicate".into(),
            rows.iter().map(|r| r.replicate).collect::<Vec<_>>(),
        ),
        Column::new(
            "seed".into(),
            rows.iter().map(|r| r.seed).collect::<Vec<_>>(),
        ),
    ];
    cols.extend(point_columns(plan, kinds, &points));
    let families = per_point(&points, |p| plan.points[p].config.model.family());
    // A run's rules are its point's: one label per point, shared by its rows.
    let labels = per_point_by(
        rows,
        |r| r.point,
        |r| std::rc::Rc::<str>::from(rule_label(&r.rules)),
    );
    cols.extend([
        names("family", families.iter()),
        Column::new(
            "rule".into(),
            labels.iter().map(|l| &**l).collect::<Vec<&str>>(),
        ),
        list("actions", rows.iter().map(|r| r.actions.as_slice())),
        strategies(rows.iter().map(|r| r.strategies.as_deref()))?,
        list("payoffs", rows.iter().map(|r| r.payoffs.as_slice())),
        Column::new(
            "nash_conv".into(),
            rows.iter().map(|r| r.nash_conv).collect::<Vec<_>>(),
        ),
        Column::new(
            "converged".into(),
            rows.iter().map(|r| r.converged).collect::<Vec<_>>(),
        ),
        Column::new(
            "iterations".into(),
            rows.iter().map(|r| r.iterations).collect::<Vec<_>>(),
        ),
        names("termination_reason", rows.iter().map(|r| &r.termination)),
        Column::new(
            "cycle_detected".into(),
            rows.iter().map(|r| r.cycle_detected).collect::<Vec<_>>(),
        ),
        Column::new(
            "avg_regret".into(),
            rows.iter().map(|r| r.avg_regret).collect::<Vec<_>>(),
        ),
        Column::new(
            "dist_to_equilibrium".into(),
            rows.iter()
                .map(|r| r.dist_to_equilibrium)
                .collect::<Vec<_>>(),
        ),
        opt_names("regime", rows.iter().map(|r| r.regime.as_ref())),
        Column::new(
            "entrants".into(),
            rows.iter().map(|r| r.entrants).collect::<Vec<_>>(),
        ),
        opt_names("target", rows.iter().map(|r| r.target.as_ref())),
        Column::new(
            "dist_to_target".into(),
            rows.iter().map(|r| r.dist_to_target).collect::<Vec<_>>(),
        ),
        Column::new(
            "target_gap".into(),
            rows.iter().map(|r| r.target_gap).collect::<Vec<_>>(),
        ),
        list(
            "gap_checkpoints",
            rows.iter().map(|r| r.gap_checkpoints.as_slice()),
        ),
        opt_names(
            "rate_kind",
            rows.iter().map(|r| r.rate.as_ref().map(|k| &k.kind)),
        ),
        Column::new(
            "rate".into(),
            rows.iter()
                .map(|r| r.rate.and_then(|k| k.value))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "rate_se".into(),
            rows.iter()
                .map(|r| r.rate.and_then(|k| k.se))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "rate_expected".into(),
            rows.iter()
                .map(|r| r.theory.and_then(|t| t.expected))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "rate_theory".into(),
            rows.iter()
                .map(|r| r.theory.map(|t| t.says))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "epsilon_time".into(),
            rows.iter().map(|r| r.epsilon_time).collect::<Vec<_>>(),
        ),
        Column::new(
            "reached".into(),
            rows.iter().map(|r| r.reached).collect::<Vec<_>>(),
        ),
    ]);
    cols.extend(regulator_columns(rows));
    DataFrame::new_infer_height(cols)
}

/// A learning regulator's columns, null on runs without one.
fn regulator_columns(rows: &[RunRow]) -> Vec<Column> {
    let f = |name: &str, get: fn(&RegulatorRun) -> f64| {
        Column::new(
            name.into(),
            rows.iter()
                .map(|r| r.regulator.as_ref().map(get))
                .collect::<Vec<_>>(),
        )
    };
    vec![
        Column::new(
            "regulator_rule".into(),
            rows.iter()
                .map(|r| r.regulator.as_ref().map(|g| <&str>::from(g.rule)))
                .collect::<Vec<_>>(),
        ),
        opt_names(
            "regulator_objective",
            rows.iter()
                .map(|r| r.regulator.as_ref().map(|g| &g.objective)),
        ),
        f("theta", |g| g.theta),
        f("penalty", |g| g.penalty),
        f("objective", |g| g.realised),
        f("objective_gap", |g| g.objective_gap),
        Column::new(
            "regulator_steps".into(),
            rows.iter()
                .map(|r| r.regulator.as_ref().map(|g| g.steps))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "steps_to_optimum".into(),
            rows.iter()
                .map(|r| r.regulator.as_ref().and_then(|g| g.steps_to_optimum))
                .collect::<Vec<_>>(),
        ),
    ]
}

/// The `rule` column: the rule every agent followed, or each agent's rule
/// in agent order, joined by "/" (openness: generalist/specialist).
fn rule_label(rules: &[openmarket_core::dynamics::rules::RuleKind]) -> String {
    let first = rules[0];
    if rules.iter().all(|r| *r == first) {
        first.as_ref().to_string()
    } else {
        rules
            .iter()
            .map(|r| r.as_ref())
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// A nullable `List(Float64)` column.
fn opt_list<'a>(name: &str, rows: impl ExactSizeIterator<Item = Option<&'a [f64]>>) -> Column {
    let n = rows.len();
    let mut builder =
        ListPrimitiveChunkedBuilder::<Float64Type>::new(name.into(), n, 2 * n, DataType::Float64);
    for r in rows {
        match r {
            Some(r) => builder.append_slice(r),
            None => builder.append_null(),
        }
    }
    builder.finish().into_series().into_column()
}

/// `equilibria.parquet`: one row per point and equilibrium.
pub fn equilibria_frame(
    plan: &Plan,
    kinds: &[AxisKind],
    rows: &[EquilibriumRow],
) -> PolarsResult<DataFrame> {
    let points: Vec<usize> = rows.iter().map(|r| r.point).collect();
    let mut cols = vec![Column::new(
        "point_id".into(),
        rows.iter().map(|r| r.point as u64).collect::<Vec<_>>(),
    )];
    cols.extend(point_columns(plan, kinds, &points));
    cols.extend([
        names("solver", rows.iter().map(|r| &r.solver)),
        Column::new(
            "equilibrium".into(),
            rows.iter().map(|r| r.index as u64).collect::<Vec<_>>(),
        ),
        list_of_options("actions", rows.iter().map(|r| r.actions.as_slice())),
        strategies(rows.iter().map(|r| r.strategies.as_deref()))?,
        Column::new(
            "strict".into(),
            rows.iter().map(|r| r.strict).collect::<Vec<_>>(),
        ),
        Column::new(
            "nontrivial".into(),
            rows.iter().map(|r| r.nontrivial).collect::<Vec<_>>(),
        ),
        opt_names("regime", rows.iter().map(|r| r.regime.as_ref())),
        Column::new(
            "delta".into(),
            rows.iter().map(|r| r.delta).collect::<Vec<_>>(),
        ),
        names("concept", rows.iter().map(|r| &r.concept)),
        Column::new(
            "target".into(),
            rows.iter().map(|r| r.target).collect::<Vec<_>>(),
        ),
        Column::new(
            "held".into(),
            rows.iter().map(|r| r.held.as_deref()).collect::<Vec<_>>(),
        ),
        Column::new(
            "temperature".into(),
            rows.iter().map(|r| r.temperature).collect::<Vec<_>>(),
        ),
        opt_list(
            "distribution",
            rows.iter().map(|r| r.distribution.as_deref()),
        ),
        Column::new(
            "entrants".into(),
            rows.iter()
                .map(|r| r.sector.as_ref().map(|s| s.entrants))
                .collect::<Vec<_>>(),
        ),
        opt_bools(
            "specialist_enters",
            rows.iter()
                .map(|r| r.sector.as_ref().map(|s| s.enters.as_slice())),
        ),
        opt_list(
            "specialist_u_d",
            rows.iter()
                .map(|r| r.sector.as_ref().map(|s| s.u_d.as_slice())),
        ),
        Column::new(
            "nontrivial_exists".into(),
            rows.iter()
                .map(|r| r.answer.and_then(|a| a.nontrivial_exists))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "count".into(),
            rows.iter()
                .map(|r| r.answer.and_then(|a| a.count))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "nontrivial_count".into(),
            rows.iter()
                .map(|r| r.answer.and_then(|a| a.nontrivial_count))
                .collect::<Vec<_>>(),
        ),
        opt_names(
            "status",
            rows.iter().map(|r| r.answer.as_ref().map(|a| &a.status)),
        ),
        opt_list(
            "payoffs",
            rows.iter()
                .map(|r| r.welfare.as_ref().map(|w| w.payoffs.as_slice())),
        ),
        Column::new(
            "penalty_paid".into(),
            rows.iter()
                .map(|r| r.welfare.as_ref().map(|w| w.penalty_paid))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "total_surplus".into(),
            rows.iter()
                .map(|r| r.welfare.as_ref().map(|w| w.total_surplus))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "omega_unregulated".into(),
            rows.iter()
                .map(|r| r.welfare.as_ref().map(|w| w.omega_unregulated))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "pareto_improvement".into(),
            rows.iter()
                .map(|r| r.welfare.as_ref().and_then(|w| w.pareto_improvement))
                .collect::<Vec<_>>(),
        ),
    ]);
    DataFrame::new_infer_height(cols)
}

/// A nullable `List(Boolean)` column.
fn opt_bools<'a>(name: &str, rows: impl ExactSizeIterator<Item = Option<&'a [bool]>>) -> Column {
    let n = rows.len();
    let mut builder = ListBooleanChunkedBuilder::new(name.into(), n, n);
    for r in rows {
        match r {
            Some(r) => builder.append_iter(r.iter().map(|&b| Some(b))),
            None => builder.append_null(),
        }
    }
    builder.finish().into_series().into_column()
}

/// `trajectories.parquet`: every k-th iteration of every run.
pub fn trajectories_frame(rows: &[TrajectoryRow]) -> PolarsResult<DataFrame> {
    DataFrame::new_infer_height(vec![
        Column::new(
            "point_id".into(),
            rows.iter().map(|r| r.point as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "replicate".into(),
            rows.iter().map(|r| r.replicate).collect::<Vec<_>>(),
        ),
        Column::new(
            "iteration".into(),
            rows.iter().map(|r| r.iteration).collect::<Vec<_>>(),
        ),
        list("actions", rows.iter().map(|r| r.actions.as_slice())),
        Column::new(
            "target_gap".into(),
            rows.iter().map(|r| r.target_gap).collect::<Vec<_>>(),
        ),
    ])
}
