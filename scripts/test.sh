#!/usr/bin/env bash
# Every test, as CI runs them: cargo (unit, property, simulator, modules against the
# simulator), the modules under real ansible-core, then the molecule scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/venv.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== cargo test --workspace"
cargo test --workspace

echo "== collection (release binaries)"
scripts/build-collection.sh

echo "== modules under ansible-core"
tests/ansible/run.sh

echo "== molecule"
passed=0 failed=0
for scenario in default fleet faults resume; do
  if molecule test -s "$scenario"; then
    passed=$((passed + 1)); echo "molecule $scenario: ok"
  else
    failed=$((failed + 1)); echo "molecule $scenario: FAILED"
  fi
done
echo "molecule: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

# Benchmarks are not tests: the short mode runs so that the harness cannot rot, and its
# figures go to a scratch file, never to bench/RESULTS.md.
echo "== bench (short mode)"
bench/run.sh --short --out "$(mktemp -t bench-short.XXXXXX.md)" > /dev/null
