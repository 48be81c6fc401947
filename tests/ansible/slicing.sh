#!/usr/bin/env bash
# AWX job slicing (or --limit) can put the two units of a pair in different runs: the playbook
# must refuse such a pair before anything runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1
work=$(mktemp -d -t ftd-slicing.XXXXXX)
trap 'scripts/sim-down.sh "$work/sim"' EXIT
scripts/sim-up.sh "$work/sim" --pairs 2 --time-scale 0.002 > /dev/null
status=0
ansible-playbook -i "$work/sim/inventory.yml" playbooks/upgrade_ha.yml --limit 'fw-1-a,fw-2-a,fw-2-b' \
  -e "ftd_journal=$work/journal.jsonl" > "$work/play.log" 2>&1 || status=$?
grep -q "fw-1-a \[precheck\]: pair pair1 is not whole in this run" "$work/play.log" \
  || { echo "no refusal of the split pair"; tail -30 "$work/play.log"; exit 1; }
grep -q "slice by pair" "$work/play.log" || { echo "the message does not say how to slice"; exit 1; }
[ "$status" -ne 0 ] || { echo "the play did not fail"; exit 1; }
if grep -q '"event":"install_start".*"unit":"fw-1-' "$work/sim/events.jsonl" \
   || grep -q '"event":"readiness_start".*"unit":"fw-1-' "$work/sim/events.jsonl"; then
  echo "the split pair was touched"; exit 1
fi
grep -q '"event":"install_start".*"unit":"fw-2-b"' "$work/sim/events.jsonl" \
  || { echo "the whole pair in the run was not upgraded"; exit 1; }
echo "split pair refused before anything ran; the whole pair was upgraded"
