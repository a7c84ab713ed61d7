# The native module's signatures (crates/openmarket-py/src/lib.rs); the
# public, documented API is openmarket/__init__.py.
from os import PathLike
from typing import Callable

__version__: str

class NativeError(Exception):
    """args = (exit code, one-line message, field or None)."""

def solve(
    kind: str,
    value: str,
    *,
    concept: str | None = ...,
    temperature: float | None = ...,
    solver: str | None = ...,
    question: str | None = ...,
    actions: str | None = ...,
    mip_backend: str | None = ...,
    formulation: str | None = ...,
    time_limit: int | None = ...,
) -> str: ...
def export(kind: str, value: str, *, format: str = ...) -> str: ...
def plan(kind: str, value: str) -> str: ...
def run(
    kind: str,
    value: str,
    *,
    out: str | None = ...,
    threads: int | None = ...,
    resume: bool = ...,
    yes: bool = ...,
    shard: str | None = ...,
    progress: Callable[[int, int, list[str]], None] | None = ...,
) -> str: ...
def open(dir: str | PathLike[str]) -> str: ...
def summarize(dir: str | PathLike[str]) -> list[tuple[str, bytes]]: ...
def analyze(
    dir: str | PathLike[str],
    method: str,
    outputs: list[str],
    *,
    table: str | None = ...,
    resamples: int = ...,
    seed: int = ...,
    threshold: float = ...,
    peel_alpha: float = ...,
    paste_alpha: float = ...,
    mass_min: float = ...,
    min_coverage: float = ...,
    base_rows: int | None = ...,
) -> tuple[str, list[str]]: ...
def plot(dir: str | PathLike[str], kind: str, *, format: str = ..., out: str | None = ...) -> str: ...
def merge(dirs: list[str], out: str) -> str: ...
def nfg_model(text: str) -> str: ...
