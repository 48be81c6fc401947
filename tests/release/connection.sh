#!/usr/bin/env bash
# A shared inventory that sets ansible_connection for the firewalls (what the cisco.asa
# modules need: ansible.netcommon.network_cli) must not change how the plays run: the whole
# upgrade against ftd-sim succeeds, and no SSH session other than the modules' own is opened.
set -euo pipefail
trap 'echo "connection.sh: failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1
work=$(mktemp -d -t ftd-connection.XXXXXX)
trap 'scripts/sim-down.sh "$work/sim" 2> /dev/null || true; rm -rf "$work"' EXIT
scripts/sim-up.sh "$work/sim" --pairs 1 --time-scale 0.008 > /dev/null
sed -e 's/^        ansible_connection: local$/        ansible_connection: ansible.netcommon.network_cli\n        ansible_network_os: cisco.asa.asa/' \
  "$work/sim/inventory.yml" > "$work/inventory.yml"
grep -q "network_cli" "$work/inventory.yml"
ansible-playbook -i "$work/inventory.yml" playbooks/upgrade_ha.yml -e "ftd_journal=$work/journal.jsonl" \
  -e "ftd_report_html=$work/report.html" -e "ftd_report_markdown=$work/report.md" \
  -e "ftd_summary_file=$work/summary.json" > "$work/out.log" 2>&1 || { tail -40 "$work/out.log"; exit 1; }
grep -q "fw-1-a .*unreachable=0 *failed=0" "$work/out.log"
grep -q '"upgraded' "$work/summary.json"
# Every login the sim saw came from the modules (russh), none from a connection plugin.
python3 - "$work/sim/events.jsonl" <<'PY'
import json, sys
logins = [e for e in map(json.loads, open(sys.argv[1])) if e.get('event') == 'login']
assert logins and all(e['accepted'] for e in logins), [e for e in logins if not e['accepted']]
print('network_cli inventory: upgrade done, %d logins, all accepted' % len(logins))
PY
