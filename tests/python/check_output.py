"""Independent reader check (run by .ci/run): read an experiment folder with
Python Polars, and check its row counts and columns against manifest.json,
and the convergence overview against `openmarket summarize --json`. The
published tables are assembled by copying the part files' compressed pages
(src/output/concat.rs), so a second Parquet implementation, Arrow's C++
reader through pyarrow, must read every table to the same values.

    python tests/python/check_output.py output/quickstart summary.json
"""

import json
import math
import sys
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

RUN_COLUMNS = [
    "point_id", "replicate", "seed", "family", "rule", "actions", "strategies", "payoffs",
    "nash_conv", "converged", "iterations", "termination_reason",
    "cycle_detected", "avg_regret", "dist_to_equilibrium", "regime",
    "target", "dist_to_target", "target_gap", "gap_checkpoints",
    "rate_kind", "rate", "rate_se", "rate_expected", "rate_theory",
    "epsilon_time", "reached",
]
EQ_COLUMNS = ["point_id", "solver", "equilibrium", "actions", "strategies", "strict",
              "nontrivial", "regime", "delta", "concept", "target", "held",
              "temperature", "distribution"]


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def main(folder: str, summary_json: str | None) -> None:
    d = Path(folder)
    m = json.loads((d / "manifest.json").read_text())
    runs = pl.read_parquet(d / "runs.parquet")
    eq = pl.read_parquet(d / "equilibria.parquet")
    assert runs.height == m["rows"]["runs"], (runs.height, m["rows"])
    assert eq.height == m["rows"]["equilibria"], (eq.height, m["rows"])
    assert runs.height == m["points"] * m["seeds_per_point"]
    for c in RUN_COLUMNS + m["axes"]:
        assert c in runs.columns, f"runs.parquet lacks {c}"
    for c in EQ_COLUMNS + m["axes"]:
        assert c in eq.columns, f"equilibria.parquet lacks {c}"
    if m["studies"]:
        assert set(runs["study"].unique()) == set(m["studies"])
    assert runs["point_id"].n_unique() == m["points"]
    assert runs.select(pl.struct("point_id", "replicate").is_unique().all()).item()
    for table, frame in (("runs", runs), ("equilibria", eq)):
        f = pq.ParquetFile(d / f"{table}.parquet")
        arrow = pl.from_arrow(f.read())
        assert arrow.equals(frame), f"pyarrow and Polars read {table} differently"
        print(f"{table}.parquet: pyarrow reads the same {arrow.height} rows "
              f"({f.metadata.num_row_groups} row groups)")
    # The rate columns, recomputed from the checkpoints by numpy: one
    # checkpoint per power of two up to the last iteration (a regulator's
    # runs count steps, not iterations); a finite rate is the hitting time;
    # a power rate is the least-squares slope of log gap on log t over the
    # later half of the checkpoints (at least three), up to the first 0.
    import numpy as np
    plain = runs.filter(pl.col("target").is_not_null()
                        & (pl.col("target") != "optimal_regulation"))
    for row in plain.iter_rows(named=True):
        n = row["iterations"]
        assert len(row["gap_checkpoints"]) == n.bit_length(), row
        if row["epsilon_time"] is not None:
            assert 0 <= row["epsilon_time"] <= n, row
        if row["rate_kind"] == "finite":
            assert close(row["rate"], None if row["epsilon_time"] is None
                         else float(row["epsilon_time"])), row
        if row["rate_kind"] == "power":
            gaps = []
            for g in row["gap_checkpoints"]:
                if not g > 0 or not math.isfinite(g):
                    break
                gaps.append(g)
            if len(gaps) < 2:
                assert row["rate"] is None, row
                continue
            keep = min(max(len(gaps) - len(gaps) // 2, 3), len(gaps))
            t = np.log(2.0 ** np.arange(len(gaps)))[-keep:]
            y = np.log(np.array(gaps))[-keep:]
            slope = np.polyfit(t, y, 1)[0]
            assert math.isclose(row["rate"], slope, rel_tol=1e-6, abs_tol=1e-9), (
                row["rate"], slope)
    print(f"{folder}: rate columns agree with numpy's fit on {plain.height} runs")
    # `reached`, recomputed: a converged run (not judged by the CCE) names
    # the target row of its point nearest to its outcome in L∞, the first
    # in equilibrium order on ties; every other run names none.
    targets = {}
    for row in eq.filter(pl.col("target")).sort("point_id", "equilibrium").iter_rows(named=True):
        targets.setdefault(row["point_id"], []).append((row["equilibrium"], row["actions"]))
    checked = 0
    for row in runs.iter_rows(named=True):
        rows = targets.get(row["point_id"], [])
        if not row["converged"] or row["target"] in (None, "cce", "optimal_regulation") or not rows:
            assert row["reached"] is None, row
            continue
        x = np.array(row["actions"])
        dist = [np.max(np.abs(np.array(a) - x)) for _, a in rows]
        assert row["reached"] == rows[int(np.argmin(dist))][0], (row, dist)
        checked += 1
    print(f"{folder}: `reached` agrees with a nearest-row search on {checked} converged runs")
    print(f"{folder}: {runs.height} runs, {eq.height} equilibria, "
          f"{len(m['axes'])} axes: counts and columns match the manifest")

    if summary_json:
        # The same overview as `summarize`, by a hand-written Polars query.
        keys = (["study"] if m["studies"] else []) + ["rule", "target"]
        mine = (
            runs.group_by(keys)
            .agg(
                points=pl.col("point_id").n_unique(),
                runs=pl.len(),
                converged_share=pl.col("converged").cast(pl.Float64).mean(),
                median_iterations=pl.col("iterations").cast(pl.Float64).median(),
                median_dist_to_target=pl.col("dist_to_target").median(),
                median_target_gap=pl.col("target_gap").median(),
                median_nash_conv=pl.col("nash_conv").median(),
                cycling_share=pl.col("cycle_detected").cast(pl.Float64).mean(),
            )
            .sort(keys, nulls_last=True)
        )
        theirs = json.loads(Path(summary_json).read_text())["overview"]
        assert mine.height == len(theirs), (mine.height, len(theirs))
        for row, other in zip(mine.iter_rows(named=True), theirs):
            for k, v in row.items():
                if isinstance(v, float) or v is None:
                    assert close(v, other[k]), (k, v, other[k])
                else:
                    assert v == other[k], (k, v, other[k])
        print(f"summarize --json overview matches a Python Polars query ({mine.height} rows)")
        # Basins: per point with several target rows and rule, each
        # reached value's share of the runs, and its Wilson interval.
        several = {p for p, r in targets.items() if len(r) > 1}
        theirs = json.loads(Path(summary_json).read_text()).get("basins", [])
        counts, totals = {}, {}
        for row in runs.filter(pl.col("point_id").is_in(list(several))).iter_rows(named=True):
            key = (row["point_id"], row["rule"])
            totals[key] = totals.get(key, 0) + 1
            counts[key + (row["reached"],)] = counts.get(key + (row["reached"],), 0) + 1
        assert len(theirs) == len(counts), (len(theirs), len(counts))
        z = 1.959963984540054
        for b in theirs:
            n = totals[(b["point_id"], b["rule"])]
            p = counts[(b["point_id"], b["rule"], b["reached"])] / n
            assert close(b["basin_share"], p), (b, p)
            centre = (p + z * z / (2 * n)) / (1 + z * z / n)
            half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
            assert math.isclose(b["basin_lo"], centre - half, rel_tol=1e-9, abs_tol=1e-12), b
            assert math.isclose(b["basin_hi"], centre + half, rel_tol=1e-9, abs_tol=1e-12), b
        print(f"summarize --json basins match a hand count ({len(theirs)} rows)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
