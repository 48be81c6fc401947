#!/usr/bin/env bash
# Interop with a real SSH server: Debian's OpenSSH sshd on 127.0.0.1 (own config and ports,
# password and keyboard-interactive auth through PAM), whose login shell is `ftd-sim --stdio`.
# Needs root (a local user, sshd) and openssh-server; .ci/run installs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1
[ -x /usr/sbin/sshd ] || { echo "openssh-server is not installed"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "needs root to create the login user and run sshd"; exit 1; }
work=$(mktemp -d -t ftd-openssh.XXXXXX)
chmod 755 "$work"
password="Interop-Pass-$RANDOM"
lib=/usr/local/lib/ftd-ha-upgrade-test
mkdir -p "$lib" /run/sshd
install -m 0755 target/release/ftd-sim "$lib/ftd-sim"
cat > "$lib/ftd-sim-shell" <<SHELL
#!/bin/sh
exec $lib/ftd-sim --stdio primary --time-scale 0.002 --password '$password'
SHELL
chmod 0755 "$lib/ftd-sim-shell"
id ftdsim > /dev/null 2>&1 || useradd -m -s "$lib/ftd-sim-shell" ftdsim
usermod -s "$lib/ftd-sim-shell" ftdsim 2> /dev/null || true
echo "ftdsim:$password" | chpasswd
ssh-keygen -q -t ed25519 -N '' -f "$work/host_ed25519"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start_sshd() { # port, password-auth yes/no
  cat > "$work/sshd_$1" <<CONF
Port $1
ListenAddress 127.0.0.1
HostKey $work/host_ed25519
PidFile $work/sshd_$1.pid
PasswordAuthentication $2
KbdInteractiveAuthentication yes
UsePAM yes
PermitRootLogin no
AllowUsers ftdsim
StrictModes no
PrintMotd no
PrintLastLog no
Subsystem sftp internal-sftp
CONF
  /usr/sbin/sshd -f "$work/sshd_$1" -E "$work/sshd_$1.log"
}
port=$(free_port); kbd_port=$(free_port)
start_sshd "$port" yes
start_sshd "$kbd_port" no
trap 'kill $(cat "$work"/sshd_*.pid 2>/dev/null) 2>/dev/null || true' EXIT
{ echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$work/host_ed25519.pub")"
  echo "[127.0.0.1]:$kbd_port $(cut -d' ' -f1,2 "$work/host_ed25519.pub")"; } > "$work/known_hosts"
for _ in $(seq 1 50); do
  python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $kbd_port), 0.2)" 2>/dev/null && break
  sleep 0.1
done
ansible-playbook tests/ansible/openssh.yml -e "sshd_port=$port" -e "sshd_kbd_port=$kbd_port" \
  -e "sshd_known_hosts=$work/known_hosts" -e "{\"sshd_password\": \"$password\"}" > "$work/play.log" 2>&1 \
  || { tail -40 "$work/play.log"; tail -n 20 "$work"/sshd_*.log; exit 1; }
grep -q "Accepted password for ftdsim" "$work/sshd_$port.log" || { echo "sshd did not log a password login"; exit 1; }
grep -q "Accepted keyboard-interactive/pam for ftdsim" "$work/sshd_$kbd_port.log" || { echo "no keyboard-interactive login"; cat "$work/sshd_$kbd_port.log"; exit 1; }

# Staging over scp from a real OpenSSH server: a sim unit without the package downloads it
# with its scp (SSH, then SFTP, as OpenSSH 9's scp does) from the sshd above, the server's
# host key pinned; a wrong key is refused before any byte moves.
scripts/sim-up.sh "$work/sim" --pairs 1 --time-scale 0.002 --package-server http --package-size 4194304 > /dev/null
trap 'scripts/sim-down.sh "$work/sim"; kill $(cat "$work"/sshd_*.pid 2>/dev/null) 2>/dev/null || true' EXIT
inv="$work/sim/inventory.yml"
pkg=$(awk '/ftd_package:/ {print $2}' "$inv")
url=$(awk '/ftd_package_url:/ {print $2}' "$inv" | tr -d "'")
sum=$(awk '/ftd_package_checksum:/ {print $2}' "$inv")
home=$(getent passwd ftdsim | cut -d: -f6)
curl -sS -o "$home/$pkg" "$url"
chmod 644 "$home/$pkg"
key="[127.0.0.1]:$port $(cut -d' ' -f1,2 "$work/host_ed25519.pub")"
wrong="[127.0.0.1]:$port $(ssh-keygen -q -t ed25519 -N '' -f "$work/other" <<< y > /dev/null; cut -d' ' -f1,2 "$work/other.pub")"
stage() { # host key line; prints the module's JSON result
  python3 - "$inv" "$1" "$port" "$pkg" "$sum" "$password" <<'PY' > "$work/stage-args.json"
import json, sys, yaml
inv, key, port, pkg, checksum, password = sys.argv[1:]
hosts = yaml.safe_load(open(inv))["all"]["children"]["ftd"]
unit = hosts["hosts"]["fw-1-b"]
print(json.dumps({"host": "127.0.0.1", "port": unit["ansible_port"], "password": unit["ansible_password"],
  "known_hosts": hosts["vars"]["ftd_known_hosts"], "unit": "fw-1-b", "journal": "", "checksum": checksum,
  "url": f"scp://ftdsim@127.0.0.1:{port}/{pkg}", "url_password": password, "url_host_key": key,
  "size": 4194304, "poll_interval": 0.2}))
PY
  .venv/bin/ftd-ha-upgrade-stage "$work/stage-args.json" || true
}
refused=$(stage "$wrong")
grep -q '"failed":true' <<< "$refused" && grep -q 'Host key verification failed' <<< "$refused" \
  || { echo "a wrong scp host key was not refused: $refused"; exit 1; }
staged=$(stage "$key")
grep -q '"changed":true' <<< "$staged" && grep -q '"checksum_verified":true' <<< "$staged" \
  || { echo "staging over scp from OpenSSH failed: $staged"; tail -n 20 "$work/sshd_$port.log"; exit 1; }
! grep -q "$password" <<< "$refused$staged" || { echo "the scp password leaked"; exit 1; }
grep -q "Accepted password for ftdsim" "$work/sshd_$port.log"
echo "staging over scp from OpenSSH $(/usr/sbin/sshd -V 2>&1 | head -1 | cut -d, -f1): wrong host key refused, package verified"
echo "facts, evidence (LINA), lock (root shell) and verify worked through OpenSSH $(/usr/sbin/sshd -V 2>&1 | head -1 | cut -d, -f1) (password and keyboard-interactive)"
