#!/usr/bin/env bash
# Issue 14: staging in the upgrade playbook. Two pairs start without the package, beside a
# package server (HTTPS with its own CA, a password); pair 1's secondary has a full /ngfw.
# With the precheck tags: both units of pair 2 are staged at the same time (each transfer is
# held to 2 MB/s, so that it lasts two seconds and the two must overlap) and pass their
# readiness check; pair 1 stops at staging with the space message and no readiness check
# starts on either of its units; the download password shows nowhere.
set -euo pipefail
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1
work=$(mktemp -d -t ftd-stage.XXXXXX)
secret="Stage-Secret-$RANDOM$RANDOM"
scripts/sim-up.sh "$work" --pairs 2 --time-scale 0.002 --package-server https --package-size 4194304 \
  --package-auth "fetch:$secret" --fault 1:secondary:disk-full=5000000 > /dev/null
trap 'scripts/sim-down.sh "$work"' EXIT
status=0
ansible-playbook -i "$work/inventory.yml" playbooks/upgrade_ha.yml --tags precheck -vvv \
  -e "ftd_journal=$work/journal.jsonl" -e ftd_stage_rate_limit=2000000 > "$work/play.log" 2>&1 || status=$?
[ "$status" -ne 0 ] || { echo "the run passed although pair 1 could not be staged"; exit 1; }
grep -q "fw-1-b \[stage\]: refused: not enough space on /ngfw" "$work/play.log" \
  || { echo "no space refusal for fw-1-b"; tail -40 "$work/play.log"; exit 1; }
! grep -q "$secret" "$work/play.log" "$work/journal.jsonl" "$work/events.jsonl" \
  || { echo "the download password leaked"; exit 1; }
python3 - "$work/events.jsonl" "$work/journal.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
journal = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
checked = sorted({e["unit"] for e in events if e.get("event") == "readiness_start"})
assert checked == ["fw-2-a", "fw-2-b"], f"readiness checks ran on {checked}, not only on pair 2's units"
def span(unit):
    times = [e["time"] for e in journal if e["stage"] == "stage" and e["unit"].endswith(unit)]
    return min(times), max(times)
staged = {e["unit"] for e in journal if e["stage"] == "stage" and e["message"].startswith("staged ")}
assert {"pair2/fw-2-a", "pair2/fw-2-b"} <= staged, f"staged: {staged}"
(a0, a1), (b0, b1) = span("fw-2-a"), span("fw-2-b")
assert a0 < b1 and b0 < a1, f"pair 2's units were staged one after the other: {a0}-{a1}, {b0}-{b1}"
print(f"staged in parallel on pair 2 ({a0[11:23]}-{a1[11:23]} / {b0[11:23]}-{b1[11:23]}); pair 1 stopped before readiness")
PY
