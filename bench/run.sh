#!/usr/bin/env bash
# The benchmark harness: one command. Builds what it measures, puts netmiko in bench/.venv,
# runs bench/bench.py (add --short for the CI mode) and writes bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh
# make test builds the collection once and runs this beside other tests that use it: it must
# not be rebuilt under them.
[ -n "${FTD_COLLECTION_BUILT:-}" ] || PATH="$PWD/.venv/bin:$PATH" scripts/build-collection.sh > /dev/null
if [ ! -x bench/.venv/bin/python ] || ! cmp -s bench/requirements.txt bench/.venv/.requirements 2>/dev/null; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet --disable-pip-version-check -r bench/requirements.txt pyyaml
  cp bench/requirements.txt bench/.venv/.requirements
fi
exec bench/.venv/bin/python bench/bench.py "$@"
