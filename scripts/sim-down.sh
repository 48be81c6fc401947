#!/usr/bin/env bash
# Stop an ftd-sim started by sim-up.sh (it writes its summary to the events file on SIGTERM).
set -euo pipefail
dir=$1
pid=$(cat "$dir/sim.pid" 2>/dev/null || true)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
fi
rm -f "$dir/sim.pid"
