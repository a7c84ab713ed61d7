"""The Python package's overhead against the command line (BENCHMARKS.md,
"From Python").

    python bench/python/overhead.py BIN [--games 10000] [--pairs 5]

1. A solve loop: `--games` small games (random 2x2 normal-form games, each
   its own TOML), solved for every mixed equilibrium, in-process
   (`openmarket.solve(text, concept="mixed")`) against one process per game
   (`BIN solve FILE --json --concept mixed`, parsed with json.loads). Both
   answers are compared first, then timed in alternating blocks of 1,000
   so that drift in the machine's speed falls on both.
2. The quick start: `openmarket.run("configs/quickstart.toml")` in a
   running interpreter against `BIN run configs/quickstart.toml`, alternated
   `--pairs` times; the same Parquet bytes are checked once.

Run from the repository's root with the package installed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openmarket as om


def game_text(rng: random.Random, k: int) -> str:
    pay = lambda: [rng.randint(-9, 9) for _ in range(4)]  # noqa: E731
    return (
        "[model]\n"
        'family = "normal_form"\n'
        f'title = "g{k}"\n'
        'players = ["row", "column"]\n'
        "strategies = [2, 2]\n"
        "[model.payoffs]\n"
        f"row = {pay()}\n"
        f"column = {pay()}\n"
    )


def timeless(v):
    if isinstance(v, dict):
        return {k: timeless(x) for k, x in v.items() if not k.endswith("_seconds")}
    if isinstance(v, list):
        return [timeless(x) for x in v]
    return v


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("--games", type=int, default=10_000)
    ap.add_argument("--pairs", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(2026)
    scratch = Path(tempfile.mkdtemp(prefix="openmarket-overhead-"))
    texts = [game_text(rng, k) for k in range(args.games)]
    files = []
    for k, t in enumerate(texts):
        f = scratch / f"g{k}.toml"
        f.write_text(t)
        files.append(str(f))

    def in_process(ks):
        return [om.solve(texts[k], concept="mixed") for k in ks]

    def spawned(ks):
        out = []
        for k in ks:
            done = subprocess.run(
                [args.bin, "solve", files[k], "--json", "--concept", "mixed"],
                capture_output=True,
                text=True,
                check=True,
            )
            out.append(json.loads(done.stdout))
        return out

    # The same answers first (on a sample), then the clock.
    sample = range(0, args.games, max(1, args.games // 200))
    assert [timeless(a) for a in in_process(sample)] == [timeless(b) for b in spawned(sample)]
    block = min(1000, args.games)
    t_in = t_sp = 0.0
    for start in range(0, args.games, block):
        ks = range(start, min(start + block, args.games))
        t0 = time.perf_counter()
        in_process(ks)
        t1 = time.perf_counter()
        spawned(ks)
        t2 = time.perf_counter()
        t_in += t1 - t0
        t_sp += t2 - t1
    n = args.games
    print(f"solve loop, {n} 2x2 games (--concept mixed):")
    print(f"  in-process  {t_in:8.3f} s  {1e6 * t_in / n:9.1f} us per game")
    print(f"  spawned CLI {t_sp:8.3f} s  {1e6 * t_sp / n:9.1f} us per game")
    print(f"  ratio spawned / in-process: {t_sp / t_in:.1f}x")

    # The quick start.
    ins, sps = [], []
    for p in range(args.pairs):
        a, b = scratch / f"qa{p}", scratch / f"qb{p}"
        t0 = time.perf_counter()
        om.run("configs/quickstart.toml", out=a, progress=False)
        t1 = time.perf_counter()
        subprocess.run([args.bin, "run", "configs/quickstart.toml", "--out", str(b)], check=True, capture_output=True)
        t2 = time.perf_counter()
        ins.append(t1 - t0)
        sps.append(t2 - t1)
        if p == 0:
            for name in ("runs.parquet", "equilibria.parquet"):
                assert (a / name).read_bytes() == (b / name).read_bytes(), name
    ratios = [s / i for i, s in zip(ins, sps)]
    print(f"quick start, {args.pairs} pairs (median [min, max]):")
    print(f"  openmarket.run  {statistics.median(ins):.3f} s [{min(ins):.3f}, {max(ins):.3f}]")
    print(f"  CLI run         {statistics.median(sps):.3f} s [{min(sps):.3f}, {max(sps):.3f}]")
    print(f"  ratio CLI / package: {statistics.median(ratios):.3f} (pairwise median)")


if __name__ == "__main__":
    sys.exit(main())
