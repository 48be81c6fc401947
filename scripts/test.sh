#!/usr/bin/env bash
# Every test, as CI runs them: cargo (unit, property, simulator, modules against the
# simulator), then, side by side, the modules under real ansible-core, the playbooks on every
# supported ansible-core minor, the fault matrix, the release checks (the collection as people
# install it) followed by the short benchmarks, and the molecule scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/venv.sh
export PATH="$PWD/.venv/bin:$PATH"

# A CI machine's disk has run out here before (during cargo's link step): say how much there
# was, so that a failure of that kind reads as one.
echo "== disk: $(df -h --output=avail . | tail -1 | tr -d ' ') free where the build goes"
if [ -n "${CI:-}" ]; then
  # One build from clean: incremental state would only take room.
  export CARGO_INCREMENTAL=0
fi

echo "== cargo test --workspace"
cargo test --workspace
if [ -n "${CI:-}" ]; then
  # Nothing after this point runs a debug binary (the branches below use release builds);
  # on a CI machine that room is worth more than a warm cache.
  rm -rf target/debug
fi

echo "== collection: the wheel of binaries, the collection, its tarball"
scripts/build-collection.sh --tarball

# These wait on simulated devices most of the time: they run side by side, each against its
# own simulators, and their logs are printed one after the other.
logs=$(mktemp -d -t ftd-test.XXXXXX)
molecule_scenarios() {
  local passed=0 failed=0 start
  for scenario in default fleet faults resume; do
    start=$SECONDS
    if molecule test -s "$scenario" > "$logs/molecule-$scenario.log" 2>&1; then
      passed=$((passed + 1)); echo "molecule $scenario: ok ($((SECONDS - start)) s)"
    else
      failed=$((failed + 1)); echo "molecule $scenario: FAILED"; tail -60 "$logs/molecule-$scenario.log"
    fi
  done
  echo "molecule: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
# The release checks end first of the four branches: the short benchmarks follow them there.
release_then_bench() {
  local status=0 start
  tests/release/run.sh || status=1
  # Benchmarks are not tests: the short mode runs so that the harness cannot rot, and its
  # figures go to a scratch file, never to bench/RESULTS.md.
  start=$SECONDS
  FTD_COLLECTION_BUILT=1 bench/run.sh --short --out "$(mktemp -t bench-short.XXXXXX.md)" > "$logs/bench.log" 2>&1 \
    && echo "bench (short mode): ran ($((SECONDS - start)) s)" \
    || { echo "bench (short mode): FAILED"; tail -30 "$logs/bench.log"; status=1; }
  return "$status"
}
fault_matrix() {
  local start=$SECONDS
  if tests/fault_matrix/run.sh > "$logs/fault-matrix.out" 2>&1; then
    echo "fault matrix: every fault and a killed controller, all safe (docs/fault-matrix.md) ($((SECONDS - start)) s)"
  else
    echo "fault matrix: FAILED"; tail -60 "$logs/fault-matrix.out"; false
  fi
}
compat_matrix() {
  # One version at a time: the other branches keep both cores busy.
  FTD_COMPAT_JOBS=1 tests/compat/run.sh
}
branches=(
  "modules under ansible-core:tests/ansible/run.sh"
  "the playbooks on every supported ansible-core (tests/compat/versions.txt):compat_matrix"
  "fault matrix:fault_matrix"
  "release checks, the collection as people install it, then the benchmarks (short mode):release_then_bench"
  "molecule:molecule_scenarios"
)
echo "== in parallel: ${branches[*]%%:*}"
pids=()
for i in "${!branches[@]}"; do
  ${branches[$i]#*:} > "$logs/branch-$i.log" 2>&1 &
  pids+=($!)
done
status=0
for i in "${!branches[@]}"; do
  wait "${pids[$i]}" || status=1
  echo "== ${branches[$i]%%:*}"
  cat "$logs/branch-$i.log"
done
[ "$status" -eq 0 ]
