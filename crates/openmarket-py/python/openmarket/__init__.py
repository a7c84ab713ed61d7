"""openmarket from Python: the simulator's commands as functions.

Every function mirrors a command of the ``openmarket`` command line, with
keyword arguments named after its flags, and runs in-process (the native
module releases the GIL while it solves or runs)::

    import openmarket as om
    om.solve("configs/openness_baseline.toml")      # what `solve --json` prints
    exp = om.run("configs/quickstart.toml")         # an Experiment
    exp.runs                                        # a Polars LazyFrame
    exp.summarize()["overview"]                     # the verdict, as DataFrames

A ``config`` is a ``dict`` (the TOML's keys; relative paths in it are
relative to the working directory), a :class:`pathlib.Path`, or a ``str``:
a path when it names an existing file (or looks like one: one line, no
``=``), TOML text otherwise.

Errors are exceptions carrying the command line's one-line message:
:class:`ConfigError` where the command line exits with 2 (bad input,
nothing written), :class:`RunError` where it exits with 1.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping, Union

import polars as pl

from . import _native

__version__: str = _native.__version__

__all__ = [
    "ConfigError",
    "Experiment",
    "OpenmarketError",
    "RunError",
    "analyze",
    "export",
    "from_gambit",
    "merge",
    "open",
    "plan",
    "plot",
    "run",
    "solve",
    "summarize",
    "to_gambit",
]

Config = Union[Mapping[str, Any], str, "os.PathLike[str]"]
"""A config: a dict of the TOML's keys, a path, or TOML text."""


class OpenmarketError(Exception):
    """An error of openmarket; ``str(e)`` is the command line's one-line message."""

    #: The command line's exit code for this error.
    exit_code: int = 1
    #: The config field the message names (``"model.alpha0"``), if any.
    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConfigError(OpenmarketError, ValueError):
    """Bad input, refused before anything is written (the command line's exit 2)."""

    exit_code = 2


class RunError(OpenmarketError, RuntimeError):
    """A failure while running or reading results (the command line's exit 1)."""

    exit_code = 1


def _raise(e: _native.NativeError) -> None:
    code, message, field = e.args
    cls = ConfigError if code == 2 else RunError
    err = cls(message, field)
    err.exit_code = code
    raise err from None


def _call(f, *args, **kwargs):
    try:
        return f(*args, **kwargs)
    except _native.NativeError as e:
        _raise(e)


def _looks_like_path(text: str) -> bool:
    return "\n" not in text and "=" not in text and "[" not in text


def _source(config: Config) -> tuple[str, str]:
    """The native module's (kind, value) for a config."""
    if isinstance(config, Mapping):
        import tomli_w

        try:
            return "dict", tomli_w.dumps(_plain(config))
        except (TypeError, ValueError) as e:
            raise ConfigError(f"<dict>: cannot be written as TOML: {e}") from None
    if isinstance(config, os.PathLike):
        return "file", os.fspath(config)
    if isinstance(config, str):
        if os.path.isfile(config) or _looks_like_path(config):
            return "file", config
        return "text", config
    raise ConfigError(
        f"config = {type(config).__name__}: must be a dict, a pathlib.Path or a str (a path or TOML text)"
    )


def _plain(value: Any, at: str = "") -> Any:
    """A dict's values as TOML can hold them, naming the first that cannot."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{at}.{k}" if at else str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{at}[{i}]") for i, v in enumerate(value)]
    if value is None:
        raise ConfigError(f"<dict>: {at} = None: TOML has no null; leave the key out", at)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()  # a NumPy scalar
    return value


def solve(
    config: Config,
    *,
    concept: Literal["pure", "mixed", "qre"] | None = None,
    temperature: float | None = None,
    solver: Literal["auto", "enumerate", "mip", "both"] | None = None,
    question: Literal["exists", "count", "all"] | None = None,
    actions: Literal["discrete", "continuous"] | None = None,
    mip_backend: str | None = None,
    formulation: Literal["witness", "selection"] | None = None,
    time_limit: int | None = None,
) -> dict[str, Any]:
    """Solve the config's game exactly: the dict ``openmarket solve --json`` prints.

    The keywords are ``solve``'s flags (``--concept``, ``--temperature``,
    ``--solver``, ``--question``, ``--actions``, ``--mip-backend``,
    ``--formulation``, ``--time-limit``); ``None`` keeps the command line's
    default.
    """
    kind, value = _source(config)
    text = _call(
        _native.solve,
        kind,
        value,
        concept=concept,
        temperature=temperature,
        solver=solver,
        question=question,
        actions=actions,
        mip_backend=mip_backend,
        formulation=formulation,
        time_limit=time_limit,
    )
    return json.loads(text)


def export(config: Config, *, format: Literal["nfg"] = "nfg", out: str | os.PathLike[str] | None = None) -> str:
    """The config's game in another tool's format (Gambit's ``.nfg``), as
    ``openmarket export`` writes it; also written to ``out`` when given."""
    kind, value = _source(config)
    text = _call(_native.export, kind, value, format=format)
    if out is not None:
        Path(out).write_text(text)
    return text


def plan(config: Config) -> dict[str, Any]:
    """The size of the config's sweep (points, runs, rows, estimated bytes)
    without running it, as ``openmarket plan`` checks it; ``["text"]`` is
    the command's report."""
    kind, value = _source(config)
    return json.loads(_call(_native.plan, kind, value))


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()  # type: ignore[attr-defined]
    except Exception:
        return False
    return ip is not None and "IPKernelApp" in getattr(ip, "config", {})


class _Bar:
    """The run's progress: tqdm (a widget in a notebook), shown in a
    notebook or when stderr is a terminal, as the command line's bar is."""

    def __init__(self, show: bool) -> None:
        self.bar = None
        self.show = show and (_in_notebook() or sys.stderr.isatty())

    def __call__(self, done: int, total: int, notes: list[str]) -> None:
        for line in notes:
            print(line, file=sys.stderr)
        if not self.show or total == 0:
            return
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=done, unit="run", desc="runs")
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run(
    config: Config,
    *,
    out: str | os.PathLike[str] | None = None,
    threads: int | None = None,
    resume: bool = False,
    yes: bool = False,
    shard: str | None = None,
    progress: bool = True,
) -> Experiment:
    """Run the config's dynamics (and its sweep) and write the Parquet
    output, as ``openmarket run``: the same files, the same bytes for the
    same config and seed, the same guarantees (an interrupted run leaves
    only ``DIR.partial``, which ``resume=True`` finishes).

    ``out`` defaults to the config's ``[output] dir``, else
    ``output/<config file name>`` (``output/experiment`` for a dict or
    text). ``shard="K/N"`` runs one shard for :func:`merge`. A
    ``KeyboardInterrupt`` stops the run after the blocks in hand and leaves
    a resumable partial folder.
    """
    kind, value = _source(config)
    bar = _Bar(progress)
    try:
        text = _call(
            _native.run,
            kind,
            value,
            out=None if out is None else os.fspath(out),
            threads=threads,
            resume=resume,
            yes=yes,
            shard=shard,
            progress=bar,
        )
    finally:
        bar.close()
    report = json.loads(text)
    exp = Experiment(report["dir"]) if report["shard"] is None else Experiment._shard(report["dir"])
    exp.report = report
    return exp


def open(dir: str | os.PathLike[str]) -> Experiment:
    """An existing experiment folder (refused as ``summarize`` refuses it:
    unfinished, a shard, damaged)."""
    return Experiment(dir)


def merge(dirs: Iterable[str | os.PathLike[str]], *, out: str | os.PathLike[str]) -> Experiment:
    """Merge the folders of ``run(..., shard="K/N")`` into one experiment,
    as ``openmarket merge`` (after checking they cover the plan once)."""
    _call(_native.merge, [os.fspath(d) for d in dirs], os.fspath(out))
    return Experiment(out)


def summarize(dir: str | os.PathLike[str]) -> dict[str, pl.DataFrame]:
    """The convergence verdict of an experiment folder, as ``summarize
    --json``, each table a DataFrame: ``overview`` (per study and rule),
    ``points`` (per point and rule), ``disagreements`` (the points where not
    every run reached its target, farthest first) and, where the experiment
    has them, ``regulator``, ``entry`` and ``basins``."""
    tables = _call(_native.summarize, os.fspath(dir))
    return {name: pl.read_parquet(io.BytesIO(data)) for name, data in tables}


def analyze(
    dir: str | os.PathLike[str],
    method: Literal["sobol", "morris", "prim"],
    output: str | Iterable[str],
    *,
    table: Literal["runs", "equilibria"] | None = None,
    resamples: int = 1000,
    seed: int = 0,
    threshold: float = 0.8,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    min_coverage: float = 0.5,
    base_rows: int | None = None,
) -> pl.DataFrame:
    """Sensitivity indices (``sobol``, ``morris``) or scenario discovery
    (``prim``), as ``openmarket analyze``: writes
    ``DIR/analysis/METHOD-OUTPUT.parquet`` per output and returns those
    tables, stacked. ``output`` is one expression or several (a column, a
    family alias such as ``omega``, a comparison such as
    ``'regime == "pay_penalty"'``)."""
    outputs = [output] if isinstance(output, str) else list(output)
    _text, paths = _call(
        _native.analyze,
        os.fspath(dir),
        method,
        outputs,
        table=table,
        resamples=resamples,
        seed=seed,
        threshold=threshold,
        peel_alpha=peel_alpha,
        paste_alpha=paste_alpha,
        mass_min=mass_min,
        min_coverage=min_coverage,
        base_rows=base_rows,
    )
    return pl.concat([pl.read_parquet(p) for p in paths], how="diagonal_relaxed")


def plot(
    dir: str | os.PathLike[str],
    kind: str,
    *,
    out: str | os.PathLike[str] | None = None,
    format: Literal["png", "svg"] = "png",
) -> Path:
    """Draw a figure of an experiment folder, as ``openmarket plot``; returns
    its path (default ``DIR/plots/KIND.png``)."""
    return Path(
        _call(
            _native.plot,
            os.fspath(dir),
            kind,
            format=format,
            out=None if out is None else os.fspath(out),
        )
    )


class Experiment:
    """A finished experiment folder: its tables as Polars LazyFrames, its
    manifest, and the reading commands (``summarize``, ``analyze``,
    ``plot``) bound to it."""

    #: The folder.
    dir: Path
    #: The manifest (``manifest.json``) as a dict.
    manifest: dict[str, Any]
    #: What ``run`` reported (runs, converged, seconds…), when it made this.
    report: dict[str, Any] | None = None

    def __init__(self, dir: str | os.PathLike[str]) -> None:
        self.dir = Path(dir)
        self.manifest = json.loads(_call(_native.open, os.fspath(self.dir)))

    @classmethod
    def _shard(cls, dir: str | os.PathLike[str]) -> Experiment:
        exp = cls.__new__(cls)
        exp.dir = Path(dir)
        exp.manifest = json.loads((exp.dir / "manifest.json").read_text())
        return exp

    def __repr__(self) -> str:
        rows = self.manifest.get("rows", {})
        return f"Experiment({str(self.dir)!r}, points={self.manifest.get('points')}, runs={rows.get('runs')})"

    def _table(self, name: str) -> pl.LazyFrame:
        path = self.dir / f"{name}.parquet"
        if not path.is_file():
            raise RunError(f"{path}: not in this experiment")
        return pl.scan_parquet(path)

    @property
    def runs(self) -> pl.LazyFrame:
        """``runs.parquet``: one row per run."""
        return self._table("runs")

    @property
    def equilibria(self) -> pl.LazyFrame:
        """``equilibria.parquet``: one row per point and equilibrium."""
        return self._table("equilibria")

    @property
    def trajectories(self) -> pl.LazyFrame:
        """``trajectories.parquet`` (with ``[output] trajectory_every``)."""
        return self._table("trajectories")

    def analysis(self, method: str, output: str) -> pl.LazyFrame:
        """A table ``analyze`` wrote: ``analysis/METHOD-OUTPUT.parquet``
        (``output`` as its file names it)."""
        return self._table(f"analysis/{method}-{output}")

    def summarize(self) -> dict[str, pl.DataFrame]:
        """The convergence verdict as DataFrames (see :func:`summarize`)."""
        return summarize(self.dir)

    def analyze(
        self,
        method: Literal["sobol", "morris", "prim"],
        output: str | Iterable[str],
        **options: Any,
    ) -> pl.DataFrame:
        """Sensitivity or scenario discovery of this experiment (see :func:`analyze`)."""
        return analyze(self.dir, method, output, **options)

    def plot(
        self,
        kind: str,
        out: str | os.PathLike[str] | None = None,
        *,
        format: Literal["png", "svg"] = "png",
    ) -> Path:
        """Draw a figure; returns its path (see :func:`plot`)."""
        return plot(self.dir, kind, out=out, format=format)


def to_gambit(config: Config):
    """The config's finite game (a discrete race or a normal-form game) as a
    pygambit ``Game``, read from the ``.nfg`` that :func:`export` writes.
    Needs pygambit (``pip install "openmarket[gambit]"``)."""
    try:
        import pygambit
    except ImportError:
        raise ImportError("to_gambit needs pygambit: pip install pygambit") from None
    text = export(config, format="nfg")
    return pygambit.read_nfg(io.StringIO(text))


def from_gambit(game) -> dict[str, Any]:
    """A pygambit strategic-form ``Game`` as an openmarket config dict of
    family ``normal_form`` (players, strategies and payoffs written inline),
    ready for :func:`solve` or, with a ``[dynamics]`` section added,
    :func:`run`."""
    text = game.to_nfg() if hasattr(game, "to_nfg") else game.write(format="nfg")
    model = json.loads(_call(_native.nfg_model, text))
    if not model.get("title"):
        del model["title"]
    return {"model": model}
