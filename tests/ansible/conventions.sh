#!/usr/bin/env bash
# The inventory conventions of Ansible and of cisco.asa / ansible.netcommon users, under real
# ansible (ad-hoc runs of the modules against ftd-sim):
#   - host-key checking from Ansible's own settings (ANSIBLE_HOST_KEY_CHECKING, ansible.cfg's
#     host_key_checking, ansible_host_key_checking), ftd_host_key_checking winning, on by default;
#   - the enable secret from ansible_become_method ansible.netcommon.enable +
#     ansible_become_password, the sudo password from the become password with sudo or from
#     ftd_sudo_password; a rejected password's message names the inventory variable;
#   - ansible_connect_timeout / ansible_command_timeout, the task's own value winning.
set -euo pipefail
trap 'echo "conventions.sh: failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1
unset ANSIBLE_HOST_KEY_CHECKING
work=$(mktemp -d -t ftd-conventions.XXXXXX)
trap 'scripts/sim-down.sh "$work/sim" 2> /dev/null || true; rm -rf "$work"' EXIT
sudo_pw='Sudo-Differs-81'; enable_pw='Enable-Secret-82'
# fw-1-a's sudo password is not its login password; every unit has an enable secret;
# fw-1-b's CLI answers every command 2.5 s late (for the command timeouts).
scripts/sim-up.sh "$work/sim" --pairs 1 --time-scale 0.002 --enable-password "$enable_pw" \
  --fault "1:primary:sudo-password=$sudo_pw" --fault "1:secondary:slow-cli=2500" > /dev/null
inv="$work/sim/inventory.yml"
: > "$work/empty_known_hosts"
# The same inventory with a known_hosts file that knows no unit.
sed -e "s|^        ftd_known_hosts: .*|        ftd_known_hosts: '$work/empty_known_hosts'|" "$inv" > "$work/unknown.yml"

adhoc() { # inventory, module, ansible args...: the result of $unit (fw-1-a), on one line
  local inventory=$1 module=$2; shift 2
  ansible "${unit:-fw-1-a}" -i "$inventory" -m "ftd.ha_upgrade.$module" "$@" 2>&1 | tee -a "$work/outputs.log" \
    | tr '\n' ' ' || true
}
expect() { # what, pattern, output
  grep -q -- "$2" <<< "$3" || { echo "$1: expected /$2/ in:"; cut -c1-600 <<< "$3"; exit 1; }
}

sudo=(-e "ftd_sudo_password=$sudo_pw")
# 1. Host keys: on by default, then off by each of Ansible's own settings; ftd_ wins over them.
out=$(adhoc "$work/unknown.yml" facts "${sudo[@]}")
expect "default: an unknown host key is refused" 'host key.*FAILED' "$out"
out=$(ANSIBLE_HOST_KEY_CHECKING=False adhoc "$work/unknown.yml" facts "${sudo[@]}")
expect "ANSIBLE_HOST_KEY_CHECKING=False" 'host key checking is off.*SUCCESS' "$out"
out=$(adhoc "$work/unknown.yml" facts "${sudo[@]}" -e ansible_host_key_checking=false)
expect "-e ansible_host_key_checking=false" 'host key checking is off.*SUCCESS' "$out"
{ cat ansible.cfg; echo "host_key_checking = False"; } > "$work/ansible.cfg"
sed -i "s|^collections_path = ./build|collections_path = $PWD/build|" "$work/ansible.cfg"
out=$(ANSIBLE_CONFIG="$work/ansible.cfg" adhoc "$work/unknown.yml" facts "${sudo[@]}")
expect "ansible.cfg host_key_checking = False" 'host key checking is off.*SUCCESS' "$out"
out=$(ANSIBLE_HOST_KEY_CHECKING=False adhoc "$work/unknown.yml" facts "${sudo[@]}" -e ftd_host_key_checking=true)
expect "ftd_host_key_checking wins over ANSIBLE_HOST_KEY_CHECKING" 'host key.*FAILED' "$out"
echo "host keys: checked by default; off by ANSIBLE_HOST_KEY_CHECKING, ansible.cfg, ansible_host_key_checking; ftd_host_key_checking wins"

# 2. Passwords by become method. The enable secret (LINA: evidence) from the become password.
enable_method=(-e ansible_become_method=ansible.netcommon.enable)
out=$(adhoc "$inv" evidence -a "phase=before" "${enable_method[@]}" -e "ansible_become_password=$enable_pw" \
  -e "ftd_sudo_password=$sudo_pw")
expect "enable method: the become password is the enable secret" 'SUCCESS' "$out"
out=$(adhoc "$inv" evidence -a "phase=before" "${enable_method[@]}" -e ansible_become_password=not-the-secret)
expect "a rejected enable secret names its variable" \
  "enable password was rejected.*Check the inventory variable ansible_become_password, the become password of method ansible.netcommon.enable (the module's enable_password).*FAILED" "$out"
# ... and with the enable method, the sudo password is not the become password.
out=$(adhoc "$inv" lock -a "state=present lock_owner=conventions" "${enable_method[@]}" \
  -e "ansible_become_password=$enable_pw" -e "ftd_sudo_password=$sudo_pw")
expect "enable method + ftd_sudo_password: the root shell" 'SUCCESS\|CHANGED' "$out"
adhoc "$inv" lock -a "state=absent lock_owner=conventions" -e "ftd_sudo_password=$sudo_pw" > /dev/null
# sudo (Ansible's default method): the become password is sudo's.
out=$(adhoc "$inv" lock -a "state=present lock_owner=conventions" -e ansible_become_method=sudo \
  -e "ansible_become_password=$sudo_pw")
expect "sudo method: the become password is sudo's" 'SUCCESS\|CHANGED' "$out"
adhoc "$inv" lock -a "state=absent lock_owner=conventions" -e "ftd_sudo_password=$sudo_pw" > /dev/null
out=$(adhoc "$inv" lock -a "state=present lock_owner=conventions" -e ansible_become_password=not-sudo)
expect "a rejected sudo password names its variable" \
  "sudo password was rejected.*Check the inventory variable ansible_become_password, the become password of method sudo (the module's sudo_password).*FAILED" "$out"
out=$(adhoc "$inv" lock -a "state=present lock_owner=conventions" -e ftd_sudo_password=not-sudo)
expect "a rejected ftd_sudo_password names it" "Check the inventory variable ftd_sudo_password (the module's sudo_password).*FAILED" "$out"
for secret in "$sudo_pw" "$enable_pw" not-the-secret not-sudo; do
  ! grep -q -- "$secret" "$work/outputs.log" || { echo "a password is in Ansible's output"; exit 1; }
done
echo "passwords: enable secret from the enable become method, sudo's from sudo or ftd_sudo_password; rejections name the variable"

# 3. Timeouts from ansible_connect_timeout / ansible_command_timeout; the task's own value wins.
# A port that accepts connections and never says a word of SSH: only the connect timeout
# ends the wait (the default, 30 s, is not what this run waits).
python3 - "$work/silent.port" <<'PY' &
import socket, sys
server = socket.socket()
server.bind(('127.0.0.1', 0))
server.listen(8)
open(sys.argv[1], 'w').write(str(server.getsockname()[1]))
held = []
while True:
    held.append(server.accept())
PY
silent_pid=$!
trap 'kill $silent_pid 2> /dev/null || true; scripts/sim-down.sh "$work/sim" 2> /dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do [ -s "$work/silent.port" ] && break; sleep 0.1; done
out=$(adhoc "$inv" facts "${sudo[@]}" -e "ansible_port=$(cat "$work/silent.port")" -e ansible_connect_timeout=1)
expect "ansible_connect_timeout" 'no SSH answer within 1s.*FAILED' "$out"
# fw-1-b answers 2.5 s late: a command timeout of 1 s ends the wait, the task's 60 s does not.
out=$(unit=fw-1-b adhoc "$inv" facts -e ansible_command_timeout=1)
expect "ansible_command_timeout" 'timed out after 1s waiting for the prompt after.*FAILED' "$out"
out=$(unit=fw-1-b adhoc "$inv" facts -a "command_timeout=60" -e ansible_command_timeout=1)
expect "the task's command_timeout wins" 'SUCCESS' "$out"
echo "timeouts: ansible_connect_timeout and ansible_command_timeout apply, the task's own value wins"
