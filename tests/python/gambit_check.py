"""Independent check of openmarket's mixed Nash equilibria and logit QRE
against Gambit (run by .ci/run).

Seeded random 2- and 3-lab races are written as configs; `openmarket export`
turns each into a Gambit .nfg file, which pygambit reads and solves:
enummixed_solve for 2 labs (exact, all extreme equilibria), enumpoly_solve
for 3 labs, and logit_solve_lambda for the QRE at three temperatures.

- 2 labs: the equilibrium sets must agree to 1e-6.
- 3 labs: every equilibrium Gambit finds must be in openmarket's list to
  1e-6. enumpoly_solve is known to miss some totally mixed equilibria of
  2x2x2 games (gambitproject/gambit#591), so openmarket's extra ones are
  checked instead by Gambit's own regret of the profile (≤ 1e-8).
- QRE: openmarket's principal-branch QRE must equal Gambit's to 1e-6.

    python tests/python/gambit_check.py path/to/openmarket [--games 100]
"""

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import pygambit as gbt

TEMPERATURES = [1.0, 0.2, 0.05]


def race_config(rng: random.Random, n: int) -> str:
    # Not "gap": under it the leading lab's payoff is 0 whatever it does,
    # so every gap race is degenerate (a continuum of equilibria).
    utility = rng.choice(["lead", "share"])
    head = [round(rng.uniform(1, 10), 3) for _ in range(n)]
    boost = [round(rng.uniform(0, 4), 3) for _ in range(n)]
    cost = [round(rng.uniform(0, 0.5), 3) if rng.random() < 0.5 else 0.0 for _ in range(n)]
    matrix = [[0.0 if i == j else round(rng.uniform(0, 4), 3) for i in range(n)] for j in range(n)]
    rho = round(rng.uniform(0, 3), 3)
    return (
        f'[model]\nfamily = "race"\nutility = "{utility}"\nhead_start = {head}\n'
        f"boost = {boost}\ncost = {cost}\nrho = {rho}\n"
        f'[model.leakage]\npreset = "matrix"\nmatrix = {matrix}\n'
    )


def run(binary: str, *args: str) -> str:
    out = subprocess.run([binary, *args], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"openmarket {' '.join(args)} failed: {out.stderr}")
    return out.stdout


def close(a, b, tol=1e-6):
    return all(abs(x - y) <= tol for x, y in zip(a, b))


def gambit_profile(game, eq, n):
    """Each player's probability of its second strategy ("open")."""
    players = list(game.players)
    return [float(eq[players[i]]["open"]) for i in range(n)]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("binary")
    p.add_argument("--games", type=int, default=100, help="games per size")
    p.add_argument("--seed", type=int, default=2026)
    args = p.parse_args()
    rng = random.Random(args.seed)
    missed_by_gambit = 0
    checked = {2: 0, 3: 0}
    qre_checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in (2, 3):
            for k in range(args.games):
                cfg = Path(tmp) / f"race{n}_{k}.toml"
                cfg.write_text(race_config(rng, n))
                nfg = Path(tmp) / f"race{n}_{k}.nfg"
                run(args.binary, "export", str(cfg), "--out", str(nfg))
                game = gbt.read_nfg(str(nfg))
                ours = json.loads(run(args.binary, "solve", str(cfg), "--concept", "mixed", "--json"))
                mine = [e["open_probability"] for e in ours["equilibria"]]
                assert ours["complete"], f"{cfg}: openmarket reports an incomplete listing"
                if n == 2:
                    result = gbt.nash.enummixed_solve(game, rational=False)
                else:
                    result = gbt.nash.enumpoly_solve(game)
                theirs = [gambit_profile(game, eq, n) for eq in result.equilibria]
                for t in theirs:
                    assert any(close(t, m) for m in mine), f"{cfg}: Gambit's {t} not in {mine}"
                for m in mine:
                    if not any(close(m, t) for t in theirs):
                        if n == 2:
                            sys.exit(f"{cfg}: openmarket's {m} not in Gambit's {theirs}")
                        profile = game.mixed_strategy_profile(
                            [[1 - v, v] for v in m], rational=False
                        )
                        assert profile.max_regret() <= 1e-8, f"{cfg}: {m} is no equilibrium"
                        missed_by_gambit += 1
                checked[n] += 1
                lambdas = [1.0 / t for t in TEMPERATURES]
                qres = gbt.qre.logit_solve_lambda(game, lambdas)
                for tau, qre in zip(TEMPERATURES, qres):
                    ours = json.loads(
                        run(args.binary, "solve", str(cfg), "--concept", "qre",
                            "--temperature", str(tau), "--json")
                    )["equilibria"][0]["open_probability"]
                    theirs = gambit_profile(game, qre.profile, n)
                    assert close(ours, theirs), f"{cfg} τ = {tau}: {ours} vs Gambit {theirs}"
                    qre_checked += 1
    print(
        f"Gambit agrees: mixed NE of {checked[2]} 2-lab and {checked[3]} 3-lab races "
        f"({missed_by_gambit} equilibria Gambit's enumpoly missed, each verified by its "
        f"regret), {qre_checked} QRE at τ = {TEMPERATURES}"
    )


if __name__ == "__main__":
    main()
