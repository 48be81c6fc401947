#!/usr/bin/env bash
# Issue 12, rule 9: a stopped pair is never touched again. The Active unit starts refusing
# every login from its Nth login on (so its facts fail at a different play for each N); after
# that moment nothing that moves traffic may start on its partner: no install, no failover.
# (The readiness check runs on both units in one task, in parallel, by design: it changes no
# traffic, and a partner failing in that same task cannot stop a check already started.)
# Several N run side by side, each against its own sim.
set -euo pipefail
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1
work=$(mktemp -d -t ftd-partner.XXXXXX)
values=(1 2 3 4 6 8 10 12)
for n in "${values[@]}"; do
  (
    d="$work/n$n"
    scripts/sim-up.sh "$d" --pairs 1 --time-scale 0.002 --fault "1:primary:auth-fail-from=$n" > /dev/null
    ansible-playbook -i "$d/inventory.yml" playbooks/upgrade_ha.yml -e "ftd_journal=$d/journal.jsonl" \
      > "$d/play.log" 2>&1 || true
    scripts/sim-down.sh "$d"
  ) &
  # two cores: two runs at a time
  if (( $(jobs -r | wc -l) >= 2 )); then wait -n; fi
done
wait
bad=0
for n in "${values[@]}"; do
  d="$work/n$n"
  python3 - "$d/events.jsonl" "$n" <<'PY' || bad=1
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
refused = [e["t"] for e in events if e.get("event") == "login" and e.get("unit") == "fw-1-a" and not e["accepted"]]
if not refused:
    print(f"N={sys.argv[2]}: fw-1-a never refused a login (the run ended first)")
    sys.exit(0)
first = min(refused)
changes = [e for e in events if e.get("unit") == "fw-1-b" and e["t"] > first
           and (e["event"] in ("install_start", "failover")
                or (e["event"] == "command" and "failover active" in e.get("command", "")))]
if changes:
    print(f"N={sys.argv[2]}: fw-1-b was changed after fw-1-a stopped answering: {changes[0]}")
    sys.exit(1)
print(f"N={sys.argv[2]}: fw-1-a refused logins from t={first:.0f}; fw-1-b untouched after it")
PY
done
[ "$bad" = 0 ] || { echo "a partner was changed after its pair stopped"; exit 1; }
