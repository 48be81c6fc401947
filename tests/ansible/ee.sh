#!/usr/bin/env bash
# `ansible-builder create` on execution-environment.yml: the build context must hold the
# collection tarball and a Containerfile that installs it (no image is built: no engine here).
set -euo pipefail
trap 'echo "ee.sh: failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/../.."
ansible-galaxy collection build build/ansible_collections/ftd/ha_upgrade --output-path build/ --force > /dev/null
rm -rf build/ee-context
ansible-builder create -f execution-environment.yml -c build/ee-context --output-filename Containerfile > /dev/null
test -s build/ee-context/_build/collections/ftd-ha_upgrade-0.1.0.tar.gz
grep -q "ansible-galaxy collection install /tmp/ftd-ha_upgrade.tar.gz" build/ee-context/Containerfile
# (listed to a file: grep -q would close the pipe early and, with pipefail, fail tar)
tar -tzf build/ftd-ha_upgrade-0.1.0.tar.gz > build/ee-context/tarball-files.txt
for m in facts readiness install wait_reboot failover_swap verify report; do
  grep -qx "plugins/modules/$m" build/ee-context/tarball-files.txt
  grep -qx "plugins/modules/$m.yml" build/ee-context/tarball-files.txt
done
echo "EE build context ok: $(du -sh build/ee-context | cut -f1)"
