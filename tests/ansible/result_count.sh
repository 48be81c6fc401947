#!/usr/bin/env bash
# What a fleet costs the controller grows with the task results per unit (ansible-core's
# work per host and task). A whole happy upgrade of two pairs must stay within 28 results per
# unit (bench/RESULTS.md 4c), counted by tests/ansible/callback/count_results.py (run_once results apart: they do
# not grow with the fleet), and must end with both pairs upgraded.
set -euo pipefail
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1
work=$(mktemp -d -t ftd-results.XXXXXX)
trap 'scripts/sim-down.sh "$work/sim"' EXIT
scripts/sim-up.sh "$work/sim" --pairs 2 --time-scale 0.002 > /dev/null
FTD_RESULT_COUNT_FILE="$work/count.json" ANSIBLE_CALLBACK_PLUGINS="$PWD/tests/ansible/callback" \
  ANSIBLE_CALLBACKS_ENABLED=count_results \
  ansible-playbook -i "$work/sim/inventory.yml" playbooks/upgrade_ha.yml \
  -e "ftd_journal=$work/journal.jsonl" -e "ftd_summary_file=$work/outcome.json" > "$work/play.log" 2>&1 \
  || { echo "the upgrade failed"; tail -40 "$work/play.log"; exit 1; }
python3 - "$work/count.json" "$work/outcome.json" <<'PY'
import json, sys
counts = json.load(open(sys.argv[1]))
outcome = json.load(open(sys.argv[2]))
upgraded = [u for pair in outcome.values() for u, m in pair.items() if m.startswith("upgraded:")]
assert len(upgraded) == 4, f"not every unit was upgraded: {outcome}"
hosts = counts["hosts"]
assert len(hosts) == 4, f"results for {sorted(hosts)}"
worst = max(hosts.values())
print(f"task results per unit: {dict(sorted(hosts.items()))}, run once: {counts['once']}")
assert worst <= 28, f"{worst} task results for one unit (at most 28)"
PY
