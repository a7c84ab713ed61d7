"""Analyse an openmarket experiment folder with Python Polars and matplotlib.

    python examples/analyze.py output/quickstart [figure.png]

Prints the convergence table per rule, each against its own target (the
same numbers as `openmarket summarize`), and draws, for the openness study, equilibrium openness ω
against baseline performance α0 with the runs' final ω over it.
Needs: pip install polars matplotlib
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt
import polars as pl


def main(folder: str, figure: str) -> None:
    d = Path(folder)
    manifest = json.loads((d / "manifest.json").read_text())
    runs = pl.read_parquet(d / "runs.parquet")
    eq = pl.read_parquet(d / "equilibria.parquet")

    keys = (["study"] if manifest["studies"] else []) + ["rule", "target"]
    table = (
        runs.group_by(keys)
        .agg(
            points=pl.col("point_id").n_unique(),
            runs=pl.len(),
            converged=pl.col("converged").mean(),
            median_dist_to_target=pl.col("dist_to_target").median(),
            median_target_gap=pl.col("target_gap").median(),
            cycling=pl.col("cycle_detected").mean(),
        )
        .sort(keys, nulls_last=True)
    )
    with pl.Config(tbl_rows=50, tbl_cols=20, float_precision=4):
        print(table)

    # Openness: ω is the first action. Lines: the exact equilibrium;
    # markers: the mean final ω of each rule's runs.
    openness = runs.filter(pl.col("family") == "openness")
    if openness.height == 0 or "model.alpha0" not in runs.columns:
        print("no openness runs over model.alpha0: no figure")
        return
    facet = "model.regulation.theta" if "model.regulation.theta" in runs.columns else None
    omega = pl.col("actions").list.first()
    exact = (
        eq.filter(pl.col("regime").is_not_null())
        .with_columns(omega=omega)
        .group_by(["model.alpha0"] + ([facet] if facet else []))
        .agg(pl.col("omega").first())
        .sort("model.alpha0")
    )
    final = (
        openness.with_columns(omega=omega)
        .group_by(["model.alpha0", "rule"] + ([facet] if facet else []))
        .agg(pl.col("omega").mean())
        .sort("model.alpha0")
    )
    levels = exact[facet].unique().sort().to_list() if facet else [None]
    fig, axes = plt.subplots(1, len(levels), figsize=(5 * len(levels), 4), sharey=True, squeeze=False)
    for ax, level in zip(axes[0], levels):
        e = exact if level is None else exact.filter(pl.col(facet) == level)
        ax.plot(e["model.alpha0"], e["omega"], "k-", lw=2, label="equilibrium (closed form)")
        f = final if level is None else final.filter(pl.col(facet) == level)
        for rule in f["rule"].unique().sort():
            g = f.filter(pl.col("rule") == rule)
            ax.plot(g["model.alpha0"], g["omega"], "o", ms=4, alpha=0.7, label=f"{rule} (mean final ω)")
        ax.set_xlabel("baseline performance α0")
        ax.set_title("" if level is None else f"θ = {level}")
    axes[0][0].set_ylabel("openness ω")
    axes[0][-1].legend(fontsize=8)
    fig.suptitle("Openness market: learning dynamics against the SPE")
    fig.tight_layout()
    fig.savefig(figure, dpi=120)
    print(f"wrote {figure}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "analyze.png")
