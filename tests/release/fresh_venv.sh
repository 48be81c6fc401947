#!/usr/bin/env bash
# The collection as an AWX job would get it: a fresh venv with ansible-core from PyPI, the
# tarball installed with ansible-galaxy and the wheel its requirements.txt names; nothing of
# the checkout on PATH, no ansible.cfg. The inventory is a shared one's: ansible_connection
# ssh for the firewalls, no password (the key is in ssh-agent, SSH_AUTH_SOCK), the become
# password as the sudo password, the known_hosts lines as a variable. The whole upgrade runs
# against ftd-sim, and the output shows each unit's install and reboot progress, with a line
# at least every ftd_progress_interval seconds; the job's artifacts (set_stats) hold the report.
set -euo pipefail
trap 'echo "fresh_venv.sh: failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/../.."
root=$PWD
work=$(mktemp -d -t ftd-fresh.XXXXXX)
agent_pid=
cleanup() {
  scripts/sim-down.sh "$work/sim" 2> /dev/null || true
  [ -z "$agent_pid" ] || kill "$agent_pid" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

version=$(sed -n 's/^version: *//p' collection/galaxy.yml)
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "$(grep '^ansible-core==' requirements.txt)"
(cd "$work" && env -i HOME="$HOME" PATH=/usr/bin:/bin LANG=C.UTF-8 ANSIBLE_COLLECTIONS_PATH="$work/collections" "$work/venv/bin/ansible-galaxy" collection install \
  --offline -p "$work/collections" "$root/build/ftd-ha_upgrade-$version.tar.gz" > /dev/null)
collection="$work/collections/ansible_collections/ftd/ha_upgrade"
# The wheel is not on PyPI: pip finds it in build/wheels, by the name and version pinned there.
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --find-links build/wheels -r "$collection/requirements.txt"

ssh-keygen -q -t ed25519 -N '' -C fresh-venv-test -f "$work/id_ed25519"
eval "$(ssh-agent -s -a "$work/agent.sock")" > /dev/null
agent_pid=$SSH_AGENT_PID
ssh-add -q "$work/id_ed25519" 2> /dev/null
rm "$work/id_ed25519"

scripts/sim-up.sh "$work/sim" --pairs 1 --time-scale 0.008 --package-server https \
  --authorized-keys "$work/id_ed25519.pub" > /dev/null
python3 - "$work/sim/inventory.yml" "$work/inventory.yml" <<'PY'
import sys, yaml
inventory = yaml.safe_load(open(sys.argv[1]))
group = inventory['all']['children']['ftd']
for host in group['hosts'].values():
    password = host.pop('ansible_password')
group['vars']['ansible_connection'] = 'ssh'
group['vars']['ansible_become_password'] = password
known_hosts = group['vars'].pop('ftd_known_hosts')
group['vars']['ftd_known_hosts_content'] = open(known_hosts).read()
yaml.safe_dump(inventory, open(sys.argv[2], 'w'))
PY

cd "$work"
status=0
env -i HOME="$HOME" PATH=/usr/bin:/bin LANG=C.UTF-8 SSH_AUTH_SOCK="$SSH_AUTH_SOCK" ANSIBLE_NOCOLOR=1 ANSIBLE_SHOW_CUSTOM_STATS=1 \
  ANSIBLE_COLLECTIONS_PATH="$work/collections" \
  "$work/venv/bin/ansible-playbook" -i inventory.yml ftd.ha_upgrade.upgrade_ha \
  -e "ftd_journal=$work/journal.jsonl" -e "ftd_report_html=$work/report.html" \
  -e "ftd_report_markdown=$work/report.md" -e ftd_progress_interval=2 2>&1 \
  | python3 -u -c 'import sys, time
for line in sys.stdin: sys.stdout.write("%.2f %s" % (time.monotonic(), line))' > output.log || status=$?
cd "$root"
if [ "$status" -ne 0 ] || ! grep -q "fw-1-a .*failed=0" "$work/output.log"; then
  tail -60 "$work/output.log"; exit 1
fi
python3 - "$work/output.log" "$work/sim/events.jsonl" <<'PY'
import json, re, sys
lines = [l.rstrip('\n').split(' ', 1) for l in open(sys.argv[1])]
for unit in ('fw-1-a', 'fw-1-b'):
    for stage in ('install', 'wait_reboot'):
        times = [float(t) for t, text in lines if re.match(r'%s \| %s \| ' % (unit, stage), text)]
        assert times, 'no progress line for %s %s' % (unit, stage)
        gaps = [b - a for a, b in zip(times, times[1:])]
        # a line at least every 2 s (ftd_progress_interval), with room for a loaded machine
        assert max(gaps or [0]) < 7, '%s %s: %.1f s without a progress line' % (unit, stage, max(gaps))
    assert any(re.match(r'%s \| install \| \d+%% \| Running script \S+' % unit, text) for _, text in lines), unit
    assert any(re.match(r'%s \| wait_reboot \| .*(Standby Ready|Active)' % unit, text) for _, text in lines), unit
# the job's artifacts (set_stats, what AWX keeps after the pod is gone) hold the report
stats = ''.join(text + '\n' for _, text in lines).split('CUSTOM STATS:')[-1]
assert 'ftd_upgrade_report' in stats and '7.2.7-500' in stats, stats[:2000]
logins = [json.loads(l) for l in open(sys.argv[2]) if '"login"' in l]
logins = [e for e in logins if e.get('event') == 'login']
assert logins and all(e['method'] == 'publickey' and e['accepted'] for e in logins), logins
print('fresh venv: upgrade done, progress shown, %d logins, all with the agent\'s key' % len(logins))
PY
