#!/usr/bin/env python3
"""The peer benchmark: the same games through openmarket and through a peer.

    bench/peers/run.sh [--quick]          (builds, then runs this script)

Three comparisons, each asserting that both sides agree and printing the
ratio of their median times (peer / openmarket = openmarket's speed-up):

  (a) Nashpy: fictitious play and asymmetric replicator dynamics on the
      bimatrix games of `peers games`, same iteration counts;
  (b) pygambit: pure-NE enumeration (`enumpure_solve`) on random n-lab
      discrete races written as Gambit strategic games; every mixed NE and
      the logit QRE of generic two-action games and of generic games with
      2-4 players and 2-5 strategies each (`--only table`);
  (c) a pure-Python, agent-per-object loop of an openness-market sweep
      against `openmarket run` on the same grid.

openmarket is reached only through the `peers` example binary
(crates/openmarket-core/examples/peers.rs; one JSON object per call, times
measured in-process around the algorithm) and the `openmarket` CLI. Peer
times are measured here the same way: around the call only, median of reps.

Exit status: 0 if every comparison agrees, 1 otherwise (CI runs --quick).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nashpy
import nashpy.learning.fictitious_play as nashpy_fp
import numpy as np
import polars as pl
import pygambit as gbt

# ---------------------------------------------------------------------------
# Sizes. Quick is CI's agreement check: small instances, few reps, seconds.
# ---------------------------------------------------------------------------

QUICK = dict(
    fp_iterations=[2_000],
    replicator_t=[10.0],
    race_n=[4, 6],
    race_sparse_n=[6],
    mixed_n=[2, 3],
    qre_n=[3],
    tables=[(3, 3), (2, 2, 3)],
    sweep=dict(alpha0_num=7, theta_num=6, seeds=2),
    om_reps=5,
    peer_reps=3,
    sweep_reps=1,
)
FULL = dict(
    fp_iterations=[10_000, 100_000],
    replicator_t=[10.0, 100.0],
    race_n=[4, 6, 8, 10, 12],
    race_sparse_n=[8, 10, 12, 14],
    mixed_n=[2, 3, 4, 5],
    qre_n=[3, 5, 8],
    tables=[(5, 5), (3, 4, 5), (4, 4, 4), (2, 3, 3, 2), (3, 3, 3, 3)],
    sweep=dict(alpha0_num=61, theta_num=41, seeds=4),
    om_reps=11,
    peer_reps=3,
    sweep_reps=3,
)

# scipy's odeint (LSODA) default tolerances, which nashpy uses; openmarket's
# adaptive Runge–Kutta 5(4) integrator (Tsitouras' pair) runs at the same ones.
ODEINT_TOL = 1.49012e-8
# "Matched accuracy": both final states are compared with a reference
# integration (scipy's DOP853 at these tolerances, far tighter than either
# side's), and a speed-up counts only if openmarket's error is at most
# Nashpy's, give or take the reference's own error (estimated as its
# distance from a second reference at ten times the tolerances).
REFERENCE_RTOL, REFERENCE_ATOL = 1e-13, 1e-15
# Seeds for the random races: one fixed instance per n, the same every run.
RACE_SEED = 2026

# Targets from the issue (peer time / openmarket time).
TARGET_DYNAMICS = 100.0
TARGET_ENUMPURE_N12 = 10.0

# Fictitious play ties: openmarket breaks them by the lowest index, nashpy
# uniformly at random. The first iteration is always an all-tie, and in games
# whose only equilibria are mixed (matching pennies, rock-paper-scissors)
# ties recur every time the cumulative payoffs cross, which shifts the phase
# of the cycle: seeded nashpy was measured up to 0.03 away from the
# lowest-index trajectory after 2,000 iterations (0.023 after 10,000). In
# games that settle on a strict pure equilibrium only the start differs,
# O(10/N). So two checks:
#   exact: nashpy's own loop with the lowest-index rule swapped in must give
#          the same frequencies as openmarket (integer counts: equal);
#   loose: nashpy as shipped (seeded) must be within FP_LOOSE_TOL.
FP_EXACT_TOL = 1e-12
FP_LOOSE_TOL = 0.05
# odeint (LSODA, rtol ≈ 1.5e-8) vs fixed-step RK4: both are ~1e-7 from the
# true flow at T = 10 for the sizes used here.
REPLICATOR_TOL = 1e-5
# Openness sweep: the Python generalist maximises over a 1001-point grid of
# ω (plus θ), so its ω is within half a grid step of the exact optimum.
SWEEP_OMEGA_TOL = 1e-3
SWEEP_ALPHA1_TOL = 1e-3
# ... unless two choices are worth the same to G (a fixed penalty p right at
# the compliance threshold p̄(θ)): then either is a best response, and the
# grid may pick the other one. The grid's error in W is ~1e-7.
SWEEP_INDIFFERENCE = 1e-6


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------


@dataclass
class Row:
    what: str
    size: str
    om_seconds: float
    peer_seconds: float
    ok: bool
    detail: str
    target: float | None = None
    # False when openmarket was less accurate than its peer (then no speed-up
    # counts as meeting the target).
    matched: bool | None = None

    @property
    def speedup(self) -> float:
        return self.peer_seconds / self.om_seconds if self.om_seconds > 0 else float("inf")


def fmt_time(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1.0:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_ratio(r: float) -> str:
    if r >= 100:
        return f"{r:,.0f}×"
    if r >= 10:
        return f"{r:.1f}×"
    return f"{r:.2f}×"


def print_table(rows: list[Row], judge_targets: bool) -> None:
    header = ["comparison", "size", "openmarket", "peer", "speed-up", "target", "agree", "detail"]
    cells = []
    for r in rows:
        if r.target is None:
            target = ""
        elif not judge_targets:
            target = f"(≥{r.target:g}×)"
        else:
            met = r.speedup >= r.target and r.matched is not False
            target = f"≥{r.target:g}× " + ("met" if met else "MISSED")
            if r.matched is False:
                target += " (less accurate)"
        cells.append([
            r.what,
            r.size,
            fmt_time(r.om_seconds),
            fmt_time(r.peer_seconds),
            fmt_ratio(r.speedup),
            target,
            "OK" if r.ok else "FAIL",
            r.detail,
        ])
    widths = [max(len(c[k]) for c in cells + [header]) for k in range(len(header))]
    # Times and ratios right-aligned so their magnitudes line up.
    right = {2, 3, 4}

    def line(c: list[str]) -> str:
        return "  ".join(
            (x.rjust(w) if k in right else x.ljust(w)) for k, (x, w) in enumerate(zip(c, widths))
        ).rstrip()

    print(line(header))
    print(line(["-" * w for w in widths]))
    for c in cells:
        print(line(c), flush=True)


# ---------------------------------------------------------------------------
# Plumbing
# ---------------------------------------------------------------------------


def run_checked(cmd: list[str]) -> subprocess.CompletedProcess:
    """Run a command; if it fails, stop with its stderr (captured, so say it)."""
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited with {out.returncode}:\n{out.stderr.strip()}")
    return out


def call_peers(peers_bin: str, *args: object) -> dict:
    """One call of the `peers` example; its stdout is one JSON object."""
    cmd = [peers_bin, *map(str, args)]
    out = run_checked(cmd)
    try:
        return json.loads(out.stdout)
    except json.JSONDecodeError as e:
        raise SystemExit(f"{' '.join(cmd)}: not one JSON object on stdout ({e}):\n{out.stdout[:500]}")


def median_time(reps: int, f, *, before=None):
    """Median wall time of `reps` calls of f (and the first call's result).

    `before(k)` runs untimed ahead of call k (e.g. to reseed)."""
    times, first = [], None
    for k in range(max(reps, 1)):
        if before is not None:
            before(k)
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
        if k == 0:
            first = out
    return statistics.median(times), first


def max_abs_diff(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))))


# ---------------------------------------------------------------------------
# (a) Nashpy: fictitious play and replicator dynamics
# ---------------------------------------------------------------------------


def nashpy_fp_frequencies(game: nashpy.Game, iterations: int) -> tuple[np.ndarray, np.ndarray]:
    """Run nashpy's generator to the end; empirical frequencies of the last counts."""
    # The generator yields N+1 count vectors; keep only the last.
    (last,) = collections.deque(game.fictitious_play(iterations=iterations), maxlen=1)
    row, col = (np.asarray(c, dtype=float) for c in last)
    return row / row.sum(), col / col.sum()


@contextlib.contextmanager
def lowest_index_ties():
    """nashpy's fictitious play with openmarket's tie rule.

    `fictitious_play` looks `get_best_response_to_play_count` up in its
    module at every iteration, so swapping it there changes only the tie
    rule (np.argmax returns the first maximiser) and keeps nashpy's loop."""
    original = nashpy_fp.get_best_response_to_play_count
    nashpy_fp.get_best_response_to_play_count = lambda A, counts: int(np.argmax(A @ counts))
    try:
        yield
    finally:
        nashpy_fp.get_best_response_to_play_count = original


def compare_fp(peers_bin: str, name: str, A, B, iterations: int, cfg: dict) -> Row:
    om = call_peers(peers_bin, "fp", "--game", name, "--iterations", iterations, "--reps", cfg["om_reps"])
    game = nashpy.Game(A, B)

    # nashpy as shipped; its ties draw from np.random, so seed each rep.
    peer_s, (row, col) = median_time(
        cfg["peer_reps"],
        lambda: nashpy_fp_frequencies(game, iterations),
        before=lambda k: np.random.seed(k),
    )
    loose = max(max_abs_diff(row, om["row"]), max_abs_diff(col, om["col"]))

    with lowest_index_ties():
        row_x, col_x = nashpy_fp_frequencies(game, iterations)
    exact = max(max_abs_diff(row_x, om["row"]), max_abs_diff(col_x, om["col"]))

    ok = exact <= FP_EXACT_TOL and loose <= FP_LOOSE_TOL
    return Row(
        what=f"fictitious play: {name}",
        size=f"{A.shape[0]}×{A.shape[1]}, {iterations:,} it",
        om_seconds=om["median_seconds"],
        peer_seconds=peer_s,
        ok=ok,
        detail=f"same ties |Δ| = {exact:.1e}; random ties |Δ| = {loose:.3f} (tol {FP_LOOSE_TOL})",
        target=TARGET_DYNAMICS,
    )


def compare_replicator(peers_bin: str, name: str, A, B, t_end: float, cfg: dict) -> Row:
    # Both sides integrate adaptively to the same tolerances: nashpy through
    # scipy's odeint (LSODA), openmarket with Tsitouras' 5(4) pair. An ODE has
    # no natural "iteration count": matched accuracy is the fair comparison
    # (a fixed number of RK4 steps against LSODA's 20-200 adaptive steps
    # would compare different amounts of work).
    om = call_peers(
        peers_bin, "replicator", "--game", name, "--t-end", t_end,
        # Calls of a few µs: a median over 11 of them moved by 20% between
        # runs on this VM; over 201 it is steadier, and still milliseconds.
        "--rtol", ODEINT_TOL, "--reps", max(cfg["om_reps"], 201),
    )
    game = nashpy.Game(A, B)
    x0 = np.full(A.shape[0], 1.0 / A.shape[0])
    y0 = np.full(A.shape[1], 1.0 / A.shape[1])
    # One output per time unit: odeint's step budget (mxstep = 500) applies
    # per output interval, and a single [0, T] interval exhausts it on the
    # cycling rock-paper-scissors orbit at T = 100 ("excess work").
    timepoints = np.linspace(0.0, t_end, int(t_end) + 1)
    # Milliseconds per call, and this machine's timings of them vary by 2×
    # between runs: a median over 21 calls (openmarket: over 201, above).
    peer_s, (xs, ys) = median_time(
        max(cfg["peer_reps"], 21),
        lambda: game.asymmetric_replicator_dynamics(x0=x0, y0=y0, timepoints=timepoints),
    )
    diff = max(max_abs_diff(xs[-1], om["row"]), max_abs_diff(ys[-1], om["col"]))
    reference = replicator_reference(A, B, x0, y0, t_end, 1.0)
    reference_err = max_abs_diff(reference, replicator_reference(A, B, x0, y0, t_end, 10.0))
    om_err = max_abs_diff(np.concatenate([om["row"], om["col"]]), reference)
    peer_err = max_abs_diff(np.concatenate([xs[-1], ys[-1]]), reference)
    matched = om_err <= peer_err + reference_err
    detail = (
        f"|Δ| = {diff:.1e} (tol {REPLICATOR_TOL:g}); {om['evaluations']} field evaluations; "
        f"error vs reference: openmarket {om_err:.1e}, Nashpy {peer_err:.1e} "
        f"(reference ±{reference_err:.0e})"
    )
    # At a rest point neither side moves: agreement there tests little.
    ay, bx = A @ y0, B.T @ x0
    if max(np.abs(ay - x0 @ ay).max(), np.abs(bx - y0 @ bx).max()) < 1e-12:
        detail += "; uniform start is a rest point"
    return Row(
        what=f"replicator: {name}",
        size=f"{A.shape[0]}×{A.shape[1]}, to t={t_end:g}, tol {ODEINT_TOL:.2g}",
        om_seconds=om["median_seconds"],
        peer_seconds=peer_s,
        ok=diff <= REPLICATOR_TOL,
        detail=detail,
        target=TARGET_DYNAMICS,
        matched=matched,
    )


def replicator_reference(A, B, x0, y0, t_end: float, loosen: float) -> np.ndarray:
    """The state at t_end from scipy's DOP853 at tolerances far below both
    sides' (times `loosen`): the yardstick for "matched accuracy"."""
    from scipy.integrate import solve_ivp

    m = A.shape[0]

    def field(_t, z):
        x, y = z[:m], z[m:]
        ay, bx = A @ y, B.T @ x
        return np.concatenate([x * (ay - x @ ay), y * (bx - y @ bx)])

    sol = solve_ivp(
        field, (0.0, t_end), np.concatenate([x0, y0]), method="DOP853",
        rtol=REFERENCE_RTOL * loosen, atol=REFERENCE_ATOL * loosen,
    )
    if not sol.success:
        raise SystemExit(f"reference integration failed: {sol.message}")
    return sol.y[:, -1]


# ---------------------------------------------------------------------------
# (b) pygambit: pure-NE enumeration on n-lab discrete races
# ---------------------------------------------------------------------------


def gambit_race(payoffs: np.ndarray) -> gbt.StrategicGame:
    """The race as a Gambit strategic game: player i = lab i, strategy index
    0 = closed, 1 = open.

    Row k of `payoffs` is the profile whose bit i is lab i's action. Gambit's
    `from_arrays` reads array[s_1, ..., s_n], axis i = player i's strategy;
    a Fortran-order reshape makes axis 0 the fastest-varying, i.e. bit 0."""
    n = payoffs.shape[1]
    arrays = [payoffs[:, i].reshape((2,) * n, order="F") for i in range(n)]
    # Floats go in as the Decimal of their shortest repr: Gambit then
    # compares payoffs exactly.
    return gbt.StrategicGame.from_arrays(*arrays, title=f"{n}-lab race")


def gambit_profiles(game: gbt.StrategicGame, result) -> set[tuple[int, ...]]:
    """Pure equilibria as action tuples (strategy position per player)."""
    out = set()
    for eq in result.equilibria:
        actions = []
        for player in game.players:  # labels "1".."n", in player order
            probs = [p for _, p in eq[player]]  # (strategy label, probability), in order
            (chosen,) = [k for k, p in enumerate(probs) if p == 1]
            actions.append(chosen)
        out.add(tuple(actions))
    return out


def table_equilibria(payoffs: np.ndarray) -> tuple[set[tuple[int, ...]], float]:
    """Pure NE straight from the table (no lab gains by switching), and the
    smallest |gain| of any switch: how near the instance is to a tie.

    A third opinion: if Gambit disagrees with this, the bench (array
    layout) is wrong, not openmarket."""
    m, n = payoffs.shape
    k = np.arange(m)
    gains = np.stack([payoffs[k ^ (1 << i), i] - payoffs[:, i] for i in range(n)], axis=1)
    ne = np.flatnonzero((gains <= 0).all(axis=1))
    return {tuple((int(b) >> i) & 1 for i in range(n)) for b in ne}, float(np.abs(gains).min())


def compare_race(peers_bin: str, n: int, cfg: dict) -> Row:
    draws = ["--draws", "sparse"] if cfg.get("race_sparse") else []
    om = call_peers(peers_bin, "race", "--n", n, "--seed", RACE_SEED, "--reps", cfg["om_reps"], *draws)
    payoffs = np.asarray(om["payoffs"], dtype=float)
    assert payoffs.shape == (2**n, n), f"race n={n}: payoffs have shape {payoffs.shape}"
    game = gambit_race(payoffs)  # not timed: building the table is not solving
    peer_s, result = median_time(cfg["peer_reps"], lambda: gbt.nash.enumpure_solve(game))

    om_set = {tuple(int(a) for a in e) for e in om["equilibria"]}
    gbt_set = gambit_profiles(game, result)
    table_set, margin = table_equilibria(payoffs)
    ok = om_set == gbt_set
    detail = f"{len(gbt_set)} NE; smallest |gain| {margin:.1e}"
    if not ok:
        detail += f"; openmarket only {sorted(om_set - gbt_set)}, Gambit only {sorted(gbt_set - om_set)}"
        if margin <= 1e-8:
            detail += " (near-tie: openmarket's tolerance is 1e-9, Gambit's is exact)"
    if gbt_set != table_set:
        ok = False
        detail += "; Gambit disagrees with the payoff table itself: check the array layout"
    kind = "sparse " if cfg.get("race_sparse") else ""
    # Gambit answers every question by listing: the same time for each.
    return [
        Row(
            what=f"pure NE: {kind}race ({question}) vs enumpure",
            size=f"n={n} ({2**n:,} profiles)",
            om_seconds=om[key],
            peer_seconds=peer_s,
            ok=ok,
            detail=detail,
            target=TARGET_ENUMPURE_N12 if n == 12 and question == "all" and not kind else None,
        )
        for question, key in [("all", "median_seconds"), ("count", "count_seconds"), ("exists", "exists_seconds")]
    ]


# Seed of the generic games of the mixed-NE and QRE comparisons.
MIXED_SEED = 7
# Temperatures of the QRE comparison (Gambit's λ = 1/τ).
QRE_TAUS = [1.0, 0.1, 0.02]


def gambit_binary(payoffs: np.ndarray) -> gbt.StrategicGame:
    """A two-action game from its table (row k: bit i = player i's action)."""
    n = payoffs.shape[1]
    arrays = [payoffs[:, i].reshape((2,) * n, order="F") for i in range(n)]
    return gbt.StrategicGame.from_arrays(*arrays, title=f"{n}-player game")


def second_strategy(game: gbt.StrategicGame, profile) -> list[float]:
    """Each player's probability of its second strategy."""
    return [float(list(profile[p])[1][1]) for p in game.players]


def compare_mixed(peers_bin: str, n: int, cfg: dict) -> Row:
    """Every mixed NE: openmarket's support enumeration vs Gambit's
    enummixed (2 players, exact) or enumpoly (n players)."""
    om = call_peers(peers_bin, "mixed", "--n", n, "--seed", MIXED_SEED, "--reps", cfg["om_reps"])
    game = gambit_binary(np.asarray(om["payoffs"], dtype=float))
    if n == 2:
        solve = lambda: gbt.nash.enummixed_solve(game, rational=False)  # noqa: E731
        peer = "enummixed"
    else:
        solve = lambda: gbt.nash.enumpoly_solve(game)  # noqa: E731
        peer = "enumpoly"
    peer_s, result = median_time(cfg["peer_reps"], solve)
    theirs = [second_strategy(game, eq) for eq in result.equilibria]
    mine = om["equilibria"]
    close = lambda a, b: max(abs(x - y) for x, y in zip(a, b)) <= 1e-6  # noqa: E731
    missing = [t for t in theirs if not any(close(t, m) for m in mine)]
    extra = [m for m in mine if not any(close(m, t) for t in theirs)]
    # enumpoly misses some totally mixed equilibria (gambit#591): an extra
    # one of openmarket's must be an equilibrium by Gambit's own regret.
    extra_ok = all(
        game.mixed_strategy_profile([[1 - v, v] for v in m], rational=False).max_regret() <= 1e-8
        for m in extra
    )
    ok = not missing and (extra_ok if n > 2 else not extra)
    detail = f"{len(mine)} NE ({len(extra)} that Gambit misses, verified by its regret)"
    if missing:
        detail += f"; openmarket misses {missing}"
    return Row(
        what=f"mixed NE vs {peer}",
        size=f"n={n} (generic)",
        om_seconds=om["median_seconds"],
        peer_seconds=peer_s,
        ok=ok,
        detail=detail,
    )


def compare_qre(peers_bin: str, n: int, tau: float, cfg: dict) -> Row:
    om = call_peers(peers_bin, "qre", "--n", n, "--seed", MIXED_SEED, "--tau", tau, "--reps", cfg["om_reps"])
    game = gambit_binary(np.asarray(om["payoffs"], dtype=float))
    peer_s, result = median_time(cfg["peer_reps"], lambda: gbt.qre.logit_solve_lambda(game, [1.0 / tau]))
    theirs = second_strategy(game, result[0].profile)
    diff = max(abs(a - b) for a, b in zip(om["qre"], theirs))
    return Row(
        what="logit QRE vs logit_solve_lambda",
        size=f"n={n}, τ={tau}",
        om_seconds=om["median_seconds"],
        peer_seconds=peer_s,
        ok=diff <= 1e-6,
        detail=f"max |Δp| {diff:.1e}",
    )


# Temperatures of the k-action QRE comparison.
TABLE_TAUS = [1.0, 0.1]


def random_table(sizes: tuple[int, ...]) -> gbt.StrategicGame:
    """A generic game of these strategy counts, payoffs uniform in [−1, 1]
    rounded to 6 decimals (seeded by the sizes, so both tools see one game)."""
    rng = np.random.default_rng([MIXED_SEED, *sizes])
    arrays = [np.round(rng.uniform(-1.0, 1.0, size=sizes), 6) for _ in sizes]
    return gbt.StrategicGame.from_arrays(*arrays, title="x".join(map(str, sizes)))


def flat_profile(game: gbt.StrategicGame, profile) -> list[float]:
    return [float(p) for player in game.players for _, p in profile[player]]


def compare_table_mixed(peers_bin: str, sizes: tuple[int, ...], nfg: str, cfg: dict) -> Row:
    """Every mixed NE of a k-action game: openmarket's support enumeration
    (finite/support.rs) vs Gambit's enummixed (2 players) or enumpoly."""
    game = gbt.read_nfg(nfg)
    free = sum(k - 1 for k in sizes)
    # Seconds per call on the largest games: fewer repetitions there.
    reps = cfg["om_reps"] if free < 7 else 3
    om = call_peers(peers_bin, "table", "--file", nfg, "--reps", reps)
    if len(sizes) == 2:
        solve = lambda: gbt.nash.enummixed_solve(game, rational=False)  # noqa: E731
        peer = "enummixed"
    else:
        solve = lambda: gbt.nash.enumpoly_solve(game)  # noqa: E731
        peer = "enumpoly"
    peer_s, result = median_time(min(cfg["peer_reps"], reps), solve)
    theirs = [flat_profile(game, eq) for eq in result.equilibria]
    mine = [[p for s in e for p in s] for e in om["equilibria"]]
    close = lambda a, b: max(abs(x - y) for x, y in zip(a, b)) <= 1e-6  # noqa: E731
    missing = [t for t in theirs if not any(close(t, m) for m in mine)]
    extra = [e for e, m in zip(om["equilibria"], mine) if not any(close(m, t) for t in theirs)]
    extra_ok = all(
        game.mixed_strategy_profile(e, rational=False).max_regret() <= 1e-9 for e in extra
    )
    ok = om["complete"] and not missing and (extra_ok if len(sizes) > 2 else not extra)
    detail = f"{len(mine)} NE ({len(extra)} that Gambit misses, verified by its regret)"
    if missing:
        detail += f"; openmarket misses {missing}"
    return Row(
        what=f"k-action mixed NE vs {peer}",
        size="×".join(map(str, sizes)) + f" ({free} free)",
        om_seconds=om["median_seconds"],
        peer_seconds=peer_s,
        ok=ok,
        detail=detail,
    )


def compare_table_qre(peers_bin: str, sizes: tuple[int, ...], nfg: str, tau: float, cfg: dict) -> Row:
    game = gbt.read_nfg(nfg)
    om = call_peers(peers_bin, "table", "--file", nfg, "--tau", tau, "--reps", cfg["om_reps"])
    peer_s, result = median_time(cfg["peer_reps"], lambda: gbt.qre.logit_solve_lambda(game, [1.0 / tau]))
    theirs = flat_profile(game, result[0].profile)
    mine = [p for s in om["qre"] for p in s]
    diff = max(abs(a - b) for a, b in zip(mine, theirs))
    return Row(
        what="k-action logit QRE vs logit_solve_lambda",
        size="×".join(map(str, sizes)) + f", τ={tau}",
        om_seconds=om["median_seconds"],
        peer_seconds=peer_s,
        ok=diff <= 1e-6,
        detail=f"max |Δp| {diff:.1e}",
    )


# ---------------------------------------------------------------------------
# (c) The openness sweep: a pure-Python agent loop vs `openmarket run`
# ---------------------------------------------------------------------------

# Fixed parameters of the sweep (configs/openness_baseline.toml), all but
# the two swept ones.
SWEEP_MODEL = dict(r=1.0, c0=1.0, c1=1.0, epsilon=0.1, lam=1.0, delta=0.8, penalty=0.05)
SWEEP_ALPHA0 = (0.0, 0.6)
SWEEP_THETA = (0.0, 1.0)
SWEEP_MASTER_SEED = 1
SWEEP_MAX_ITERATIONS = 200


def sweep_toml(alpha0_num: int, theta_num: int, seeds: int) -> str:
    m = SWEEP_MODEL
    return f"""# Written by bench/peers/peers.py: the openness sweep of the peer benchmark.
[model]
family = "openness"
alpha0 = 0.2
r = {m['r']}
c0 = {m['c0']}
c1 = {m['c1']}
epsilon = {m['epsilon']}
lambda = {m['lam']}
[model.bargaining]
rule = "fixed"
delta = {m['delta']}
[model.regulation]
theta = 0.6
penalty = {m['penalty']}
[dynamics]
rule = "best_response"
max_iterations = {SWEEP_MAX_ITERATIONS}
tol = 1e-12
[runs]
seeds_per_point = {seeds}
master_seed = {SWEEP_MASTER_SEED}
[sweep]
"model.alpha0" = {{ linspace = {{ start = {SWEEP_ALPHA0[0]}, stop = {SWEEP_ALPHA0[1]}, num = {alpha0_num} }} }}
"model.regulation.theta" = {{ linspace = {{ start = {SWEEP_THETA[0]}, stop = {SWEEP_THETA[1]}, num = {theta_num} }} }}
"""


def linspace(start: float, stop: float, num: int) -> list[float]:
    return [start + (stop - start) * k / (num - 1) for k in range(num)] if num > 1 else [start]


# The kind of script a modeller writes first (Mesa style): one object per
# agent with step()/advance(), a model that activates them simultaneously,
# plain floats, no numpy. This is the peer openmarket's `run` replaces.


class OpennessModel:
    OMEGA_GRID = [k / 1000 for k in range(1001)]

    def __init__(self, alpha0: float, theta: float, rng: random.Random):
        m = SWEEP_MODEL
        self.alpha0, self.theta = alpha0, theta
        self.r, self.c0, self.c1 = m["r"], m["c0"], m["c1"]
        self.epsilon, self.lam, self.delta, self.penalty = m["epsilon"], m["lam"], m["delta"], m["penalty"]
        # θ itself is a candidate: complying exactly at θ must be possible.
        self.omega_candidates = self.OMEGA_GRID + [theta]
        # D's largest sensible α1, as openmarket draws its starts from.
        alpha1_max = alpha0 + self.r / self.c1
        self.generalist = Generalist(self, rng.uniform(0.0, 1.0))
        self.specialist = Specialist(self, rng.uniform(0.0, alpha1_max))
        self.agents = [self.generalist, self.specialist]

    def share(self, omega: float) -> float:
        return self.delta * (1.0 - self.lam * omega)

    def alpha1_star(self, omega: float) -> float:
        """D's best response to ω."""
        return self.alpha0 + (1.0 - self.share(omega)) * self.r / (2.0 * self.c1)

    def g_value(self, omega: float) -> float:
        """What G gets at ω once D has responded (G is the leader)."""
        s = self.share(omega)
        pen = self.penalty if omega < self.theta else 0.0
        return s * self.r * self.alpha1_star(omega) + self.epsilon * omega - self.c0 * self.alpha0**2 - pen

    def profile(self) -> tuple[float, float]:
        return self.generalist.omega, self.specialist.alpha1

    def step(self) -> None:
        for a in self.agents:
            a.step()
        for a in self.agents:
            a.advance()

    def run(self, max_iterations: int) -> tuple[float, float]:
        for _ in range(max_iterations):
            before = self.profile()
            self.step()
            if self.profile() == before:
                break
        return self.profile()


class Generalist:
    def __init__(self, model: OpennessModel, omega: float):
        self.model, self.omega, self.next = model, omega, omega

    def step(self) -> None:
        self.next = max(self.model.omega_candidates, key=self.model.g_value)

    def advance(self) -> None:
        self.omega = self.next


class Specialist:
    def __init__(self, model: OpennessModel, alpha1: float):
        self.model, self.alpha1, self.next = model, alpha1, alpha1

    def step(self) -> None:
        self.next = self.model.alpha1_star(self.model.generalist.omega)

    def advance(self) -> None:
        self.alpha1 = self.next


def python_sweep(alpha0_num: int, theta_num: int, seeds: int) -> dict[tuple[float, float, int], tuple]:
    out = {}
    point = 0
    for alpha0 in linspace(*SWEEP_ALPHA0, alpha0_num):
        for theta in linspace(*SWEEP_THETA, theta_num):
            for rep in range(seeds):
                # A seeded random start per run, as openmarket's runs have.
                rng = random.Random(f"{SWEEP_MASTER_SEED}/{point}/{rep}")
                model = OpennessModel(alpha0, theta, rng)
                out[(round(alpha0, 9), round(theta, 9), rep)] = model.run(SWEEP_MAX_ITERATIONS)
            point += 1
    return out


def compare_sweep(openmarket_bin: str, cfg: dict) -> Row:
    sw = cfg["sweep"]
    with tempfile.TemporaryDirectory(prefix="openmarket-peers-") as tmp:
        config = Path(tmp) / "openness_sweep.toml"
        config.write_text(sweep_toml(sw["alpha0_num"], sw["theta_num"], sw["seeds"]))
        walls, inner = [], []
        for k in range(cfg["sweep_reps"]):
            out = Path(tmp) / f"out{k}"
            # One thread: every other comparison here is single-core too.
            cmd = [openmarket_bin, "run", str(config), "--out", str(out), "--threads", "1"]
            t0 = time.perf_counter()
            run_checked(cmd)
            walls.append(time.perf_counter() - t0)
            inner.append(json.loads((out / "manifest.json").read_text())["wall_seconds"])
        runs = pl.read_parquet(out / "runs.parquet")

    py_s, py = median_time(cfg["sweep_reps"], lambda: python_sweep(sw["alpha0_num"], sw["theta_num"], sw["seeds"]))

    expected = sw["alpha0_num"] * sw["theta_num"] * sw["seeds"]
    problems = []
    if runs.height != expected:
        problems.append(f"openmarket wrote {runs.height} runs, expected {expected}")
    d_omega = d_alpha1 = 0.0
    indifferent = mismatched = 0
    for row in runs.select("model.alpha0", "model.regulation.theta", "replicate", "actions").iter_rows():
        alpha0, theta, rep, (omega, alpha1) = row
        key = (round(alpha0, 9), round(theta, 9), rep)
        if key not in py:
            problems.append(f"no Python run at α0={alpha0}, θ={theta}, replicate {rep}")
            continue
        py_omega, py_alpha1 = py[key]
        if abs(py_omega - omega) <= SWEEP_OMEGA_TOL and abs(py_alpha1 - alpha1) <= SWEEP_ALPHA1_TOL:
            d_omega = max(d_omega, abs(py_omega - omega))
            d_alpha1 = max(d_alpha1, abs(py_alpha1 - alpha1))
            continue
        # Different choices of ω: fine only if G is indifferent between them.
        model = OpennessModel(alpha0, theta, random.Random(0))
        if abs(model.g_value(py_omega) - model.g_value(omega)) <= SWEEP_INDIFFERENCE:
            indifferent += 1
        else:
            mismatched += 1
            if mismatched <= 3:
                problems.append(
                    f"α0={alpha0:.3f} θ={theta:.3f} rep {rep}: openmarket (ω, α1) = ({omega:.6f}, {alpha1:.6f}), "
                    f"Python ({py_omega:.6f}, {py_alpha1:.6f})"
                )
    if mismatched:
        problems.append(f"{mismatched} runs disagree")
    not_converged = runs.height - int(runs["converged"].sum())
    detail = f"max |Δω| = {d_omega:.1e}, |Δα1| = {d_alpha1:.1e}"
    if indifferent:
        detail += f"; {indifferent} at G-indifferent points"
    if not_converged:
        detail += f"; {not_converged} openmarket runs not converged"
    detail += f"; openmarket's own wall_seconds {fmt_time(statistics.median(inner))}"
    if problems:
        detail += "; " + "; ".join(problems)
    return Row(
        what="openness sweep: run vs Python agents",
        size=f"{sw['alpha0_num']}×{sw['theta_num']} points × {sw['seeds']} seeds",
        om_seconds=statistics.median(walls),
        peer_seconds=py_s,
        ok=not problems,
        detail=detail,
    )


# ---------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peers-bin", required=True, help="the `peers` example binary")
    ap.add_argument("--openmarket-bin", required=True, help="the `openmarket` CLI binary")
    ap.add_argument("--quick", action="store_true", help="small instances, few reps: CI's agreement check")
    ap.add_argument(
        "--only", choices=["fp", "replicator", "race", "mixed", "qre", "table", "sweep"], action="append",
        help="run only these comparisons (repeatable)",
    )
    args = ap.parse_args()
    cfg = QUICK if args.quick else FULL
    only = set(args.only or ["fp", "replicator", "race", "mixed", "qre", "table", "sweep"])

    print(f"openmarket peer benchmark ({'quick' if args.quick else 'full'})")
    print(f"machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs ({platform.processor() or 'unknown CPU'})")
    print(
        f"python {platform.python_version()}, nashpy {nashpy.__version__}, pygambit {gbt.__version__}, "
        f"numpy {np.__version__}, polars {pl.__version__}"
    )
    print("times: medians over reps; speed-up = peer / openmarket; `openmarket run` with --threads 1")
    if args.quick:
        print("quick: small instances for the agreement check; targets are judged on the full sizes only")
    print(flush=True)

    rows: list[Row] = []
    games = call_peers(args.peers_bin, "games")["games"]
    for g in games:
        A, B = np.asarray(g["A"], dtype=float), np.asarray(g["B"], dtype=float)
        assert A.shape == B.shape, f"{g['name']}: A is {A.shape}, B is {B.shape}"
        if "fp" in only:
            for n in cfg["fp_iterations"]:
                rows.append(compare_fp(args.peers_bin, g["name"], A, B, n, cfg))
        if "replicator" in only:
            for t_end in cfg["replicator_t"]:
                rows.append(compare_replicator(args.peers_bin, g["name"], A, B, t_end, cfg))
    if "race" in only:
        for n in cfg["race_n"]:
            rows.extend(compare_race(args.peers_bin, n, cfg))
        # Issue 25's sparse draws, where the walk is not cut short by
        # dominant labs, up to n = 14.
        for n in cfg["race_sparse_n"]:
            rows.extend(compare_race(args.peers_bin, n, {**cfg, "race_sparse": True}))
    if "mixed" in only:
        for n in cfg["mixed_n"]:
            rows.append(compare_mixed(args.peers_bin, n, cfg))
    if "qre" in only:
        for n in cfg["qre_n"]:
            for tau in QRE_TAUS:
                rows.append(compare_qre(args.peers_bin, n, tau, cfg))
    if "table" in only:
        with tempfile.TemporaryDirectory() as tmp:
            for sizes in cfg["tables"]:
                nfg = str(Path(tmp) / ("x".join(map(str, sizes)) + ".nfg"))
                Path(nfg).write_text(random_table(sizes).to_nfg())
                rows.append(compare_table_mixed(args.peers_bin, sizes, nfg, cfg))
                for tau in TABLE_TAUS:
                    rows.append(compare_table_qre(args.peers_bin, sizes, nfg, tau, cfg))
    if "sweep" in only:
        rows.append(compare_sweep(args.openmarket_bin, cfg))

    # Quick sizes are too small for the targets to mean anything.
    print_table(rows, judge_targets=not args.quick)
    failed = [r for r in rows if not r.ok]
    print()
    if failed:
        print(f"{len(failed)} of {len(rows)} comparisons DISAGREE:")
        for r in failed:
            print(f"  {r.what} ({r.size}): {r.detail}")
        return 1
    print(f"all {len(rows)} comparisons agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
