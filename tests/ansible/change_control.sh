#!/usr/bin/env bash
# Change control (issue 13): a whole-playbook dry run (--check --diff) that changes nothing and
# reads as the plan; a change split into windows by tags (precheck, standby, then
# active,restore,verify), each resuming from the devices' state, and a tag run out of order
# refused; a window too short to finish an upgrade refused before the install starts.
set -euo pipefail
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_CALLBACK_RESULT_FORMAT=json
work=$(mktemp -d -t ftd-change.XXXXXX)
sims=()
trap 'for s in "${sims[@]}"; do scripts/sim-down.sh "$s" 2> /dev/null || true; done' EXIT
fail() { echo "FAILED: $*"; exit 1; }
sim() { # name, ftd-sim options...: a fresh one-pair sim
  local name=$1; shift
  scripts/sim-up.sh "$work/$name" --pairs 1 --time-scale 0.002 "$@" > /dev/null
  sims+=("$work/$name")
}
play() { # sim, log, extra args...: the upgrade playbook; its status in $work/<log>.rc
  local s=$1 log=$2; shift 2
  local rc=0
  ansible-playbook -i "$work/$s/inventory.yml" playbooks/upgrade_ha.yml \
    -e "ftd_journal=$work/$s/journal.jsonl" "$@" > "$work/$log.log" 2>&1 || rc=$?
  echo "$rc" > "$work/$log.rc"
}
events() { grep -c "\"event\":\"$2\"" "$work/$1/events.jsonl" || true; }
typed() { grep '"event":"command"' "$work/$1/events.jsonl" | grep -c -- "$2" || true; }

# 1. The dry run: exit 0, nothing changed on the device, the plan and the diff in the output.
sim dry
play dry dry --check --diff
[ "$(cat "$work/dry.rc")" = 0 ] || { tail -40 "$work/dry.log"; fail "check mode exited $(cat "$work/dry.rc")"; }
for changing in "install_update.pl --detach" "mkdir /ngfw/var/log/ftd_ha_upgrade.lock" "failover active" "mv " "echo 'owner="; do
  [ "$(typed dry "$changing")" = 0 ] || fail "check mode typed a changing command: $changing"
done
[ "$(events dry install_start)" = 0 ] && [ "$(events dry readiness_start)" = 0 ] || fail "check mode started the installer"
grep -q '1. install fw-1-b: readiness check, install 7.2.2-54 -> 7.2.7-500' "$work/dry.log" || fail "no plan in the output"
grep -q "2. failover_active fw-1-b" "$work/dry.log" && grep -q "4. failover_active fw-1-a" "$work/dry.log" || fail "the plan misses the swaps"
grep -q '^+ *"version": "7.2.7-500"' "$work/dry.log" || fail "--diff does not show the versions"
grep -q "would run the readiness check for Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar: the package is on the unit with the published checksum, .* GiB free on /ngfw" "$work/dry.log" \
  || fail "check mode does not say what readiness checks"
echo "ok: check mode: exit 0, no changing command, plan and diff shown"

# 2. Windows: active out of order is refused; precheck, standby, then the rest.
sim tags
play tags early --tags active
[ "$(cat "$work/early.rc")" != 0 ] || fail "--tags active before the standby stage passed"
grep -q "\[order\]: pair pair1: the other unit is not upgraded and carrying the traffic yet" "$work/early.log" || fail "no order refusal"
[ "$(events tags install_start)" = 0 ] || fail "an out-of-order run installed"
play tags pre --tags precheck
[ "$(cat "$work/pre.rc")" = 0 ] || { tail -30 "$work/pre.log"; fail "--tags precheck failed"; }
[ "$(events tags readiness_start)" = 2 ] && [ "$(events tags install_start)" = 0 ] || fail "precheck did not run exactly the readiness checks"
play tags standby --tags standby
[ "$(cat "$work/standby.rc")" = 0 ] || { tail -30 "$work/standby.log"; fail "--tags standby failed"; }
grep -q '"event":"install_start".*"unit":"fw-1-b"' "$work/tags/events.jsonl" || fail "the standby was not upgraded"
[ "$(events tags install_start)" = 1 ] && [ "$(events tags failover)" = 1 ] || fail "the standby window did more than one unit and its swap"
play tags rest --tags active,restore,verify
[ "$(cat "$work/rest.rc")" = 0 ] || { tail -30 "$work/rest.log"; fail "--tags active,restore,verify failed"; }
[ "$(events tags install_start)" = 2 ] && [ "$(events tags failover)" = 2 ] || fail "the second window did not upgrade the other unit and restore the roles"
[ "$(events tags readiness_start)" = 2 ] || fail "a window repeated the readiness check"
grep -q "upgraded: 7.2.7-500 -> 7.2.7-500, Active" "$work/rest.log" || grep -q "fw-1-a.*upgraded" "$work/rest.log" || fail "verify did not pass"
echo "ok: windows: out of order refused; precheck, standby, active+restore+verify resumed from the devices"

# 3. A window too short: nothing is installed, the pair stays as it is.
sim short
play short short -e ftd_window_end=0
[ "$(cat "$work/short.rc")" != 0 ] || fail "a window of 0 minutes passed"
grep -q "fw-1-b \[install\]: refused: the maintenance window ends at" "$work/short.log" || fail "no window refusal"
[ "$(events short install_start)" = 0 ] || fail "an install started after the window"
echo "ok: a window too short refuses the install"

# 4. Evidence: an interface that stays down after the upgrade fails verify, named, and the
#    report shows the before/after table with the raw captures.
sim down --fault 1:secondary:interface-down=inside
play down down -e "ftd_report_markdown=$work/report.md" -e "ftd_report_html=$work/report.html"
[ "$(cat "$work/down.rc")" != 0 ] || fail "an interface down after the upgrade passed"
grep -q "fw-1-b \[verify\]: .*evidence (interface GigabitEthernet0/1 went from up/up to down/down" "$work/down.log" \
  || { grep -n "verify" "$work/down.log" | tail -5; fail "verify did not name the interface"; }
grep -q "| fw-1-b | interface GigabitEthernet0/1 | up/up | down/down \*\*(broken)\*\* |" "$work/report.md" || fail "the report lacks the broken interface"
grep -q "<summary>fw-1-a before: show conn count</summary>" "$work/report.html" || fail "the report lacks the raw captures"
echo "ok: an interface down after the upgrade fails verify and shows in the report"

# 5. A change split in two windows on a pair whose Secondary was Active: the second window
#    restores the unit ftd_restore_active names.
sim sec --fault "1:primary:initial-state=Standby Ready" --fault 1:secondary:initial-state=Active
play sec sec1 --tags precheck,standby
[ "$(cat "$work/sec1.rc")" = 0 ] || { tail -30 "$work/sec1.log"; fail "first window failed"; }
play sec sec2 --tags active,restore,verify -e ftd_restore_active=fw-1-b
[ "$(cat "$work/sec2.rc")" = 0 ] || { tail -30 "$work/sec2.log"; fail "second window failed"; }
grep -q '"fw-1-b": "upgraded: .* -> 7.2.7-500, Active"' "$work/sec2.log" \
  || { grep -n "upgraded" "$work/sec2.log" | tail -3; fail "the Secondary was not left Active"; }
echo "ok: a split change leaves the unit named by ftd_restore_active Active"
