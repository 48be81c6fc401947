#!/usr/bin/env bash
# `ansible-builder create` on execution-environment.yml: the build context must hold the
# collection tarball and a Containerfile that installs it (no image is built: no engine here).
set -euo pipefail
cd "$(dirname "$0")/../.."
ansible-galaxy collection build build/ansible_collections/ftd/ha_upgrade --output-path build/ --force > /dev/null
rm -rf build/ee-context
ansible-builder create -f execution-environment.yml -c build/ee-context --output-filename Containerfile > /dev/null
test -s build/ee-context/_build/collections/ftd-ha_upgrade-0.1.0.tar.gz
grep -q "ansible-galaxy collection install /tmp/ftd-ha_upgrade.tar.gz" build/ee-context/Containerfile
tar -tzf build/ftd-ha_upgrade-0.1.0.tar.gz | grep -q "plugins/modules/install.yml"
echo "EE build context ok: $(du -sh build/ee-context | cut -f1)"
