"""The Python package against the command line (pytest; run by .ci/run).

The command line is the reference: the same configs through both give the
same Parquet bytes, the same `solve --json`, the same one-line errors. The
binary is $OPENMARKET_BIN, else $CARGO_TARGET_DIR/release/openmarket.
"""

from __future__ import annotations

import _thread
import json
import os
import signal
import subprocess
import threading
import tomllib
from pathlib import Path

import polars as pl
import pytest

import openmarket as om

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("OPENMARKET_BIN") or str(
    Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "openmarket"
)
TABLES = ("runs.parquet", "equilibria.parquet", "trajectories.parquet")


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([BIN, *args], capture_output=True, text=True, cwd=ROOT)
    if check and done.returncode != 0:
        raise AssertionError(f"{args}: exit {done.returncode}: {done.stderr}")
    return done


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    # Config paths as the README writes them, relative to the clone.
    monkeypatch.chdir(ROOT)


def same_tables(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.glob("*.parquet"))
    assert names == sorted(p.name for p in b.glob("*.parquet"))
    assert "runs.parquet" in names or "equilibria.parquet" in names
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def manifest_difference(a: Path, b: Path) -> set[str]:
    ma = json.loads((a / "manifest.json").read_text())
    mb = json.loads((b / "manifest.json").read_text())
    assert ma.keys() == mb.keys()
    return {k for k in ma if ma[k] != mb[k]}


@pytest.mark.parametrize(
    "config",
    ["configs/quickstart.toml", "configs/normal_form_rps.toml", "experiments/race_sobol.toml"],
)
def test_run_gives_the_command_lines_bytes(tmp_path, config):
    cli("run", config, "--out", str(tmp_path / "cli"))
    exp = om.run(config, out=tmp_path / "py", progress=False)
    same_tables(tmp_path / "cli", tmp_path / "py")
    # Wall time differs; the config's file and text are the same here.
    assert manifest_difference(tmp_path / "cli", tmp_path / "py") <= {"wall_seconds"}
    assert exp.manifest["config_file"] == config
    assert exp.report["ran"] == exp.manifest["rows"]["runs"]


def test_a_dict_config_gives_the_same_bytes(tmp_path):
    config = tomllib.loads((ROOT / "configs/quickstart.toml").read_text())
    cli("run", "configs/quickstart.toml", "--out", str(tmp_path / "cli"))
    exp = om.run(config, out=tmp_path / "py", progress=False)
    same_tables(tmp_path / "cli", tmp_path / "py")
    # A dict is written as TOML text of its own: the text, its hash and the
    # name differ, nothing else but the wall time.
    assert manifest_difference(tmp_path / "cli", tmp_path / "py") <= {
        "wall_seconds",
        "config",
        "config_sha256",
        "config_file",
    }
    assert exp.manifest["config_file"] == "<dict>"
    assert tomllib.loads(exp.manifest["config"]) == config


def test_toml_text_is_a_config(tmp_path):
    text = (ROOT / "configs/normal_form_rps.toml").read_text()
    cli("run", "configs/normal_form_rps.toml", "--out", str(tmp_path / "cli"))
    om.run(text, out=tmp_path / "py", progress=False)
    same_tables(tmp_path / "cli", tmp_path / "py")


def test_relative_paths_in_a_dict_are_relative_to_the_working_directory(tmp_path, monkeypatch):
    nfg = "tests/fixtures/nfg/hand_written.nfg"
    want = om.solve({"model": {"family": "normal_form", "nfg": nfg}}, concept="mixed")
    # From the clone's root the path resolves; from elsewhere it does not,
    # and the message names the field.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(om.ConfigError) as e:
        om.solve({"model": {"family": "normal_form", "nfg": nfg}})
    assert e.value.field == "model.nfg"
    absolute = om.solve({"model": {"family": "normal_form", "nfg": str(ROOT / nfg)}}, concept="mixed")
    assert absolute["equilibria"] == want["equilibria"] and want["equilibria"]


def test_experiment_reads_tables_and_verdict(tmp_path):
    cli("run", "configs/quickstart.toml", "--out", str(tmp_path / "q"))
    exp = om.open(tmp_path / "q")
    assert isinstance(exp.runs, pl.LazyFrame)
    runs = exp.runs.collect()
    assert runs.height == exp.manifest["rows"]["runs"]
    assert exp.equilibria.collect().height == exp.manifest["rows"]["equilibria"]
    # The verdict's tables hold what `summarize --json` prints, row for row.
    reference = json.loads(cli("summarize", str(tmp_path / "q"), "--json").stdout)
    tables = exp.summarize()
    for name, frame in tables.items():
        assert isinstance(frame, pl.DataFrame)
        want = reference[name]
        assert frame.height == len(want), name
        got = frame.to_dicts()
        for g, w in zip(got, want):
            assert g.keys() == w.keys(), name
            for key, value in w.items():
                if isinstance(value, float):
                    assert g[key] == pytest.approx(value, rel=1e-12, abs=1e-300), (name, key)
                elif isinstance(value, str) and not isinstance(g[key], str):
                    assert str(g[key]) == value or g[key] is None, (name, key)
                else:
                    assert g[key] == value, (name, key)
    assert set(tables) == {k for k in reference if isinstance(reference[k], list)}
    png = exp.plot("convergence")
    assert png == tmp_path / "q" / "plots" / "convergence.png" and png.stat().st_size > 0


def test_analyze_writes_what_the_command_line_writes(tmp_path):
    cli("run", "experiments/race_sobol.toml", "--out", str(tmp_path / "a"))
    cli("run", "experiments/race_sobol.toml", "--out", str(tmp_path / "b"))
    args = ["--method", "sobol", "--output", "nontrivial_exists", "--table", "equilibria"]
    cli("analyze", str(tmp_path / "a"), *args, "--resamples", "50")
    frame = om.open(tmp_path / "b").analyze(
        "sobol", "nontrivial_exists", table="equilibria", resamples=50
    )
    files = sorted((tmp_path / "a" / "analysis").glob("*.parquet"))
    assert files and [f.name for f in files] == sorted(
        f.name for f in (tmp_path / "b" / "analysis").glob("*.parquet")
    )
    for f in files:
        assert f.read_bytes() == (tmp_path / "b" / "analysis" / f.name).read_bytes()
    assert frame.equals(pl.read_parquet(files[0]))


def solve_cases():
    cases = []
    for config in sorted((ROOT / "configs").glob("*.toml")):
        text = config.read_text()
        rel = str(config.relative_to(ROOT))
        cases.append((rel, {}))
        if 'family = "race"' in text or 'family = "normal_form"' in text:
            cases.append((rel, {"concept": "mixed"}))
            cases.append((rel, {"concept": "qre", "temperature": 0.5}))
        if 'family = "race"' in text:
            for q in ("exists", "count", "all"):
                cases.append((rel, {"question": q}))
            cases.append((rel, {"solver": "both"}))
    return cases


def flags(kw: dict) -> list[str]:
    out = []
    for key, value in kw.items():
        out += [f"--{key.replace('_', '-')}", str(value)]
    return out


@pytest.mark.parametrize("config,kw", solve_cases(), ids=lambda v: str(v))
def test_solve_agrees_with_the_command_lines_json(config, kw):
    done = cli("solve", config, "--json", *flags(kw), check=False)
    if done.returncode != 0:
        with pytest.raises(om.OpenmarketError) as e:
            om.solve(config, **kw)
        assert "error: " + str(e.value) == done.stderr.strip()
        assert e.value.exit_code == done.returncode
        return
    want = timeless(json.loads(done.stdout))
    assert timeless(om.solve(config, **kw)) == want
    # The same game as a dict: the same answer.
    as_dict = tomllib.loads((ROOT / config).read_text())
    assert timeless(om.solve(as_dict, **kw)) == want


def timeless(v):
    """A solve report without its timings (`solve_seconds`, …)."""
    if isinstance(v, dict):
        return {k: timeless(x) for k, x in v.items() if not k.endswith("_seconds")}
    if isinstance(v, list):
        return [timeless(x) for x in v]
    return v


def bad_configs():
    return sorted((ROOT / "tests/bad_configs").glob("*.toml"))


@pytest.mark.parametrize("path", bad_configs(), ids=lambda p: p.stem)
def test_bad_configs_raise_the_command_lines_message(tmp_path, path):
    header = path.read_bytes().decode("utf-8", "replace").splitlines()
    command = header[1].removeprefix("# command: ") if header[1].startswith("# command: ") else "solve"
    rel = str(path.relative_to(ROOT))
    out = tmp_path / "out"
    args = {"solve": ["solve", rel, "--json"], "plan": ["plan", rel], "run": ["run", rel, "--out", str(out)]}
    done = cli(*args[command], check=False)
    assert done.returncode == 2, done.stderr
    call = {
        "solve": lambda: om.solve(rel),
        "plan": lambda: om.plan(rel),
        "run": lambda: om.run(rel, out=out, progress=False),
    }[command]
    with pytest.raises(om.ConfigError) as e:
        call()
    assert "error: " + str(e.value) == done.stderr.strip()
    assert e.value.exit_code == 2
    # Nothing written, by either.
    assert not out.exists() and not Path(str(out) + ".partial").exists()


def test_errors_carry_the_field():
    config = tomllib.loads((ROOT / "configs/openness_baseline.toml").read_text())
    config["model"]["alpha0"] = -1.0
    with pytest.raises(om.ConfigError) as e:
        om.solve(config)
    assert e.value.field == "model.alpha0"
    assert str(e.value).startswith("<dict>: model.alpha0 = -1")
    config["model"]["alpha0"] = None
    with pytest.raises(om.ConfigError, match="model.alpha0 = None"):
        om.solve(config)
    with pytest.raises(om.ConfigError, match='concept = "nash"'):
        om.solve("configs/race_baseline.toml", concept="nash")


def test_reading_errors_are_the_command_lines(tmp_path):
    done = cli("summarize", str(tmp_path / "nothing"), check=False)
    with pytest.raises(om.RunError) as e:
        om.open(tmp_path / "nothing")
    assert "error: " + str(e.value) == done.stderr.strip()


def test_an_interrupted_run_is_resumable(tmp_path):
    # Python's own Ctrl-C handler, as in a terminal or a notebook: a shell
    # starts a background job with SIGINT ignored, Python then keeps it
    # ignored, and interrupt_main() would do nothing.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        interrupted_and_resumed(tmp_path)
    finally:
        signal.signal(signal.SIGINT, previous)


def interrupted_and_resumed(tmp_path):
    config = tomllib.loads((ROOT / "configs/quickstart.toml").read_text())
    config["runs"]["seeds_per_point"] = 24
    out = tmp_path / "run"
    # KeyboardInterrupt as Ctrl-C raises it: the signal's flag, seen by the
    # run's poll of the interpreter's signal handlers.
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        om.run(config, out=out, progress=False)
    timer.cancel()
    partial = Path(str(out) + ".partial")
    assert not out.exists() and partial.is_dir()
    with pytest.raises(om.RunError, match="interrupted run"):
        om.open(out)
    exp = om.run(config, out=out, resume=True, progress=False)
    assert exp.report["skipped"] > 0 and not partial.exists()
    # The resumed run's tables are those of one uninterrupted run.
    om.run(config, out=tmp_path / "whole", progress=False)
    same_tables(out, tmp_path / "whole")


def test_plan_export_and_shards_merge(tmp_path):
    p = om.plan("configs/quickstart.toml")
    assert p["text"] == cli("plan", "configs/quickstart.toml").stdout
    assert p["runs"] == p["points"] * p["seeds_per_point"]
    assert om.export("configs/normal_form_rps.toml") == cli("export", "configs/normal_form_rps.toml").stdout
    shards = [om.run("configs/quickstart.toml", out=tmp_path / f"s{k}", shard=f"{k}/2", progress=False) for k in range(2)]
    merged = om.merge([s.dir for s in shards], out=tmp_path / "merged")
    for k in range(2):
        cli("run", "configs/quickstart.toml", "--out", str(tmp_path / f"c{k}"), "--shard", f"{k}/2")
    cli("merge", str(tmp_path / "c0"), str(tmp_path / "c1"), "--out", str(tmp_path / "cli"))
    same_tables(merged.dir, tmp_path / "cli")
    # A merge copies the shards' pages: the same rows as one whole run.
    cli("run", "configs/quickstart.toml", "--out", str(tmp_path / "whole"))
    for name in ("runs", "equilibria"):
        assert merged.dir.joinpath(f"{name}.parquet").exists()
        assert pl.read_parquet(merged.dir / f"{name}.parquet").equals(pl.read_parquet(tmp_path / "whole" / f"{name}.parquet"))


def test_gambit_round_trip():
    pygambit = pytest.importorskip("pygambit")
    game = om.to_gambit("configs/normal_form_rps.toml")
    assert isinstance(game, pygambit.Game)
    config = tomllib.loads((ROOT / "configs/normal_form_rps.toml").read_text())
    # Gambit's payoffs, read from its own arrays, are the config's (.nfg
    # order: the first player's strategy changing fastest).
    arrays = game.to_arrays()
    for i, name in enumerate(config["model"]["players"]):
        got = [float(x) for x in arrays[i].flatten(order="F")]
        assert got == [float(x) for x in config["model"]["payoffs"][name]]
    back = om.from_gambit(game)
    assert back["model"]["payoffs"] == {k: [float(x) for x in v] for k, v in config["model"]["payoffs"].items()}
    mixed = om.solve(back, concept="mixed")
    assert mixed["equilibria"] == om.solve("configs/normal_form_rps.toml", concept="mixed")["equilibria"]

