"""`openmarket analyze` against SALib 1.6 and the EMA Workbench 2.5.3 on the
same data: time and agreement (BENCHMARKS.md, "Sensitivity and scenario
discovery").

- Sobol': 10 parameters of the openness market on a Saltelli design with
  N = 2^14 base rows (196,608 points, solved in closed form), 4 outputs,
  1,000 bootstrap resamples. openmarket: one `analyze` process (reading the
  Parquet included). SALib: `sobol.analyze` on each output in turn, the
  arrays already in memory.
- PRIM: 10^5 runs (12,500 Latin-hypercube points × 8 seeds of best-response
  learning), outcomes `omega >= 0.3` and `regime == "comply"`. openmarket: one `analyze` process.
  EMA: `Prim(x, y, threshold).find_box()`, the frame already in memory.

Both checks assert agreement first (Sobol' point estimates to 1e-9, the
PRIM trajectory exactly), then time each side (median of --repeat runs).

Usage: analysis.py --openmarket-bin BIN [--quick] [--repeat K] [--scratch DIR]
"""

import argparse
import json
import statistics
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import polars as pl

warnings.filterwarnings("ignore")
import pandas as pd  # noqa: E402
from SALib.analyze import sobol as salib_sobol  # noqa: E402
from ema_workbench.analysis import prim as ema_prim  # noqa: E402

MODEL = """
[model]
family = "openness"
alpha0 = 0.2
r = 1.0
c0 = 1.0
c1 = 1.0
epsilon = 0.1
lambda = 1.0
kappa = 0.0
operation_cost = 0.0
[model.bargaining]
rule = "nash"
[model.regulation]
theta = 0.6
penalty = 0.05
"""

RANGES = """
"model.alpha0" = [0.0, 0.6]
"model.r" = [0.5, 2.0]
"model.c0" = [0.5, 2.0]
"model.c1" = [0.5, 2.0]
"model.epsilon" = [0.0, 0.3]
"model.lambda" = [0.0, 1.0]
"model.kappa" = [0.0, 2.0]
"model.operation_cost" = [0.0, 0.1]
"model.regulation.theta" = [0.0, 1.0]
"model.regulation.penalty" = [0.0, 0.2]
"""

OUTPUTS = {
    "omega": pl.col("actions").list.get(0),
    "alpha1": pl.col("actions").list.get(1),
    "u_g": pl.col("payoffs").list.get(0),
    "total_surplus": pl.col("total_surplus"),
}


def timed(f, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def run(binary, scratch, name, text):
    cfg = scratch / f"{name}.toml"
    cfg.write_text(text)
    out = scratch / name
    subprocess.run([binary, "run", str(cfg), "--out", str(out), "--yes"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


def analyze(binary, out, args):
    r = subprocess.run([binary, "analyze", str(out), "--json", *args],
                       check=True, capture_output=True, text=True)
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--openmarket-bin", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scratch")
    a = ap.parse_args()
    scratch = Path(a.scratch or tempfile.mkdtemp())
    scratch.mkdir(parents=True, exist_ok=True)
    n = 2 ** 8 if a.quick else 2 ** 14
    resamples = 100 if a.quick else 1000
    points = 500 if a.quick else 12_500
    rows = []

    # Sobol'.
    out = run(a.openmarket_bin, scratch, "sobol", MODEL + f"""
[sweep.design]
kind = "sobol"
n = {n}
second_order = false
seed = 1
[sweep.design.ranges]
""" + RANGES)
    names = [p["name"] for p in json.loads((out / "manifest.json").read_text())["design"]["parameters"]]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0, 1]] * len(names)}
    eq = pl.read_parquet(out / "equilibria.parquet").sort("point_id")
    ys = {k: eq.select(e.cast(pl.Float64)).to_series().to_numpy() for k, e in OUTPUTS.items()}
    args = ["--method", "sobol", "--resamples", str(resamples)]
    for k in OUTPUTS:
        args += ["--output", k]
    t_om, res = timed(lambda: analyze(a.openmarket_bin, out, args), a.repeat)
    t_sa, refs = timed(lambda: {k: salib_sobol.analyze(problem, y, calc_second_order=False,
                                                      num_resamples=resamples, seed=1)
                                for k, y in ys.items()}, a.repeat)
    worst = 0.0
    for an in res["analyses"]:
        ref = refs[an["output"]]
        for r in an["rows"]:
            worst = max(worst, abs(r["value"] - ref[r["index"]][names.index(r["parameter"])]))
    assert worst < 1e-9, f"Sobol' indices differ from SALib by {worst}"
    rows.append((f"Sobol' indices, D = 10, N = {n} ({eq.height} points), 4 outputs, "
                 f"{resamples} resamples", t_om, t_sa, "SALib 1.6 sobol.analyze", f"{worst:.1e}"))

    # PRIM.
    out = run(a.openmarket_bin, scratch, "prim", MODEL + f"""
[runs]
seeds_per_point = 8
master_seed = 3
[dynamics]
rule = "best_response"
max_iterations = 200
[sweep.design]
kind = "latin_hypercube"
n = {points}
seed = 2
[sweep.design.ranges]
""" + RANGES)
    runs = pl.read_parquet(out / "runs.parquet")
    pnames = json.loads((out / "manifest.json").read_text())["axes"]
    x = pd.DataFrame({p: runs[p].to_numpy() for p in pnames})
    for output, expr in [("omega >= 0.3", pl.col("actions").list.get(0) >= 0.3),
                         ('regime == "comply"', pl.col("regime") == "comply")]:
        y = runs.select(expr).to_series().to_numpy().astype(int)

        def ema():
            # A low threshold so the Workbench keeps the box it found (above
            # its density it returns a one-step "dump box" instead); the
            # trajectory does not depend on it.
            return ema_prim.Prim(x, y, threshold=0.05).find_box().peeling_trajectory

        t_om, res = timed(lambda: analyze(a.openmarket_bin, out, ["--method", "prim", "--output", output,
                                                          "--threshold", "0.05"]),
                          a.repeat)
        t_ema, traj = timed(ema, a.repeat)
        steps = res["analyses"][0]["rows"]
        assert len(steps) == len(traj), f"PRIM: {len(steps)} steps, EMA {len(traj)}"
        diff = max(abs(s[k] - float(traj[k].iloc[i])) for i, s in enumerate(steps)
                   for k in ("coverage", "density", "mass"))
        assert diff < 1e-12, f"PRIM differs from EMA by {diff}"
        rows.append((f"PRIM, {runs.height} runs × {len(pnames)} parameters, `{output}` "
                     f"({y.mean():.0%} yes), {len(steps)} steps",
                     t_om, t_ema, "EMA Workbench 2.5.3 Prim.find_box", f"{diff:.1e}"))

    print("| analysis | openmarket (s) | peer (s) | peer | ratio | max difference |")
    print("|---|---|---|---|---|---|")
    for what, om, peer, name, d in rows:
        print(f"| {what} | {om:.3f} | {peer:.3f} | {name} | {peer / om:.1f}× | {d} |")


if __name__ == "__main__":
    main()
