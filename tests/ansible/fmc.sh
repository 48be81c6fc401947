#!/usr/bin/env bash
# Issue 15: the FMC's side in the upgrade playbook, against ftd-sim's FMC (HTTPS, own CA).
# 1. A whole upgrade at -vvv: the peers are switched back through the FMC (one SWITCH), the
#    FMC reports the new version at the end, and neither the FMC password nor a token shows.
# 2. Two pairs, pair 1 with changes pending in the FMC, precheck tags: pair 1 stops before
#    anything runs on it, pair 2 goes on to its readiness check.
# 3. The FMC unreachable: every pair stops before anything changes.
set -euo pipefail
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1
work=$(mktemp -d -t ftd-fmc.XXXXXX)
trap 'for d in "$work"/*/; do scripts/sim-down.sh "$d" 2>/dev/null || true; done' EXIT
run() { # name, playbook args...; sim args come from $sim_args
  local d="$work/$1"; shift
  scripts/sim-up.sh "$d" $sim_args > /dev/null
  ansible-playbook -i "$d/inventory.yml" playbooks/upgrade_ha.yml -e "ftd_journal=$d/journal.jsonl" "$@" \
    > "$d/play.log" 2>&1 && echo 0 > "$d/rc" || echo $? > "$d/rc"
  scripts/sim-down.sh "$d"
}
sim_args="--pairs 1 --time-scale 0.002 --fmc" run whole -vvv &
sim_args="--pairs 2 --time-scale 0.002 --fmc --fmc-fault pending-deploy=1" run pending --tags precheck &
sim_args="--pairs 1 --time-scale 0.002 --fmc" run unreachable --tags precheck -e ftd_fmc_host=127.0.0.1:9 &
wait
[ "$(cat "$work/whole/rc")" = 0 ] || { echo "the upgrade with an FMC failed"; tail -40 "$work/whole/play.log"; exit 1; }
password=$(awk '/ftd_fmc_password:/ {print $2}' "$work/whole/inventory.yml" | tr -d "'")
! grep -q "$password" "$work/whole/play.log" "$work/whole/journal.jsonl" || { echo "the FMC password leaked"; exit 1; }
! grep -qi "x-auth-access-token:\|X-auth-refresh-token:" "$work/whole/play.log" || { echo "a token header leaked"; exit 1; }
[ "$(cat "$work/pending/rc")" != 0 ] || { echo "a pair with pending changes was not stopped"; exit 1; }
grep -q "not deployed to pair1: deploy or discard" "$work/pending/play.log" || { echo "no deployment message"; exit 1; }
[ "$(cat "$work/unreachable/rc")" != 0 ] || { echo "the run went on without its FMC"; exit 1; }
grep -q "cannot reach the FMC" "$work/unreachable/play.log" || { echo "no unreachable message"; exit 1; }
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def events(name):
    return [json.loads(l) for l in open(f"{work}/{name}/events.jsonl") if l.strip()]
whole = events("whole")
switches = [e for e in whole if e.get("event") == "fmc_switch"]
assert len(switches) == 1, f"expected one SWITCH through the FMC, saw {len(switches)}"
summary = [e for e in whole if e.get("event") == "summary"][0]
assert summary["installs_on_active"] == 0 and summary["outage_ms"] == 0, summary
journal = [json.loads(l) for l in open(f"{work}/whole/journal.jsonl") if l.strip()]
assert any(e["message"].startswith("FMC view after:") and "7.2.7" in e["message"] for e in journal), "no FMC view after"
logins = [e for e in whole if e.get("event") == "fmc_login"]
assert len(logins) <= 4, f"{len(logins)} FMC logins for one pair (check, switch, sync expected)"
pending = events("pending")
touched = sorted({e["unit"] for e in pending if e.get("event") in ("readiness_start", "install_start")})
assert touched == ["fw-2-a", "fw-2-b"], f"units touched with pair 1's changes pending: {touched}"
changed = [e for e in events("unreachable") if e.get("event") in ("readiness_start", "install_start")]
assert not changed, f"a unit was touched without the FMC: {changed}"
print(f"upgrade switched back through the FMC ({len(logins)} FMC logins); pending changes stopped pair 1 only; no FMC, no change")
PY
