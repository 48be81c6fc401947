#!/usr/bin/env bash
# A run cancelled in the middle of an install leaves no secret on disk: ansible-playbook gets
# SIGTERM (its whole process group, as an AWX job cancel does), once with Ctrl-C's SIGINT
# first; afterwards nothing under the run's temporary folders (TMPDIR, Ansible's local temp)
# holds a password, and no argument file of a module is left.
set -euo pipefail
trap 'echo "cancel.sh: failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1
work=$(mktemp -d -t ftd-cancel.XXXXXX)
trap 'scripts/sim-down.sh "$work/sim" 2> /dev/null || true; rm -rf "$work"' EXIT
password="Cancel-S3cret-$RANDOM$RANDOM"
# Slow enough that the install is still running when the run is cancelled.
scripts/sim-up.sh "$work/sim" --pairs 1 --time-scale 0.01 --password "$password" > /dev/null

cancel() { # name, signals...: run the upgrade, cancel it once the standby installs
  local name=$1; shift
  local tmp="$work/tmp-$name"
  mkdir -p "$tmp/local"
  : > "$work/journal-$name.jsonl"
  TMPDIR="$tmp" ANSIBLE_LOCAL_TEMP="$tmp/local" setsid ansible-playbook -i "$work/sim/inventory.yml" \
    playbooks/upgrade_ha.yml -e "ftd_journal=$work/journal-$name.jsonl" -e "ftd_lock_owner=cancel-test" \
    > "$work/$name.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 600); do
    grep -q '"stage":"install".*"percent":[1-9]' "$work/journal-$name.jsonl" 2> /dev/null && break
    kill -0 "$pid" 2> /dev/null || { echo "$name: the run ended before the install"; tail -30 "$work/$name.log"; exit 1; }
    sleep 0.1
  done
  grep -q '"stage":"install".*"percent":[1-9]' "$work/journal-$name.jsonl" || { echo "$name: no install progress"; exit 1; }
  for signal in "$@"; do
    kill "-$signal" -- "-$pid" 2> /dev/null || true
    sleep 0.5
  done
  for _ in $(seq 1 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  if grep -rl -- "$password" "$tmp" > "$work/hits-$name" 2> /dev/null; then
    echo "$name: a password was left on disk in:"; cat "$work/hits-$name"; exit 1
  fi
  if find "$tmp" -name 'ftd-ha-upgrade-*' | grep -q .; then
    echo "$name: a module's argument folder was left:"; find "$tmp" -name 'ftd-ha-upgrade-*'; exit 1
  fi
  echo "$name: cancelled mid-install ($(grep -c '"stage":"install"' "$work/journal-$name.jsonl") install lines), nothing left in $tmp"
}
cancel sigterm TERM
# The unit reboots into the new version meanwhile; the second run cancels the other unit's
# install (or whatever stage it reaches) after Ctrl-C.
cancel sigint INT TERM
