#!/usr/bin/env bash
# Are two builds of openmarket the same on every shipped config and
# experiment? For refactors that must not change a byte of output.
#
#   tests/same_bytes.sh OLD_BIN NEW_BIN [--quick] [--new-columns a,b]
#
# Build OLD_BIN from the revision before the change, e.g.
#   git worktree add /tmp/old HEAD~3 && (cd /tmp/old && cargo build --release)
#
# For every configs/*.toml and experiments/*.toml, both binaries `run` it
# into their own folder (2 threads) and the Parquet tables must be equal
# byte for byte; the manifests must be equal apart from wall time, git
# revision, the config's file name and `schema_version`; and `solve --json`
# (configs only) must print the same JSON apart from `solve_seconds`.
# --quick skips the experiments (several minutes in all on 2 cores).
# --new-columns names columns (and `solve --json` keys) the new build adds
# on purpose (a schema bump): a table that differs in bytes must then be
# equal in values once they are dropped, read by Python Polars.
# Prints one line per file and exits 1 on the first difference found in
# any file (after checking them all).
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OLD_BIN NEW_BIN [--quick]" >&2; exit 2; }
old=$(realpath "$1")
new=$(realpath "$2")
quick=
new_columns=
shift 2
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=--quick ;;
    --new-columns) new_columns=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
py=${PYTHON:-python3}
export NEW_COLUMNS=$new_columns

# Two tables equal in values once the new build's new columns are dropped.
same_values() {
  "$py" - "$1" "$2" <<'PY'
import os, sys
import polars as pl
new_columns = [c for c in os.environ["NEW_COLUMNS"].split(",") if c]
old, new = pl.read_parquet(sys.argv[1]), pl.read_parquet(sys.argv[2])
new = new.drop([c for c in new_columns if c in new.columns and c not in old.columns])
sys.exit(0 if old.equals(new, null_equal=True) else 1)
PY
}

# The manifest without what may differ between two builds run at two times.
strip_manifest() {
  "$py" - "$1" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for k in ("wall_seconds", "git_revision", "config_file", "schema_version", "openmarket_version"):
    m.pop(k, None)
for s in m.get("merged_from") or []:
    s.pop("wall_seconds", None)
print(json.dumps(m, sort_keys=True, indent=1))
PY
}

# `solve --json` without its timing; a refusal (a sweep, say) as it is.
strip_solve() {
  "$py" -c '
import json, sys
text = sys.stdin.read()
import os
skip = {"solve_seconds", *[c for c in os.environ.get("NEW_COLUMNS", "").split(",") if c]}
def drop(v):
    if isinstance(v, dict):
        return {k: drop(x) for k, x in v.items() if k not in skip}
    if isinstance(v, list):
        return [drop(x) for x in v]
    return v
try:
    print(json.dumps(drop(json.loads(text)), sort_keys=True, indent=1))
except ValueError:
    print(text)'
}

files=(configs/*.toml)
[ "$quick" = "--quick" ] || files+=(experiments/*.toml)
failed=0
for f in "${files[@]}"; do
  name=$(basename "$f" .toml)
  kind=$(basename "$(dirname "$f")")
  verdict=same
  for side in old new; do
    bin=${!side}
    "$bin" run "$f" --out "$scratch/$side/$kind-$name" --threads 2 --yes \
      >"$scratch/$side.$kind-$name.log" 2>&1
    echo $? >"$scratch/$side.$kind-$name.rc"
    if [ "$kind" = configs ]; then
      "$bin" solve "$f" --json 2>&1 | strip_solve >"$scratch/$side.$kind-$name.solve" || true
    fi
  done
  if ! cmp -s "$scratch/old.$kind-$name.rc" "$scratch/new.$kind-$name.rc"; then
    verdict="exit codes differ ($(cat "$scratch/old.$kind-$name.rc") vs $(cat "$scratch/new.$kind-$name.rc"))"
  elif [ "$(cat "$scratch/old.$kind-$name.rc")" = 0 ]; then
    for t in "$scratch/old/$kind-$name"/*.parquet; do
      tn=$(basename "$t")
      if ! cmp -s "$t" "$scratch/new/$kind-$name/$tn"; then
        if [ -n "$new_columns" ] && same_values "$t" "$scratch/new/$kind-$name/$tn"; then
          echo "  $tn: same values apart from $new_columns"
        else
          verdict="$tn differs"
        fi
      fi
    done
    for t in "$scratch/new/$kind-$name"/*.parquet; do
      [ -e "$scratch/old/$kind-$name/$(basename "$t")" ] || verdict="$(basename "$t") is new"
    done
    if ! cmp -s <(strip_manifest "$scratch/old/$kind-$name/manifest.json") \
      <(strip_manifest "$scratch/new/$kind-$name/manifest.json"); then
      verdict="manifest.json differs"
    fi
  else
    # Both refused the config: with the same message?
    cmp -s "$scratch/old.$kind-$name.log" "$scratch/new.$kind-$name.log" \
      || verdict="error messages differ"
  fi
  if [ "$kind" = configs ] && [ "$verdict" = same ] \
    && ! cmp -s "$scratch/old.$kind-$name.solve" "$scratch/new.$kind-$name.solve"; then
    verdict="solve --json differs"
  fi
  echo "$f: $verdict"
  [ "$verdict" = same ] || failed=1
done
exit $failed
