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

Then the same for games of any size (family `normal_form`): seeded random
generic games with 2 or 3 players and 2–4 strategies each, written inline
in configs, and the strategic-form games of pygambit's catalogue within
the support enumeration's bound, read from the `.nfg` files pygambit
writes. Every Gambit equilibrium must be in openmarket's list; the two-
player lists must be equal; any equilibrium openmarket lists beyond
Gambit's must have regret ≤ 1e-9 by pygambit's own max_regret; the logit
QRE must equal Gambit's to 1e-6.

    python tests/python/gambit_check.py path/to/openmarket [--games 100]
"""

import argparse
import math
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


MAX_FREE = 9  # finite::support::MAX_FREE


def table_config(rng: random.Random, n: int) -> tuple[str, list[int]]:
    """A random generic game written inline: payoffs uniform in [-1, 1]
    rounded to 6 decimals (exact in Gambit's decimal reading too)."""
    sizes = [rng.randint(2, 4) for _ in range(n)]
    while sum(k - 1 for k in sizes) > MAX_FREE:
        sizes = [rng.randint(2, 4) for _ in range(n)]
    profiles = 1
    for k in sizes:
        profiles *= k
    players = [f"p{i}" for i in range(n)]
    lines = ['[model]', 'family = "normal_form"', f"players = {json.dumps(players)}",
             f"strategies = {sizes}", "[model.payoffs]"]
    for p in players:
        lines.append(f"{p} = {[round(rng.uniform(-1, 1), 6) for _ in range(profiles)]}")
    return "\n".join(lines) + "\n", sizes


def flat_profile(game, eq) -> list[float]:
    """Every player's probabilities, one player after another."""
    return [float(v) for pl in game.players for _, v in eq[pl]]


def logit_residual(game, strategies, lam: float) -> float:
    """max |σ − logit response to σ| by pygambit's own strategy values."""
    profile = game.mixed_strategy_profile(strategies, rational=False)
    worst = 0.0
    for pl, sigma in zip(game.players, strategies):
        values = [float(v) for _, v in profile.strategy_values[pl]]
        top = max(values)
        w = [math.exp(lam * (v - top)) for v in values]
        total = sum(w)
        worst = max(worst, max(abs(x / total - p) for x, p in zip(w, sigma)))
    return worst


BIFURCATED: list[str] = []


def check_table(binary: str, cfg: Path, game, exact_two: bool) -> tuple[int, int]:
    """Mixed NE and QRE of one normal_form config against Gambit's; returns
    (equilibria beyond Gambit's, QRE checked). `exact_two` is false for the
    catalogue's games, which need not be generic: where the principal
    branch meets a bifurcation (a symmetric game), the two tracers may
    leave it on different sides, and then each answer must be a QRE by
    pygambit's payoffs."""
    ours = json.loads(run(binary, "solve", str(cfg), "--concept", "mixed", "--json"))
    assert ours["complete"], f"{cfg}: openmarket reports an incomplete listing"
    mine = [[p for s in e["strategies"] for p in s] for e in ours["equilibria"]]
    n = len(game.players)
    if n == 2:
        result = gbt.nash.enummixed_solve(game, rational=False)
    else:
        result = gbt.nash.enumpoly_solve(game)
    theirs = [flat_profile(game, eq) for eq in result.equilibria]
    for t in theirs:
        assert any(close(t, m) for m in mine), f"{cfg}: Gambit's {t} not in {mine}"
    extra = 0
    for m, e in zip(mine, ours["equilibria"]):
        if any(close(m, t) for t in theirs):
            continue
        if n == 2 and exact_two:
            sys.exit(f"{cfg}: openmarket's {m} not in Gambit's {theirs}")
        profile = game.mixed_strategy_profile(e["strategies"], rational=False)
        assert profile.max_regret() <= 1e-9, f"{cfg}: {m} is no equilibrium"
        extra += 1
    lambdas = [1.0 / t for t in TEMPERATURES]
    qres = gbt.qre.logit_solve_lambda(game, lambdas)
    for tau, qre in zip(TEMPERATURES, qres):
        got = json.loads(
            run(binary, "solve", str(cfg), "--concept", "qre", "--temperature", str(tau), "--json")
        )["equilibria"][0]["strategies"]
        flat = [p for s in got for p in s]
        want = flat_profile(game, qre.profile)
        if not close(flat, want) and not exact_two:
            assert logit_residual(game, got, 1.0 / tau) <= 1e-9, f"{cfg} τ = {tau}: {got} is no QRE"
            BIFURCATED.append(f"{cfg.stem} at τ = {tau}")
            continue
        assert close(flat, want), f"{cfg} τ = {tau}: {flat} vs Gambit {want}"
    return extra, len(TEMPERATURES)


def check_tables(binary: str, rng: random.Random, games: int, tmp: str) -> str:
    extra = qre = 0
    checked = {2: 0, 3: 0}
    for n in (2, 3):
        for k in range(games):
            text, _ = table_config(rng, n)
            cfg = Path(tmp) / f"table{n}_{k}.toml"
            cfg.write_text(text)
            nfg = Path(tmp) / f"table{n}_{k}.nfg"
            run(binary, "export", str(cfg), "--out", str(nfg))
            e, q = check_table(binary, cfg, gbt.read_nfg(str(nfg)), exact_two=True)
            extra += e
            qre += q
            checked[n] += 1
    # The catalogue's strategic-form games within the bound.
    catalogue = []
    for slug in gbt.catalog.games()["Game"]:
        try:
            game = gbt.catalog.load(slug)
        except Exception:
            continue
        if not isinstance(game, gbt.StrategicGame):
            continue
        sizes = game.to_arrays()[0].shape
        if len(sizes) <= 3 and sum(k - 1 for k in sizes) <= MAX_FREE:
            nfg = Path(tmp) / (slug.replace("/", "_") + ".nfg")
            nfg.write_text(game.to_nfg())
            cfg = nfg.with_suffix(".toml")
            cfg.write_text(f'[model]\nfamily = "normal_form"\nnfg = "{nfg.name}"\n')
            ours = json.loads(run(binary, "solve", str(cfg), "--concept", "mixed", "--json"))
            if not ours["complete"]:
                # A degenerate game (a continuum of equilibria): Gambit's
                # extreme points need not be isolated solutions.
                catalogue.append(f"{slug} (degenerate: skipped)")
                continue
            e, q = check_table(binary, cfg, gbt.read_nfg(str(nfg)), exact_two=False)
            extra += e
            qre += q
            catalogue.append(slug)
    return (
        f"normal_form: mixed NE of {checked[2]} 2-player and {checked[3]} 3-player random games "
        f"and {sum('skipped' not in c for c in catalogue)} catalogue games ({extra} equilibria "
        f"beyond Gambit's, each verified by its regret), {qre} QRE; catalogue: {', '.join(catalogue)}; "
        f"QRE on another side of a bifurcation than Gambit's, each verified a QRE by pygambit's "
        f"payoffs: {', '.join(BIFURCATED) or 'none'}"
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("binary")
    p.add_argument("--games", type=int, default=100, help="games per size")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--tables", type=int, default=25, help="normal_form games per player count")
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
        tables = check_tables(args.binary, rng, args.tables, tmp)
    print(tables)
    print(
        f"Gambit agrees: mixed NE of {checked[2]} 2-lab and {checked[3]} 3-lab races "
        f"({missed_by_gambit} equilibria Gambit's enumpoly missed, each verified by its "
        f"regret), {qre_checked} QRE at τ = {TEMPERATURES}"
    )


if __name__ == "__main__":
    main()
