#!/usr/bin/env bash
# Issue 24: the seed's "Copy Upgrade Package" through the FMC, under ansible-core, against
# ftd-sim's FMC holding the package (the units start without it; --package-server fmc).
# 1. The whole upgrade: the FMC copies the package to both units in one task, each unit
#    confirms it whole (size and checksum), then the upgrade runs; a precheck run after it
#    sends no second copy.
# 2. The FMC without the package: the pair stops before anything runs on it, the FMC's list
#    named. 3. The copy task fails halfway: the pair stops before its readiness check.
set -euo pipefail
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1
work=$(mktemp -d -t ftd-fmc-copy.XXXXXX)
trap 'for d in "$work"/*/; do scripts/sim-down.sh "$d" 2>/dev/null || true; done' EXIT
play() { # name, log, playbook, args...
  local d="$work/$1" log=$2 book=$3; shift 3
  ansible-playbook -i "$d/inventory.yml" "playbooks/$book" -e "ftd_journal=$d/journal.jsonl" "$@" \
    > "$d/$log.log" 2>&1 && echo 0 > "$d/$log.rc" || echo $? > "$d/$log.rc"
}
for name in whole missing fails; do
  fault=()
  [ "$name" = missing ] && fault=(--fmc-fault package-missing)
  [ "$name" = fails ] && fault=(--fmc-fault push-fails)
  scripts/sim-up.sh "$work/$name" --pairs 1 --time-scale 0.002 --fmc --package-server fmc "${fault[@]}" > /dev/null
done
grep -q "ftd_package_source: fmc" "$work/whole/inventory.yml" || { echo "the sim's inventory does not stage through the FMC"; exit 1; }
(play whole run upgrade_ha.yml -v; play whole again precheck.yml) &
play missing run upgrade_ha.yml &
play fails run upgrade_ha.yml &
wait
for d in "$work"/*/; do scripts/sim-down.sh "$d" > /dev/null 2>&1 || true; done
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def rc(name, log): return int(open(f"{work}/{name}/{log}.rc").read())
def text(name, log): return open(f"{work}/{name}/{log}.log").read()
def events(name, kind): return [json.loads(l) for l in open(f"{work}/{name}/events.jsonl") if l.strip() and json.loads(l).get("event") == kind]
assert rc("whole", "run") == 0, text("whole", "run")[-4000:]
pushes = events("whole", "fmc_push")
assert len(pushes) == 1 and len(pushes[0]["targets"]) == 2, f"expected one copy to both units: {pushes}"
log = text("whole", "run")
assert "the FMC copied Cisco_FTD_Upgrade-7.2.7-500.sh to fw-1-a and fw-1-b" in log, log[-4000:]
assert log.count("checksum_verified: true") >= 2 and log.count("source: confirmed on the unit") >= 2, "the units did not confirm the copy"
s = events("whole", "summary")[-1]
assert s["installs_on_active"] == 0 and s["outage_ms"] == 0 and sorted(s["versions"].values()) == ["7.2.7-500", "7.2.7-500"], s
assert rc("whole", "again") == 0, text("whole", "again")[-3000:]
assert len(events("whole", "fmc_push")) == 1, "the precheck after the upgrade copied again"
assert rc("missing", "run") != 0
assert "the FMC has no upgrade package Cisco_FTD_Upgrade-7.2.7-500.sh (it has: none)" in text("missing", "run"), text("missing", "run")[-3000:]
assert not events("missing", "readiness_start") and not events("missing", "install_start")
assert rc("fails", "run") != 0 and "ended FAILED" in text("fails", "run"), text("fails", "run")[-3000:]
assert not events("fails", "readiness_start"), "a half-copied package went on to its readiness check"
print("the FMC copied the package to both units once, the units confirmed it, the upgrade ran; "
      "a package missing on the FMC and a failed copy stopped the pair before any check")
PY
