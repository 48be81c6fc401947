#!/usr/bin/env bash
# No password anywhere: the whole upgrade at -vvv for real and in check mode, and a run with
# a wrong password, against ftd-sim; then every file produced (Ansible's output, the modules'
# results as Ansible printed them, the journal, the sim's events and log) is searched for the
# login, sudo and enable passwords.
set -euo pipefail
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1
login='Login-S3cret-71'; enable='Enable-S3cret-72'; wrong='Wrong-S3cret-73'
work=$(mktemp -d -t ftd-secrets.XXXXXX)
trap 'scripts/sim-down.sh "$work/sim"' EXIT
scripts/sim-up.sh "$work/sim" --pairs 1 --time-scale 0.002 --password "$login" --enable-password "$enable" > /dev/null

run() { # name, extra args...
  local name=$1; shift
  ansible-playbook -vvv -i "$work/sim/inventory.yml" -e "ftd_journal=$work/journal.jsonl" \
    -e "{\"ftd_enable_password\": \"$enable\"}" "$@" > "$work/$name.log" 2>&1 || true
}
# A presigned URL's query (its signature) is a secret too, at -vvv, in the result and the journal.
signature='X-Amz-Signature=Presigned-S3cret-74'
ansible fw-1-b -vvv -i "$work/sim/inventory.yml" -m ftd.ha_upgrade.stage \
  -a "url=http://127.0.0.1:9/Cisco_FTD_Upgrade-7.2.7-500.sh.REL.tar?X-Amz-Credential=AKIA&$signature journal=$work/journal.jsonl" \
  > "$work/presigned.log" 2>&1 || true
grep -q 'REL.tar?\*\*\*\*\*\*\*\*' "$work/presigned.log" || { echo "the presigned URL was not shown masked"; tail -20 "$work/presigned.log"; exit 1; }
run check playbooks/upgrade_ha.yml --check
run real playbooks/upgrade_ha.yml
run wrong playbooks/upgrade_ha.yml -e "ansible_password=$wrong"

grep -q "changed=" "$work/real.log" || { echo "the real run did not run"; tail -20 "$work/real.log"; exit 1; }
grep -q "authentication failed" "$work/wrong.log" || { echo "the wrong-password run did not fail on auth"; exit 1; }
leaks=0
leak() { # secret, grep options...: every file of the run but the inputs holds no secret
  # The inventory and the extra-vars are the inputs; everything else is output.
  local secret=$1; shift
  if grep -rl --exclude=inventory.yml "$@" -- "$secret" "$work" > "$work/hits" 2>/dev/null; then
    leaks=1; echo "LEAK of a secret in:"; cat "$work/hits"
    grep -rn --exclude=inventory.yml "$@" -- "$secret" "$work" | cut -c1-300 | head -5 || true
  fi
}
for secret in "$login" "$enable" "$wrong"; do leak "$secret"; done
# The unit itself gets the presigned URL on wget's command line (it is what it fetches): the
# sim's record of the unit's commands is the device's side; the controller shows it nowhere.
leak "$signature" --exclude=events.jsonl
[ "$leaks" -eq 0 ] && echo "no password found in $(find "$work" -type f | wc -l) files ($(du -sh "$work" | cut -f1))"
exit "$leaks"
