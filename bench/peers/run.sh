#!/usr/bin/env bash
# The peer benchmark, from a fresh clone: openmarket against Nashpy,
# pygambit and a pure-Python agent loop on the same games, asserting that
# they agree and printing the time ratios.
#
#   bench/peers/run.sh            # full sizes (a few minutes)
#   bench/peers/run.sh --quick    # small instances: the agreement check CI runs
#
# Other arguments go to peers.py (e.g. --only fp). Same cache locations as
# .ci/run: the cargo target directory and the Python venv under
# $HOME/.cache/openmarket, overridable by CARGO_TARGET_DIR and OPENMARKET_VENV.
set -euo pipefail
cd "$(dirname "$0")/../.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/openmarket/target}"
export CARGO_TERM_COLOR=never
export CARGO_INCREMENTAL=0
venv="${OPENMARKET_VENV:-$HOME/.cache/openmarket/venv}"

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is not installed: this project needs a Rust toolchain (rustup)" >&2
  exit 1
fi

echo "== Python venv: $venv (bench/peers/requirements.txt)"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r bench/peers/requirements.txt

# Release profile only, as .ci/run: the benchmark must time what users run.
echo "== cargo build --release (the peers example and the openmarket CLI)"
cargo build --release -p openmarket-core --example peers
cargo build --release

"$venv/bin/python" bench/peers/peers.py \
  --peers-bin "$CARGO_TARGET_DIR/release/examples/peers" \
  --openmarket-bin "$CARGO_TARGET_DIR/release/openmarket" \
  "$@"

# Sensitivity and scenario discovery: `analyze` against SALib and the EMA
# Workbench on the same data (agreement asserted, then timed).
quick=
for arg in "$@"; do [ "$arg" = --quick ] && quick=--quick; done
"$venv/bin/python" bench/peers/analysis.py \
  --openmarket-bin "$CARGO_TARGET_DIR/release/openmarket" $quick
