#!/usr/bin/env bash
# The fault matrix: every fault ftd-sim can inject, one pair each, all in one playbook run;
# then the faults are cleared and the playbook re-run, as an operator would after fixing the
# cause. Then the controller is killed in the middle of each stage, and the run repeated.
# Writes docs/fault-matrix.md and fails when any row is unsafe.
set -euo pipefail
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_CALLBACK_RESULT_FORMAT=json
work=${FAULT_MATRIX_DIR:-$(mktemp -d -t ftd-faults.XXXXXX)}
mkdir -p "$work"
scale=0.002

playbook() { # dir, tag
  # Both runs use one lock owner: the re-run resumes the first (or the killed) run, as the
  # lock's refusal message tells an operator to.
  ansible-playbook -i "$1/sim/inventory.yml" playbooks/upgrade_ha.yml -e ftd_lock_owner=fault-matrix \
    -e "ftd_journal=$1/journal.jsonl" -e "ftd_summary_file=$1/outcome-$2.json" > "$1/play-$2.log" 2>&1
  echo $? > "$1/rc-$2"
}
complete_summaries() { # dir: summary lines the sim has finished writing
  grep -c '^{.*"event":"summary".*}$' "$1/sim/events.jsonl" || true
}
summary() { # dir, pairs, tag: ask the sim for its summary (SIGUSR1) and keep the newest per pair
  local before now
  before=$(complete_summaries "$1")
  kill -USR1 "$(cat "$1/sim/sim.pid")"
  # The sim writes one summary line per pair; wait for all of them, whole.
  for _ in $(seq 1 100); do
    now=$(complete_summaries "$1")
    if [ "$now" -ge "$((before + $2))" ]; then
      grep '^{.*"event":"summary".*}$' "$1/sim/events.jsonl" | tail -n "$2" > "$1/summary-$3.jsonl"
      return 0
    fi
    sleep 0.05
  done
  echo "the sim wrote no summary within 5 s of SIGUSR1 ($1)" >&2; return 1
}
settle() { # dir, pairs: wait until every unit is up, validated, and no installer runs on it
  # (a unit whose install finished its pre-reboot part is still up, for a minute, before it
  # goes down: a re-run then would find it gone at its first read) (bounded)
  for _ in $(seq 1 200); do
    summary "$1" "$2" settle
    python3 -c 'import json,sys; sys.exit(0 if all(all(json.loads(l)["settled"].values()) for l in open(sys.argv[1])) else 1)' "$1/summary-settle.jsonl" && return 0
    sleep 0.1
  done
  echo "units did not settle" >&2; return 1
}

# 1. Device faults, one pair each.
faults=()
while read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  faults+=("$line")
done < tests/fault_matrix/faults.txt
args=()
for i in "${!faults[@]}"; do
  [ "${faults[$i]}" = none ] || args+=(--fault "$((i + 1)):${faults[$i]}")
done
d="$work/device"
trap 'scripts/sim-down.sh "$d/sim" 2>/dev/null || true' EXIT
scripts/sim-up.sh "$d/sim" --pairs "${#faults[@]}" --time-scale $scale "${args[@]}" > /dev/null
playbook "$d" first || true
summary "$d" "${#faults[@]}" first
kill -USR2 "$(cat "$d/sim/sim.pid")"   # the operator fixes every cause
settle "$d" "${#faults[@]}"
playbook "$d" second || true
summary "$d" "${#faults[@]}" second
scripts/sim-down.sh "$d/sim"
printf '%s\n' "${faults[@]}" > "$d/faults"

# 2. The controller killed in the middle of each stage (one pair, a fresh sim each time), run
# again once the units have settled; and killed in the first seconds of an install (the
# installer still unpacking, no status file written yet) and run again at once: the running
# upgrade is attached to or waited for, never started a second time.
killed() { # dir, journal text to kill at, settle|now, ftd-sim options...
  local k=$1 pattern=$2 when=$3 pid
  shift 3
  mkdir -p "$k"
  scripts/sim-up.sh "$k/sim" --pairs 1 --time-scale $scale "$@" > /dev/null
  setsid ansible-playbook -i "$k/sim/inventory.yml" playbooks/upgrade_ha.yml -e ftd_lock_owner=fault-matrix \
    -e "ftd_journal=$k/journal.jsonl" > "$k/play-first.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    grep -q "$pattern" "$k/journal.jsonl" 2>/dev/null && break
    sleep 0.05
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo killed > "$k/rc-first"
  summary "$k" 1 first
  [ "$when" = now ] || settle "$k" 1
  playbook "$k" second || true
  summary "$k" 1 second
  scripts/sim-down.sh "$k/sim"
}
for stage in readiness install wait_reboot failover_swap; do
  killed "$work/kill-$stage" "\"stage\":\"$stage\"" settle
done
killed "$work/kill-install-first-seconds" "upgrade started: install_update.pl" now \
  --fault 1:secondary:slow-unpack=1500
trap - EXIT

python3 tests/fault_matrix/analyze.py "$work" docs/fault-matrix.md
