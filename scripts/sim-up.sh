#!/usr/bin/env bash
# Start ftd-sim in the background for a rehearsal or a test, wait until it listens, and
# print its pid. Usage: scripts/sim-up.sh DIR [ftd-sim options...]
# Writes DIR/inventory.yml, DIR/known_hosts, DIR/events.jsonl, DIR/sim.log, DIR/sim.pid.
set -euo pipefail
dir=$1; shift
root="$(cd "$(dirname "$0")/.." && pwd)"
sim="${FTD_SIM:-$root/target/release/ftd-sim}"
mkdir -p "$dir"
rm -f "$dir/inventory.yml" "$dir/events.jsonl"
"$sim" --base-port 0 --inventory "$dir/inventory.yml" --known-hosts "$dir/known_hosts" \
  --events "$dir/events.jsonl" "$@" > "$dir/sim.log" 2>&1 &
echo $! > "$dir/sim.pid"
for _ in $(seq 1 100); do
  if grep -q "ftd-sim: ready" "$dir/sim.log"; then cat "$dir/sim.pid"; exit 0; fi
  if ! kill -0 "$(cat "$dir/sim.pid")" 2>/dev/null; then cat "$dir/sim.log" >&2; exit 1; fi
  sleep 0.1
done
echo "ftd-sim did not start within 10 s" >&2
cat "$dir/sim.log" >&2
exit 1
