#!/usr/bin/env bash
# Units reachable only through a jump host, as most sites reach their management networks:
# Debian's OpenSSH sshd on 127.0.0.1 is the bastion (public-key login, TCP forwarding), ftd-sim
# the pair behind it.
#   1. The whole upgrade with `-o ProxyJump=user@bastion:port` in ansible_ssh_common_args, the
#      bastion's key in ssh-agent, the package pushed from the controller over SFTP: every unit
#      session (the SFTP one too) went through the bastion's direct-tcpip channels.
#   2. ftd_jump_host / _port / _user / _private_key_file instead: the same path.
#   3. A bastion whose host key is not the one in known_hosts is refused before any login to
#      a unit.
# Needs root (a local user for the bastion, sshd) and openssh-server; .ci/run installs it.
set -euo pipefail
trap 'echo "jump_host.sh: failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1
[ -x /usr/sbin/sshd ] || { echo "openssh-server is not installed"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "needs root to create the bastion's user and run sshd"; exit 1; }
work=$(mktemp -d -t ftd-jump.XXXXXX)
chmod 755 "$work"
agent_pid=
cleanup() {
  scripts/sim-down.sh "$work/sim" 2> /dev/null || true
  kill "$(cat "$work/sshd.pid" 2> /dev/null)" 2> /dev/null || true
  [ -z "$agent_pid" ] || kill "$agent_pid" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The bastion: a user that may only log in with a key and forward TCP.
id ftdjump > /dev/null 2>&1 || useradd -M -s /usr/sbin/nologin ftdjump
usermod -p '*' ftdjump   # no password, not locked: key login only
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -C bastion-host -f "$work/bastion_host"
ssh-keygen -q -t ed25519 -N '' -C jump-user -f "$work/jump_key"
cp "$work/jump_key.pub" "$work/authorized_keys"
chmod 644 "$work/authorized_keys"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $work/bastion_host
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowUsers ftdjump
AllowTcpForwarding yes
PermitOpen any
StrictModes no
LogLevel DEBUG1
CONF
/usr/sbin/sshd -f "$work/sshd_config" -E "$work/sshd.log"
for _ in $(seq 1 50); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2> /dev/null && break
  sleep 0.1
done

# The pair behind it; its package is on the controller, pushed over SFTP by stage.
scripts/sim-up.sh "$work/sim" --pairs 1 --time-scale 0.005 --package-server http --package-size 2097152 > /dev/null
inv="$work/sim/inventory.yml"
url=$(awk '/ftd_package_url:/ {print $2}' "$inv" | tr -d "'")
curl -sS -o "$work/package.tar" "$url"
bastion_key="[127.0.0.1]:$port $(cut -d' ' -f1,2 "$work/bastion_host.pub")"
echo "$bastion_key" >> "$work/sim/known_hosts"
python3 - "$inv" "$work" "$port" <<'PY'
import sys, yaml
inv, work, port = sys.argv[1:]
inventory = yaml.safe_load(open(inv))
group = inventory['all']['children']['ftd']['vars']
group.pop('ftd_package_url')
group['ftd_package_src'] = work + '/package.tar'
proxy = dict(group, ansible_ssh_common_args='-o StrictHostKeyChecking=yes -o ProxyJump=ftdjump@127.0.0.1:%s' % port)
yaml.safe_dump(dict(all=dict(children=dict(ftd=dict(inventory['all']['children']['ftd'], vars=proxy)))),
               open(work + '/proxyjump.yml', 'w'))
explicit = dict(group, ftd_jump_host='127.0.0.1', ftd_jump_port=int(port), ftd_jump_user='ftdjump',
                ftd_jump_private_key_file=work + '/jump_key')
yaml.safe_dump(dict(all=dict(children=dict(ftd=dict(inventory['all']['children']['ftd'], vars=explicit)))),
               open(work + '/explicit.yml', 'w'))
PY

logins() { grep '"event":"login"' "$work/sim/events.jsonl" | grep -c '"accepted":true' || true; }
forwarded() { grep -c 'server_request_direct_tcpip: originator .* target 127.0.0.1 port' "$work/sshd.log" || true; }

# 1. ProxyJump, the bastion's key in ssh-agent.
eval "$(ssh-agent -s -a "$work/agent.sock")" > /dev/null
agent_pid=$SSH_AGENT_PID
ssh-add -q "$work/jump_key" 2> /dev/null
ansible-playbook -i "$work/proxyjump.yml" playbooks/upgrade_ha.yml -e "ftd_journal=$work/journal.jsonl" \
  -e "ftd_report_html=$work/report.html" -e "ftd_report_markdown=$work/report.md" \
  -e "ftd_summary_file=$work/outcome.json" > "$work/proxyjump.log" 2>&1 || { tail -40 "$work/proxyjump.log"; exit 1; }
grep -q '"upgraded: 7.2.2-54 -> 7.2.7-500' "$work/outcome.json" || { cat "$work/outcome.json"; exit 1; }
grep -q "fw-1-b | stage |" "$work/proxyjump.log" || { echo "no staging progress"; exit 1; }
grep -q "Accepted publickey for ftdjump" "$work/sshd.log"
through=$(forwarded); direct=$(logins)
# Every session a unit accepted came through the bastion (the reconnects while a unit reboots
# are forwarded too, and refused by the unit, so there are more forwards than logins).
[ "$through" -ge "$direct" ] && [ "$direct" -gt 0 ] || { echo "$direct unit logins, $through forwarded by the bastion"; exit 1; }
echo "ProxyJump: whole upgrade through the bastion, package over SFTP: $direct unit logins, $through forwarded connections"
kill "$agent_pid"; agent_pid=; unset SSH_AUTH_SOCK

# 2. ftd_jump_* variables, the bastion's key from a file.
before=$(forwarded)
ansible fw-1-a -i "$work/explicit.yml" -m ftd.ha_upgrade.facts > "$work/explicit.log" 2>&1 || { tail -20 "$work/explicit.log"; exit 1; }
[ "$(forwarded)" -gt "$before" ] || { echo "ftd_jump_host: no connection went through the bastion"; exit 1; }
echo "ftd_jump_host: facts through the bastion"

# 3. A bastion with another host key: refused, and no unit sees a login.
other=$(ssh-keygen -q -t ed25519 -N '' -f "$work/other" <<< y > /dev/null; cut -d' ' -f1,2 "$work/other.pub")
sed -i "s|^\[127.0.0.1\]:$port .*|[127.0.0.1]:$port $other|" "$work/sim/known_hosts"
before=$(logins); attempts=$(grep -c '"event":"login"' "$work/sim/events.jsonl" || true)
ansible fw-1-a -i "$work/explicit.yml" -m ftd.ha_upgrade.facts > "$work/wrong.log" 2>&1 && { echo "a wrong bastion key was accepted"; exit 1; }
grep -qi "host key.*127.0.0.1:$port" "$work/wrong.log" || { tail -20 "$work/wrong.log"; exit 1; }
[ "$(grep -c '"event":"login"' "$work/sim/events.jsonl" || true)" -eq "$attempts" ] \
  || { echo "a unit saw a login attempt through a bastion whose key was wrong"; exit 1; }
echo "a bastion with another host key: refused ($(grep -io "host key changed for [0-9.:]*" "$work/wrong.log" | head -1)), no login reached a unit"
