#!/usr/bin/env bash
# Ansible-level checks of the built collection: the protocol playbook, ansible-doc, the
# playbooks' syntax. Prints one "ansible-checks: N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1
# shellcheck source=tests/lib/check.sh
. tests/lib/check.sh
modules=build/ansible_collections/ftd/ha_upgrade/plugins/modules
check "module protocol under ansible-core" ansible-playbook tests/ansible/protocol.yml
for m in facts fmc stage readiness install wait_reboot failover_swap verify; do
  check "ansible-doc $m" bash -c "ansible-doc -M $modules $m | grep -q 'OPTIONS' && ansible-doc ftd.ha_upgrade.$m | grep -q 'EXAMPLES'"
done
check "ansible-doc shows install's options with types and defaults" \
  bash -c "ansible-doc ftd.ha_upgrade.install | grep -A6 'allow_active' | grep -q 'default: false'"
for p in upgrade_ha upgrade_hop precheck; do
  check "syntax of playbooks/$p.yml" ansible-playbook --syntax-check -i playbooks/inventory.example.yml "playbooks/$p.yml"
done
check "no password in any output (-vvv, check mode, real, wrong password)" tests/ansible/secrets.sh
check "action plugin: ProxyJump / -J / ProxyCommand read, chains refused, a rejected password's source named" python tests/ansible/plugin_units.py
check "pair filters: pairs, outcomes, stopped units and pairs from an inventory out of order" python tests/ansible/filter_units.py
check "inventory conventions: Ansible's host_key_checking, the enable become method, connect and command timeouts" tests/ansible/conventions.sh
check "a pair behind a jump host (OpenSSH bastion): ProxyJump and ftd_jump_host, SFTP through it, a wrong bastion key refused" tests/ansible/jump_host.sh
check "a run cancelled mid-install (SIGTERM, SIGINT) leaves no password and no argument file on disk" tests/ansible/cancel.sh
check "a pair split by job slicing or --limit is refused" tests/ansible/slicing.sh
check "a whole happy upgrade: at most 28 task results per unit" tests/ansible/result_count.sh
check "change control: check mode plan, windows by tags, a window too short" tests/ansible/change_control.sh
check "a unit whose partner stops answering at any play is never changed after it" tests/ansible/partner_fails.sh
check "interop with a real OpenSSH server (password and keyboard-interactive, staging over scp)" tests/ansible/openssh.sh
check "staging: two pairs in parallel, one with a full disk stopped before readiness" tests/ansible/stage.sh
check "FMC: switch back through the FMC, pending changes and an unreachable FMC stop pairs, no secret at -vvv" tests/ansible/fmc.sh
check "FMC copy: a package only the FMC holds reaches both units once; a package missing on the FMC stops the pair" tests/ansible/fmc_copy.sh
check "upgrade paths: a path that does not exist refused before any change; two hops, resumed after and within a hop" tests/ansible/upgrade_path.sh
check "watch follows a run; the report renders in headless Chromium" tests/ansible/report.sh
check "syntax of awx/configure.yml (the controller's objects as code, awx.awx; linted below)" \
  ansible-playbook --syntax-check awx/configure.yml -e @awx/site.example.yml
check "ansible-lint (production profile) on playbooks, molecule and the collection" ansible-lint
checks_done ansible-checks
