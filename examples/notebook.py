# %% [markdown]
# # openmarket from Python
#
# A notebook in plain Python (cells marked `# %%`, as Jupyter, VS Code and
# Spyder read them): solve a game, run a sweep, read its verdict, ask a
# policy question of it, draw it, and hand a game to Gambit. Run it whole
# with
#
#     pip install ./crates/openmarket-py
#     python examples/notebook.py [OUTPUT_DIR]
#
# from the clone's root (default OUTPUT_DIR: output/notebook). `.ci/run`
# executes it.

# %%
import sys
import tomllib
from pathlib import Path

import polars as pl

import openmarket as om

out = Path(sys.argv[1] if len(sys.argv) > 1 else "output/notebook")

# %% [markdown]
# ## Solve one game exactly
# The openness market's subgame-perfect equilibrium, as `openmarket solve
# --json` gives it; then the race's question, "does a non-trivial pure
# Nash equilibrium exist?", with its witness.

# %%
spe = om.solve("configs/openness_baseline.toml")
print(f"regime {spe['regime']}: omega = {spe['omega']:.4f}, alpha1 = {spe['alpha1']:.4f}")

race = om.solve("configs/race_baseline.toml", question="exists")
print("a non-trivial pure NE exists:", race["nontrivial_exists"], "witness", race["equilibria"][0]["actions"])

# %% [markdown]
# ## Run the quick-start sweep and read its verdict
# `run` writes the same Parquet as the command line; the tables come back
# as Polars LazyFrames, the verdict as DataFrames.

# %%
exp = om.run("configs/quickstart.toml", out=out / "quickstart")
print(exp)
verdict = exp.summarize()
print(verdict["overview"].select("study", "rule", "target", "runs", "converged_share", "rate_kind", "median_rate"))

# %%
# Any query over the runs, lazily: the final openness of the generalist
# against alpha0, by rule.
omega = (
    exp.runs.filter(pl.col("study") == "openness")
    .group_by("rule", "model.alpha0")
    .agg(pl.col("actions").list.get(0).mean().alias("mean_omega"))
    .sort("rule", "model.alpha0")
    .collect()
)
print(omega.head())

# %% [markdown]
# ## A policy question: what drives the penalty regime?
# The Sobol' design of `experiments/policy_sobol.toml`, smaller (N = 256),
# edited as a dict; first- and total-order indices of "G pays the penalty"
# and of G's openness, then a PRIM box where regulation is a Pareto
# improvement.

# %%
with open("experiments/policy_sobol.toml", "rb") as f:
    policy = tomllib.load(f)
policy["sweep"]["design"]["n"] = 256
sweep = om.run(policy, out=out / "policy")
indices = sweep.analyze("sobol", ['regime == "pay_penalty"', "omega"], resamples=200)
# The three parameters with the largest total-order index, per output.
print(indices.filter(pl.col("index") == "ST").sort("value", descending=True).group_by("output", maintain_order=True).head(3))

box = sweep.analyze("prim", "pareto_improvement == true")
chosen = box.filter(pl.col("chosen")).row(0, named=True)
print(f"chosen box: coverage {chosen['coverage']:.2f}, density {chosen['density']:.2f}")
# Its limits on the parameters it restricts, against the design's ranges.
for p in policy["sweep"]["design"]["ranges"]:
    lo, hi = policy["sweep"]["design"]["ranges"][p]
    if (chosen[f"{p}:low"], chosen[f"{p}:high"]) != (lo, hi) and chosen[f"{p}:high"] - chosen[f"{p}:low"] < 0.9 * (hi - lo):
        print(f"  {p} in [{chosen[f'{p}:low']:.3f}, {chosen[f'{p}:high']:.3f}] (of [{lo}, {hi}])")

# %%
for figure in (sweep.plot("sensitivity"), sweep.plot("prim"), exp.plot("convergence")):
    print("drew", figure)

# %% [markdown]
# ## Gambit
# A finite game to pygambit and back (needs `pip install pygambit`).

# %%
try:
    import pygambit
except ImportError:
    pygambit = None
if pygambit is not None:
    game = om.to_gambit("configs/normal_form_rps.toml")
    gambit_ne = pygambit.nash.enummixed_solve(game, rational=False).equilibria[0]
    ours = om.solve(om.from_gambit(game), concept="mixed")["equilibria"][0]["strategies"]
    print("Gambit:", [[round(float(v), 6) for _, v in gambit_ne[player]] for player in game.players], "openmarket:", ours)
