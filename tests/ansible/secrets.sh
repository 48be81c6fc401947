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
run check playbooks/upgrade_ha.yml --check
run real playbooks/upgrade_ha.yml
run wrong playbooks/upgrade_ha.yml -e "ansible_password=$wrong"

grep -q "changed=" "$work/real.log" || { echo "the real run did not run"; tail -20 "$work/real.log"; exit 1; }
grep -q "authentication failed" "$work/wrong.log" || { echo "the wrong-password run did not fail on auth"; exit 1; }
leaks=0
for secret in "$login" "$enable" "$wrong"; do
  # The inventory and the extra-vars are the inputs; everything else is output.
  if grep -rl --exclude=inventory.yml -- "$secret" "$work" > "$work/hits" 2>/dev/null; then
    leaks=1; echo "LEAK of a password in:"; cat "$work/hits"
    grep -rn --exclude=inventory.yml -- "$secret" "$work" | cut -c1-300 | head -5 || true
  fi
done
[ "$leaks" -eq 0 ] && echo "no password found in $(find "$work" -type f | wc -l) files ($(du -sh "$work" | cut -f1))"
exit "$leaks"
