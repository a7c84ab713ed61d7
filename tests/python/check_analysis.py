"""`openmarket analyze` against its references, on openmarket's own outputs.

- Sobol' indices against SALib 1.6 (`SALib.analyze.sobol.analyze`) on the
  same Y in the same order, from the equilibria of a solved-only sweep and
  from the per-point means of a sweep's runs: S1, ST and S2 to 1e-9.
- Morris measures against SALib 1.6 (`SALib.analyze.morris.analyze`) on the
  same X and Y: mu, mu_star and sigma to 1e-9.
- PRIM against the EMA Workbench 2.5.3 (`prim.Prim(x, y, threshold)
  .find_box()`) on the same runs: coverage, density, mass and box limits at
  every step to 1e-9; the chosen-box rule applied to the Workbench's
  trajectory picks the same step.

Y and X are read here with Polars, independently of openmarket's own
output expressions. Usage: check_analysis.py OPENMARKET_BINARY SCRATCH_DIR
"""

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import polars as pl

warnings.filterwarnings("ignore")
from SALib.analyze import morris as salib_morris  # noqa: E402
from SALib.analyze import sobol as salib_sobol  # noqa: E402
from ema_workbench.analysis import prim as ema_prim  # noqa: E402
import pandas as pd  # noqa: E402

TOL = 1e-9

MODEL = """
[model]
family = "openness"
alpha0 = 0.2
r = 1.0
c0 = 1.0
c1 = 1.0
epsilon = 0.1
lambda = 1.0
[model.bargaining]
rule = "fixed"
delta = 0.8
[model.regulation]
theta = 0.6
penalty = 0.05
"""

RANGES = """
[sweep.design.ranges]
"model.regulation.theta" = [0.0, 1.0]
"model.alpha0" = [0.0, 0.6]
"model.regulation.penalty" = [0.0, 0.2]
"model.r" = [0.5, 2.0]
"""

DYNAMICS = """
[runs]
seeds_per_point = 2
master_seed = 7
[dynamics]
rule = "best_response"
max_iterations = 300
window = 5
noise = 0.02
response_noise = 0.02
"""


def run(binary, scratch, name, text):
    cfg = scratch / f"{name}.toml"
    cfg.write_text(text)
    out = scratch / name
    subprocess.run([binary, "run", str(cfg), "--out", str(out)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


def analyze(binary, out, method, outputs, *extra):
    cmd = [binary, "analyze", str(out), "--method", method, "--json", *extra]
    for o in outputs:
        cmd += ["--output", o]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def manifest(out):
    return json.loads((out / "manifest.json").read_text())


def problem(out):
    params = manifest(out)["design"]["parameters"]
    return {"num_vars": len(params), "names": [p["name"] for p in params],
            "bounds": [[p["low"], p["high"]] for p in params]}


def equilibria(out):
    """Each point's target row, or its one row (a solved-only plan)."""
    eq = pl.read_parquet(out / "equilibria.parquet")
    return eq.filter(pl.col("target") | (pl.len().over("point_id") == 1)).sort("point_id")


def equilibrium_y(out, expr):
    eq = equilibria(out)
    assert eq.height == manifest(out)["points"], "one target row per point"
    return eq.select(expr.cast(pl.Float64)).to_series().to_numpy()


def run_means(out, expr):
    runs = pl.read_parquet(out / "runs.parquet")
    per = (runs.with_columns(expr.cast(pl.Float64).alias("__y"))
           .group_by("point_id").agg(pl.col("__y").mean()).sort("point_id"))
    assert per.height == manifest(out)["points"]
    return per["__y"].to_numpy()


def rows_of(result, output):
    (a,) = [a for a in result["analyses"] if a["output"] == output]
    return a["rows"]


def check_sobol(result, output, y, prob, second_order):
    ref = salib_sobol.analyze(prob, y, calc_second_order=second_order, num_resamples=10, seed=1)
    rows = rows_of(result, output)
    worst = 0.0
    for r in rows:
        j = prob["names"].index(r["parameter"])
        if r["index"] == "S2":
            k = prob["names"].index(r["other_parameter"])
            want = ref["S2"][j, k]
        else:
            want = ref[r["index"]][j]
        worst = max(worst, abs(r["value"] - want))
    assert len(rows) == 2 * prob["num_vars"] + (
        prob["num_vars"] * (prob["num_vars"] - 1) // 2 if second_order else 0)
    assert worst < TOL, f"sobol {output}: differs from SALib by {worst}"
    return worst


def main():
    binary, scratch = sys.argv[1], Path(sys.argv[2])
    scratch.mkdir(parents=True, exist_ok=True)
    worst = {}

    # Sobol' on a solved-only sweep's equilibria, with second order.
    out = run(binary, scratch, "sobol_eq", MODEL + """
[sweep.design]
kind = "sobol"
n = 64
second_order = true
seed = 3
""" + RANGES)
    prob = problem(out)
    assert prob["names"][0] == "model.regulation.theta", "parameters in the file's order"
    outputs = {
        "omega": pl.col("actions").list.get(0),
        'regime == "pay_penalty"': pl.col("regime") == "pay_penalty",
        "u_g": pl.col("payoffs").list.get(0),
        "total_surplus": pl.col("total_surplus"),
    }
    res = analyze(binary, out, "sobol", outputs, "--resamples", "20")
    assert res["table"] == "equilibria"
    for name, expr in outputs.items():
        worst[f"sobol/equilibria/{name}"] = check_sobol(res, name, equilibrium_y(out, expr), prob, True)

    # Sobol' on the per-point means of a sweep's runs, first order only.
    out = run(binary, scratch, "sobol_runs", MODEL + DYNAMICS + """
[sweep.design]
kind = "sobol"
n = 16
second_order = false
seed = 4
""" + RANGES)
    prob = problem(out)
    res = analyze(binary, out, "sobol", ["omega", "alpha1"], "--resamples", "20")
    assert res["table"] == "runs"
    for name, expr in [("omega", pl.col("actions").list.get(0)),
                       ("alpha1", pl.col("actions").list.get(1))]:
        worst[f"sobol/runs/{name}"] = check_sobol(res, name, run_means(out, expr), prob, False)
        share = [a for a in res["analyses"] if a["output"] == name][0]["replicate_share"]
        assert share is None or 0.0 <= share <= 1.0

    # Morris on the equilibria.
    out = run(binary, scratch, "morris_eq", MODEL + """
[sweep.design]
kind = "morris"
trajectories = 30
levels = 4
seed = 5
""" + RANGES)
    prob = problem(out)
    eq = equilibria(out)
    x = eq.select(prob["names"]).to_numpy()
    for name, expr in [("omega", pl.col("actions").list.get(0)), ("u_d", pl.col("payoffs").list.get(1))]:
        y = equilibrium_y(out, expr)
        ref = salib_morris.analyze(prob, x, y, num_levels=4, num_resamples=10, seed=1)
        rows = rows_of(analyze(binary, out, "morris", [name], "--resamples", "20"), name)
        w = 0.0
        for r in rows:
            j = prob["names"].index(r["parameter"])
            for key in ("mu", "mu_star", "sigma"):
                w = max(w, abs(r[key] - float(ref[key][j])))
        assert w < TOL, f"morris {name}: differs from SALib by {w}"
        worst[f"morris/equilibria/{name}"] = w

    # PRIM on every run of the Sobol' sweep with runs, against the EMA
    # Workbench (float columns: the design's parameters).
    out = scratch / "sobol_runs"
    prob = problem(out)
    for name, expr, threshold in [('regime == "pay_penalty"', pl.col("regime") == "pay_penalty", 0.8),
                                  ("omega >= 0.3", pl.col("actions").list.get(0) >= 0.3, 0.6)]:
        runs = pl.read_parquet(out / "runs.parquet")
        xdf = pd.DataFrame({n: runs[n].to_numpy() for n in prob["names"]})
        y = runs.select(expr).to_series().to_numpy().astype(int)
        box = ema_prim.Prim(xdf, y, threshold=threshold).find_box()
        traj = box.peeling_trajectory
        res = analyze(binary, out, "prim", [name], "--threshold", str(threshold))
        rows = rows_of(res, name)
        assert len(rows) == len(traj), f"prim {name}: {len(rows)} steps, EMA {len(traj)}"
        w = 0.0
        for i, r in enumerate(rows):
            for key in ("coverage", "density", "mass"):
                w = max(w, abs(r[key] - float(traj[key].iloc[i])))
            lims = box.box_lims[i]
            for n in prob["names"]:
                w = max(w, abs(r[f"{n}:low"] - float(lims[n].iloc[0])))
                w = max(w, abs(r[f"{n}:high"] - float(lims[n].iloc[1])))
        assert w < TOL, f"prim {name}: differs from the EMA Workbench by {w}"
        # The chosen-box rule on the Workbench's trajectory.
        best = 0
        for i in range(1, len(traj)):
            c, d = float(traj["coverage"].iloc[i]), float(traj["density"].iloc[i])
            bd, bc = float(traj["density"].iloc[best]), float(traj["coverage"].iloc[best])
            if c >= 0.5 and (d > bd or (d == bd and c > bc)):
                best = i
        chosen = [i for i, r in enumerate(rows) if r["chosen"]]
        assert chosen == [best], f"prim {name}: chose {chosen}, the rule on EMA's trajectory {best}"
        worst[f"prim/runs/{name} ({len(rows)} steps)"] = w

    for k, v in worst.items():
        print(f"{k}: max difference {v:.2e}")
    print("analyze agrees with SALib 1.6 and the EMA Workbench 2.5.3")


if __name__ == "__main__":
    main()
