#!/usr/bin/env bash
# Issue 24: the upgrade-path gate and upgrades of several hops, under ansible-core.
# 1. 6.5.0 -> 7.2.7 (7.2 needs 6.6.0): refused before anything changes, the minimum named,
#    in check mode too; a 4100 whose FXOS is below 7.2's minimum: refused, FXOS named.
# 2. 6.6.5 -> 7.0.6 -> 7.2.7 (ftd_upgrade_path): check mode plans both hops and changes
#    nothing; the whole run takes both hops, roles restored, each hop in the outcome.
# 3. The same stopped after its first hop (hop 2's checksum wrong), then resumed: it starts at
#    hop 2 and installs nothing twice.
# 4. The same stopped in the middle of hop 1 (only its precheck and standby stages ran), resumed.
set -euo pipefail
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1
work=$(mktemp -d -t ftd-path.XXXXXX)
trap 'for d in "$work"/*/; do scripts/sim-down.sh "$d" 2>/dev/null || true; done' EXIT
play() { # dir, log name, playbook args...
  local d=$1 log=$2; shift 2
  ansible-playbook -i "$d/inventory.yml" playbooks/upgrade_ha.yml -e "ftd_journal=$d/journal.jsonl" \
    -e "ftd_summary_file=$d/$log.json" "$@" > "$d/$log.log" 2>&1 && echo 0 > "$d/$log.rc" || echo $? > "$d/$log.rc"
}
scenario() { # name, sim args...: starts the sim and runs the scenario's plays, in the background
  local name=$1; shift
  scripts/sim-up.sh "$work/$name" --pairs 1 --time-scale 0.002 "$@" > /dev/null
}
two_hops=(--from 6.6.5-81 --to 7.0.6-236,7.2.7-500)
scenario low --from 6.5.0-115 --to 7.2.7-500
scenario fxos --model fp4100 --fxos "2.11.1 (build 154)" --from 7.0.6-236 --to 7.2.7-500
scenario hops "${two_hops[@]}"
scenario boundary "${two_hops[@]}"
scenario middle "${two_hops[@]}"
(play "$work/low" dry --check; play "$work/low" run) &
play "$work/fxos" run &
(play "$work/hops" dry --check --diff; play "$work/hops" run) &
# Hop 2's checksum wrong: its readiness check refuses the package, the pair stops at hop 2.
bad=$(python3 - "$work/boundary/inventory.yml" <<'PY'
import json, sys, yaml
path = yaml.safe_load(open(sys.argv[1]))["all"]["children"]["ftd"]["vars"]["ftd_upgrade_path"]
path[1]["checksum"] = "md5:" + "0" * 32
print(json.dumps({"ftd_upgrade_path": path}))
PY
)
(play "$work/boundary" first -e "$bad"; play "$work/boundary" resumed) &
(play "$work/middle" first --tags precheck,standby; play "$work/middle" resumed) &
wait
for d in "$work"/*/; do scripts/sim-down.sh "$d" > /dev/null 2>&1 || true; done
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def rc(name, log): return int(open(f"{work}/{name}/{log}.rc").read())
def text(name, log): return open(f"{work}/{name}/{log}.log").read()
def events(name, kind): return [json.loads(l) for l in open(f"{work}/{name}/events.jsonl") if l.strip() and json.loads(l).get("event") == kind]
def summary(name): return events(name, "summary")[-1]
def installs(name): return sorted((e["unit"], e.get("package", "")) for e in events(name, "install_start"))

for log in ("dry", "run"):
    assert rc("low", log) != 0, f"6.5.0 -> 7.2.7 was not refused ({log})"
    assert "7.2.7-500 needs at least 6.6.0 running, and the unit runs 6.5.0-115" in text("low", log), text("low", log)[-3000:]
assert not events("low", "readiness_start") and not events("low", "install_start"), "a unit was touched on a path that does not exist"
assert rc("fxos", "run") != 0 and "needs FXOS 2.12.0.31 or later" in text("fxos", "run"), text("fxos", "run")[-3000:]
assert "runs FXOS 2.11.1.154" in text("fxos", "run")
assert not events("fxos", "install_start")

assert rc("hops", "dry") == 0, text("hops", "dry")[-3000:]
dry = text("hops", "dry")
assert "hop to 7.0.6-236:" in dry and "hop 2 (7.0.6-236 -> 7.2.7-500):" in dry, "check mode did not plan both hops"
assert rc("hops", "run") == 0, text("hops", "run")[-3000:]
outcome = json.load(open(f"{work}/hops/run.json"))["pair1"]
for unit, line in outcome.items():
    assert "(hop 1 of 2, verified" in line and "7.0.6-236 -> 7.2.7-500" in line and "(hop 2 of 2, verified" in line, outcome
s = summary("hops")
assert s["installs_on_active"] == 0 and s["outage_ms"] == 0, s
assert sorted(s["versions"].values()) == ["7.2.7-500", "7.2.7-500"], s
assert len(events("hops", "install_start")) == 4, installs("hops")

assert rc("boundary", "first") != 0, "the bad hop 2 did not stop the pair"
first = json.load(open(f"{work}/boundary/first.json"))["pair1"]
assert all(l.startswith("upgraded: 6.6.5-81 -> 7.0.6-236") and "then stopped:" in l for l in first.values()), first
assert rc("boundary", "resumed") == 0, text("boundary", "resumed")[-3000:]
resumed = json.load(open(f"{work}/boundary/resumed.json"))["pair1"]
assert all(l.startswith("upgraded: 7.0.6-236 -> 7.2.7-500") and "(hop 2 of 2" in l for l in resumed.values()), resumed
assert len(events("boundary", "install_start")) == 4, f"a unit was installed twice: {installs('boundary')}"

assert rc("middle", "first") == 0, text("middle", "first")[-3000:]
assert rc("middle", "resumed") == 0, text("middle", "resumed")[-3000:]
assert len(events("middle", "install_start")) == 4, f"a unit was installed twice: {installs('middle')}"
s = summary("middle")
assert s["installs_on_active"] == 0 and s["outage_ms"] == 0, s
assert sorted(s["versions"].values()) == ["7.2.7-500", "7.2.7-500"], s
print("a path that does not exist refused before any change (minimum and FXOS named); two hops "
      "planned in check mode, taken in one run, resumed after hop 1 and in the middle of hop 1")
PY
