//! Scenario discovery with PRIM, the patient rule induction method of
//! Friedman and Fisher (1999), as the EMA Workbench 2.5.3 runs it:
//! `Prim(x, y, threshold).find_box()` with the default LENIENT1 objective,
//! for numeric columns and a binary outcome.
//!
//! PRIM looks for a box (one interval per column) in which the outcome is
//! mostly true. It starts from the box that holds every row and *peels*:
//! at each step it tries to cut off a `peel_alpha` quantile of the box's
//! rows at the top or the bottom of one column, and keeps the cut that
//! raises the share of true rows the most per row removed. When no cut
//! helps any more (or the box would fall below `mass_min` of the rows), it
//! *pastes*: it tries to widen one restricted edge by a `paste_alpha`
//! quantile of the rows just outside it, as long as that still raises the
//! share. Every accepted step is one entry of the [`Trajectory`]; an
//! analyst picks the trade-off between coverage and density from it
//! ([`choose`]).
//!
//! Every rule, including the reference's quirks, is kept so that the
//! trajectory is the EMA Workbench's to the last bit: candidate order
//! (float columns before integer ones; upper before lower when peeling,
//! lower before upper when pasting), ties resolved by that order, the
//! quantile of [`quantile`], and pasting skipped altogether when no float
//! column is restricted. The fast paths (per-column sorted orders of the
//! box's rows, counts instead of index sets, columns evaluated in
//! parallel) compute the same numbers as the obvious algorithm; the
//! integration tests compare the two on random data.
//!
//! Not ported, because the analysis does not use them: nominal columns,
//! the boxes after the first, the ORIGINAL and LENIENT2 objectives,
//! `threshold_type=BELOW`, quasi-p values and resampling.

use rayon::prelude::*;

/// PRIM's tuning knobs; [`Options::default`] holds the EMA Workbench's
/// defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// A box is accepted ([`Trajectory::accepted`]) if the share of true
    /// rows in its last step is at least this; in (0, 1]. It never stops
    /// the peeling.
    pub threshold: f64,
    /// The share of a box's rows that one peel tries to cut off; in (0, 1).
    pub peel_alpha: f64,
    /// The quantile of the rows just outside an edge that one paste tries
    /// to take in; in (0, 1).
    pub paste_alpha: f64,
    /// Peeling and pasting never leave a box with a smaller share of all
    /// rows than this; in [0, 1).
    pub mass_min: f64,
}

impl Default for Options {
    /// `peel_alpha` = `paste_alpha` = `mass_min` = 0.05 as in the EMA
    /// Workbench. The Workbench has no default threshold; 0.8 is the value
    /// its own examples use.
    fn default() -> Self {
        Self {
            threshold: 0.8,
            peel_alpha: 0.05,
            paste_alpha: 0.05,
            mass_min: 0.05,
        }
    }
}

/// One input column: a name for error messages and one value per row.
#[derive(Clone, Copy, Debug)]
pub struct Column<'a> {
    /// Used only to name the column in a [`PrimError`].
    pub name: &'a str,
    /// One finite value per row of the outcome.
    pub values: &'a [f64],
    /// An integer column (the Workbench's int dtype): every value must be
    /// integral. It is peeled by the discrete rule, which moves the limit
    /// to the nearest kept value, and its candidates come after those of
    /// every float column, which decides ties.
    pub integer: bool,
}

/// One entry of the trajectory: a box and what it holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// `k` over the number of true rows in the data (recall).
    pub coverage: f64,
    /// `k / n` (precision).
    pub density: f64,
    /// The mean of the 0/1 outcome over the box; equal to `density`,
    /// kept because the Workbench reports both and tests `mean` against
    /// the threshold.
    pub mean: f64,
    /// `n` over the number of rows.
    pub mass: f64,
    /// Rows in the box.
    pub n: usize,
    /// True rows in the box.
    pub k: usize,
    /// Columns whose limits differ from the initial box's (exact
    /// comparison).
    pub res_dim: usize,
    /// `[lower, upper]` per column, in input order; inclusive.
    pub limits: Vec<[f64; 2]>,
}

/// What [`find_box`] found: the initial box and every step of peeling,
/// then pasting.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    /// `[min, max]` of every column over all rows; a column is restricted
    /// when its limits differ from these.
    pub init: Vec<[f64; 2]>,
    /// Step 0 is the initial box, the last one is the box PRIM ends on.
    pub steps: Vec<Step>,
    /// Whether the last step's mean reaches the threshold, the Workbench's
    /// acceptance test. Where the Workbench would then return a "dump box"
    /// holding every row, the trajectory is returned here anyway and the
    /// caller decides.
    pub accepted: bool,
}

/// Why [`find_box`] refused its input.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PrimError {
    /// The outcome has no rows.
    #[error("no rows: the outcome is empty")]
    NoRows,
    /// There is no column to peel.
    #[error("no columns: PRIM needs at least one input column")]
    NoColumns,
    /// A column's length differs from the outcome's.
    #[error("column `{column}` has {len} values but the outcome has {rows} rows")]
    LengthMismatch {
        /// The column's name.
        column: String,
        /// Its number of values.
        len: usize,
        /// The outcome's number of rows.
        rows: usize,
    },
    /// A value is NaN or infinite.
    #[error("column `{column}` row {row} is {value}, not a finite number")]
    NonFinite {
        /// The column's name.
        column: String,
        /// The row, from 0.
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// An integer column holds a fractional value.
    #[error("integer column `{column}` row {row} is {value}, not an integer")]
    NotInteger {
        /// The column's name.
        column: String,
        /// The row, from 0.
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// The outcome has a single class, so there is nothing to find.
    #[error("the outcome is {value} in all {rows} rows: PRIM needs both true and false rows")]
    OneClass {
        /// The one value the outcome takes.
        value: bool,
        /// The number of rows.
        rows: usize,
    },
    /// An option lies outside its domain.
    #[error("option {name} = {value} is outside {domain}")]
    InvalidOption {
        /// The option's field name in [`Options`].
        name: &'static str,
        /// The value given.
        value: f64,
        /// Its allowed range.
        domain: &'static str,
    },
}

/// The EMA Workbench's `get_quantile` (from sdtoolkit), not numpy's
/// percentile: the midpoint of the two neighbouring *distinct* order
/// statistics around position `(n − 1)·q`, so that a peel at this value
/// never splits tied rows. For `q > 0.5` the lower neighbour walks down
/// over ties, otherwise the upper one walks up; if every value is equal
/// the result is that value.
///
/// # Panics
/// If `sorted` is empty or `q` is not in (0, 1) (the reference asserts the
/// latter). `sorted` must be in ascending order.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    assert!(!sorted.is_empty(), "quantile of no values");
    assert!(q > 0.0 && q < 1.0, "quantile {q} outside (0, 1)");
    let n = sorted.len();
    let i = (n - 1) as f64 * q;
    let (mut lo, mut hi) = (i.floor() as usize, i.ceil() as usize);
    if q > 0.5 {
        while sorted[lo] == sorted[hi] && lo > 0 {
            lo -= 1;
        }
    } else {
        while sorted[lo] == sorted[hi] && hi < n - 1 {
            hi += 1;
        }
    }
    (sorted[lo] + sorted[hi]) / 2.0
}

/// Run PRIM once over all rows: peel, then paste, and return every step.
///
/// `y[i]` says whether row `i` is a case of interest; with a 0/1 outcome
/// and a threshold in (0, 1] this is the Workbench's `y >= threshold`.
/// Only the first box is found (the Workbench's first `find_box()` call).
pub fn find_box(
    columns: &[Column],
    y: &[bool],
    options: &Options,
) -> Result<Trajectory, PrimError> {
    validate(columns, y, options)?;
    let n = y.len();
    let t_coi = y.iter().filter(|&&v| v).count();
    // Every column's rows sorted once; peeling then only drops rows from
    // these orders, so its quantiles never sort again.
    let sorted: Vec<Sorted> = columns
        .par_iter()
        .map(|c| Sorted::new(c.values, 0..n))
        .collect();
    let init: Vec<[f64; 2]> = sorted
        .iter()
        .map(|s| [s.vals[0], s.vals[s.vals.len() - 1]])
        .collect();
    let mut run = Run {
        columns,
        y,
        options,
        n,
        t_coi,
        init,
        steps: Vec::new(),
    };
    let mut lims = run.init.clone();
    run.record(&lims, n, t_coi);
    let (box_n, box_k) = run.peel(&mut lims, sorted);
    run.paste(&mut lims, box_n, box_k);
    let accepted = run
        .steps
        .last()
        .is_some_and(|s| s.mean >= options.threshold);
    Ok(Trajectory {
        init: run.init,
        steps: run.steps,
        accepted,
    })
}

/// The step an analyst would usually report: the densest one whose
/// coverage is at least `min_coverage`; among equally dense steps the one
/// with the higher coverage, then the earliest. Step 0 (every row) is
/// always a candidate, so there is always an answer.
pub fn choose(t: &Trajectory, min_coverage: f64) -> usize {
    let mut best = 0;
    for (i, s) in t.steps.iter().enumerate().skip(1) {
        let b = &t.steps[best];
        let better = s.density > b.density || (s.density == b.density && s.coverage > b.coverage);
        if s.coverage >= min_coverage && better {
            best = i;
        }
    }
    best
}

fn validate(columns: &[Column], y: &[bool], o: &Options) -> Result<(), PrimError> {
    let open = |v: f64| v > 0.0 && v < 1.0;
    let (t, m) = (o.threshold, o.mass_min);
    let checks = [
        ("threshold", t, t > 0.0 && t <= 1.0, "(0, 1]"),
        ("peel_alpha", o.peel_alpha, open(o.peel_alpha), "(0, 1)"),
        ("paste_alpha", o.paste_alpha, open(o.paste_alpha), "(0, 1)"),
        ("mass_min", m, (0.0..1.0).contains(&m), "[0, 1)"),
    ];
    for (name, value, ok, domain) in checks {
        if !ok {
            return Err(PrimError::InvalidOption {
                name,
                value,
                domain,
            });
        }
    }
    if y.is_empty() {
        return Err(PrimError::NoRows);
    }
    if columns.is_empty() {
        return Err(PrimError::NoColumns);
    }
    for c in columns {
        if c.values.len() != y.len() {
            return Err(PrimError::LengthMismatch {
                column: c.name.to_string(),
                len: c.values.len(),
                rows: y.len(),
            });
        }
        for (row, &value) in c.values.iter().enumerate() {
            if !value.is_finite() {
                return Err(PrimError::NonFinite {
                    column: c.name.to_string(),
                    row,
                    value,
                });
            }
            if c.integer && value.fract() != 0.0 {
                return Err(PrimError::NotInteger {
                    column: c.name.to_string(),
                    row,
                    value,
                });
            }
        }
    }
    let trues = y.iter().filter(|&&v| v).count();
    if trues == 0 || trues == y.len() {
        return Err(PrimError::OneClass {
            value: trues > 0,
            rows: y.len(),
        });
    }
    Ok(())
}

/// Rows sorted by one column's value, with the values alongside so the
/// quantile reads a contiguous slice.
struct Sorted {
    vals: Vec<f64>,
    rows: Vec<usize>,
}

impl Sorted {
    fn new(values: &[f64], rows: impl Iterator<Item = usize>) -> Self {
        let mut keyed: Vec<(u64, usize)> = rows.map(|r| (order_key(values[r]), r)).collect();
        // A stable radix sort on the integer key (rows arrive in ascending
        // order, so ties stay by row, as a sort of the pairs would leave
        // them): the one O(n log n) step of a PRIM run, done in O(n).
        radsort::sort_by_key(&mut keyed, |k| k.0);
        let vals = keyed.iter().map(|&(key, _)| from_order_key(key)).collect();
        let rows = keyed.into_iter().map(|(_, r)| r).collect();
        Self { vals, rows }
    }

    /// Keep the rows still in the box, in order.
    fn retain(&mut self, inbox: &[bool]) {
        let mut w = 0;
        for i in 0..self.rows.len() {
            let r = self.rows[i];
            if inbox[r] {
                self.vals[w] = self.vals[i];
                self.rows[w] = r;
                w += 1;
            }
        }
        self.vals.truncate(w);
        self.rows.truncate(w);
    }
}

/// The bits of `x` mapped so that unsigned order is IEEE total order. On
/// finite values that is numpy's order, except that −0.0 comes before
/// 0.0; those compare equal in every test PRIM makes, so the trajectory
/// cannot tell.
fn order_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | 1 << 63 }
}

fn from_order_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// One scored move (a peel or a paste of one edge of one column).
#[derive(Clone, Copy, Debug)]
struct Candidate {
    col: usize,
    /// 0 = lower limit, 1 = upper limit.
    side: usize,
    limit: f64,
    n: usize,
    k: usize,
    obj: f64,
    non_res: usize,
    /// For a peel: the kept rows are `from..to` of the column's sorted box
    /// rows.
    from: usize,
    to: usize,
}

struct Run<'a> {
    columns: &'a [Column<'a>],
    y: &'a [bool],
    options: &'a Options,
    n: usize,
    t_coi: usize,
    init: Vec<[f64; 2]>,
    steps: Vec<Step>,
}

/// LENIENT1: the gain in mean per row added or removed; 0 when the mean
/// does not move (which also covers a move that changes nothing).
fn lenient1(n_old: usize, k_old: usize, n_new: usize, k_new: usize) -> f64 {
    let mo = k_old as f64 / n_old as f64;
    let mn = if n_new > 0 {
        k_new as f64 / n_new as f64
    } else {
        0.0
    };
    if mo == mn {
        0.0
    } else {
        (mn - mo) / n_old.abs_diff(n_new) as f64
    }
}

/// The first candidate with the highest (objective, unrestricted
/// columns): the Workbench's stable descending sort, first entry.
fn best(cands: impl IntoIterator<Item = Candidate>) -> Option<Candidate> {
    cands.into_iter().fold(None, |best, c| match best {
        Some(b) if !(c.obj > b.obj || (c.obj == b.obj && c.non_res > b.non_res)) => Some(b),
        _ => Some(c),
    })
}

impl Run<'_> {
    fn restricted(&self, lims: &[[f64; 2]], j: usize) -> bool {
        lims[j] != self.init[j]
    }

    fn res_dim(&self, lims: &[[f64; 2]]) -> usize {
        (0..lims.len())
            .filter(|&j| self.restricted(lims, j))
            .count()
    }

    /// Columns in candidate order: floats, then integers, each in input
    /// order.
    fn candidate_order(&self, cols: impl Iterator<Item = usize> + Clone) -> Vec<usize> {
        let floats = cols.clone().filter(|&j| !self.columns[j].integer);
        let ints = cols.filter(|&j| self.columns[j].integer);
        floats.chain(ints).collect()
    }

    fn record(&mut self, lims: &[[f64; 2]], n: usize, k: usize) {
        self.steps.push(Step {
            coverage: k as f64 / self.t_coi as f64,
            density: k as f64 / n as f64,
            mean: k as f64 / n as f64,
            mass: n as f64 / self.n as f64,
            n,
            k,
            res_dim: self.res_dim(lims),
            limits: lims.to_vec(),
        });
    }

    fn coi(&self, rows: &[usize]) -> usize {
        rows.iter().filter(|&&r| self.y[r]).count()
    }

    /// Peel until no candidate is accepted; returns the box's n and k.
    /// `boxed[j]` holds the box's rows sorted by column j. Every box row
    /// lies within the current limits of every column, which is what lets
    /// a peel's kept rows be one contiguous run of that order.
    fn peel(&mut self, lims: &mut [[f64; 2]], mut boxed: Vec<Sorted>) -> (usize, usize) {
        let order = self.candidate_order(0..self.columns.len());
        let mut inbox = vec![true; self.n];
        let (mut m, mut k) = (self.n, self.t_coi);
        loop {
            let res = self.res_dim(lims);
            let this = &*self;
            let lims_now = &*lims;
            let cands: Vec<[Candidate; 2]> = order
                .par_iter()
                .map(|&j| this.peel_column(j, &boxed[j], lims_now, res, k))
                .collect();
            let Some(c) = best(cands.into_iter().flatten()) else {
                return (m, k);
            };
            let mass_new = c.n as f64 / self.n as f64;
            let mass_old = m as f64 / self.n as f64;
            if !(mass_new >= self.options.mass_min && mass_new < mass_old && c.obj > 0.0) {
                return (m, k);
            }
            let cut = &boxed[c.col];
            for &r in cut.rows[..c.from].iter().chain(&cut.rows[c.to..]) {
                inbox[r] = false;
            }
            boxed.par_iter_mut().for_each(|s| s.retain(&inbox));
            lims[c.col][c.side] = c.limit;
            (m, k) = (c.n, c.k);
            self.record(lims, m, k);
        }
    }

    /// The upper, then the lower peel of column `j`.
    fn peel_column(
        &self,
        j: usize,
        s: &Sorted,
        lims: &[[f64; 2]],
        res: usize,
        k: usize,
    ) -> [Candidate; 2] {
        let alpha = self.options.peel_alpha;
        let v = &s.vals;
        let m = v.len();
        let kept = |side: usize| -> (usize, usize, f64) {
            let q = quantile(v, if side == 1 { 1.0 - alpha } else { alpha });
            if !self.columns[j].integer {
                return if side == 1 {
                    (0, v.partition_point(|&x| x <= q), q)
                } else {
                    (v.partition_point(|&x| x < q), m, q)
                };
            }
            // Python's int(): truncation toward zero.
            let qv = q.trunc();
            let cur = lims[j][side];
            if side == 1 {
                let to = if qv == cur {
                    v.partition_point(|&x| x < cur)
                } else {
                    v.partition_point(|&x| x <= qv)
                };
                // An empty peel puts the limit at the box's maximum.
                (0, to, v[if to > 0 { to - 1 } else { m - 1 }])
            } else {
                let from = if qv == cur {
                    v.partition_point(|&x| x <= cur)
                } else {
                    v.partition_point(|&x| x < qv)
                };
                (from, m, v[if from < m { from } else { 0 }])
            }
        };
        [1, 0].map(|side| {
            let (from, to, limit) = kept(side);
            let removed = self.coi(&s.rows[..from]) + self.coi(&s.rows[to..]);
            let (n_new, k_new) = (to - from, k - removed);
            let mut new_lim = lims[j];
            new_lim[side] = limit;
            let res_new =
                res - usize::from(lims[j] != self.init[j]) + usize::from(new_lim != self.init[j]);
            Candidate {
                col: j,
                side,
                limit,
                n: n_new,
                k: k_new,
                obj: lenient1(m, k, n_new, k_new),
                non_res: self.columns.len() - res_new,
                from,
                to,
            }
        })
    }

    /// Paste until no candidate is accepted.
    fn paste(&mut self, lims: &mut [[f64; 2]], mut m: usize, mut k: usize) {
        loop {
            let res: Vec<usize> = (0..lims.len())
                .filter(|&j| self.restricted(lims, j))
                .collect();
            // The Workbench returns as soon as the float columns offer no
            // paste, before it looks at the integer ones.
            if res.iter().all(|&j| self.columns[j].integer) {
                return;
            }
            let (inside, near) = self.near_rows(lims, &res);
            let inside_k = self.coi(&inside);
            let res_now = res.len();
            let this = &*self;
            let lims_now = &*lims;
            let cands: Vec<[Candidate; 2]> = self
                .candidate_order(res.iter().copied())
                .par_iter()
                .map(|&u| {
                    this.paste_column(u, &inside, inside_k, &near[u], lims_now, res_now, m, k)
                })
                .collect();
            let Some(c) = best(cands.into_iter().flatten()) else {
                return;
            };
            let mass_new = c.n as f64 / self.n as f64;
            let mass_old = m as f64 / self.n as f64;
            let mean_new = c.k as f64 / c.n as f64;
            let mean_old = k as f64 / m as f64;
            if !(mass_new >= self.options.mass_min
                && mass_new > mass_old
                && c.obj > 0.0
                && mean_new > mean_old)
            {
                return;
            }
            lims[c.col][c.side] = c.limit;
            (m, k) = (c.n, c.k);
            self.record(lims, m, k);
        }
    }

    /// The rows inside the box on every restricted column, and per column
    /// u the rows outside on u alone. A paste of u can only ever reach
    /// these two sets, which are small next to the data, so its slab and
    /// count need not scan every row.
    fn near_rows(&self, lims: &[[f64; 2]], res: &[usize]) -> (Vec<usize>, Vec<Vec<usize>>) {
        const CHUNK: usize = 1 << 14;
        let parts: Vec<(Vec<usize>, Vec<Vec<usize>>)> = (0..self.n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let rows = c * CHUNK..((c + 1) * CHUNK).min(self.n);
                let mut viol = vec![0u32; rows.len()];
                let mut vdim = vec![0u32; rows.len()];
                for &j in res {
                    let [lo, hi] = lims[j];
                    let values = &self.columns[j].values[rows.clone()];
                    for ((v, d), &x) in viol.iter_mut().zip(&mut vdim).zip(values) {
                        let out = !(lo <= x && x <= hi);
                        *v += u32::from(out);
                        *d = if out { j as u32 } else { *d };
                    }
                }
                let mut inside = Vec::new();
                let mut near = vec![Vec::new(); lims.len()];
                for (r, (&v, &d)) in rows.zip(viol.iter().zip(&vdim)) {
                    match v {
                        0 => inside.push(r),
                        1 => near[d as usize].push(r),
                        _ => {}
                    }
                }
                (inside, near)
            })
            .collect();
        let mut inside = Vec::new();
        let mut near = vec![Vec::new(); lims.len()];
        for (i, n) in parts {
            inside.extend(i);
            for (all, part) in near.iter_mut().zip(n) {
                all.extend(part);
            }
        }
        (inside, near)
    }

    /// The lower, then the upper paste of column `u`. Only rows inside the
    /// box (`inside`, `inside_k` of them true) or outside on u alone
    /// (`near`) lie within the limits of every other restricted column, so
    /// the Workbench's slab below the lower edge is the near rows below it
    /// plus the inside rows on the edge, and a candidate box is every
    /// inside row plus the near rows it reaches.
    #[allow(clippy::too_many_arguments)]
    fn paste_column(
        &self,
        u: usize,
        inside: &[usize],
        inside_k: usize,
        near: &[usize],
        lims: &[[f64; 2]],
        res: usize,
        m: usize,
        k: usize,
    ) -> [Candidate; 2] {
        let alpha = self.options.paste_alpha;
        let x = self.columns[u].values;
        let [lo, hi] = lims[u];
        let [min_u, max_u] = self.init[u];
        let on_edge = |edge: f64| inside.iter().map(|&r| x[r]).filter(move |&v| v == edge);
        let below = Sorted::new(x, near.iter().copied().filter(|&r| x[r] < lo));
        let above = Sorted::new(x, near.iter().copied().filter(|&r| x[r] > hi));
        [0, 1].map(|side| {
            let (limit, reached) = if side == 0 {
                let mut slab = below.vals.clone();
                slab.extend(on_edge(lo));
                let limit = if slab.is_empty() {
                    min_u
                } else {
                    quantile(&slab, 1.0 - alpha)
                };
                (
                    limit,
                    &below.rows[below.vals.partition_point(|&v| v < limit)..],
                )
            } else {
                let mut slab: Vec<f64> = on_edge(hi).collect();
                slab.extend(&above.vals);
                let limit = if slab.is_empty() {
                    max_u
                } else {
                    quantile(&slab, alpha)
                };
                (
                    limit,
                    &above.rows[..above.vals.partition_point(|&v| v <= limit)],
                )
            };
            let (n_new, k_new) = (inside.len() + reached.len(), inside_k + self.coi(reached));
            let mut new_lim = [lo, hi];
            new_lim[side] = limit;
            let res_new = res - 1 + usize::from(new_lim != self.init[u]);
            Candidate {
                col: u,
                side,
                limit,
                n: n_new,
                k: k_new,
                obj: lenient1(m, k, n_new, k_new),
                non_res: self.columns.len() - res_new,
                from: 0,
                to: 0,
            }
        })
    }
}
