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

echo "== collection: the wheel of binaries, the collection, its tarball"
scripts/build-collection.sh --tarball

# The Ansible-level checks, the release checks and the molecule scenarios wait on simulated
# devices most of the time: they run side by side, each against its own simulators, and their
# logs are printed one after the other.
echo "== modules under ansible-core, the release checks, the molecule scenarios then the short benchmarks (in parallel)"
logs=$(mktemp -d -t ftd-test.XXXXXX)
tests/ansible/run.sh > "$logs/ansible.log" 2>&1 &
ansible_pid=$!
tests/release/run.sh > "$logs/release.log" 2>&1 &
release_pid=$!
(
  passed=0 failed=0
  for scenario in default fleet faults resume; do
    start=$SECONDS
    if molecule test -s "$scenario" > "$logs/molecule-$scenario.log" 2>&1; then
      passed=$((passed + 1)); echo "molecule $scenario: ok ($((SECONDS - start)) s)"
    else
      failed=$((failed + 1)); echo "molecule $scenario: FAILED"; tail -60 "$logs/molecule-$scenario.log"
    fi
  done
  echo "molecule: $passed passed, $failed failed"
  # Benchmarks are not tests: the short mode runs so that the harness cannot rot, and its
  # figures go to a scratch file, never to bench/RESULTS.md.
  start=$SECONDS
  FTD_COLLECTION_BUILT=1 bench/run.sh --short --out "$(mktemp -t bench-short.XXXXXX.md)" > "$logs/bench.log" 2>&1 \
    && echo "bench (short mode): ran ($((SECONDS - start)) s)" \
    || { echo "bench (short mode): FAILED"; tail -30 "$logs/bench.log"; false; }
  [ "$failed" -eq 0 ]
) > "$logs/molecule.log" 2>&1 &
molecule_pid=$!
status=0
wait "$ansible_pid" || status=1
echo "== modules under ansible-core"
cat "$logs/ansible.log"
wait "$release_pid" || status=1
echo "== release checks: the collection as people install it"
cat "$logs/release.log"
wait "$molecule_pid" || status=1
echo "== molecule, then the benchmarks (short mode)"
cat "$logs/molecule.log"
[ "$status" -eq 0 ]
