#!/usr/bin/env bash
# `ansible-builder create` on execution-environment.yml: the build context must hold the
# collection tarball and the wheel, the collection must come in through dependencies.galaxy
# and the wheel through dependencies.python, on a pinned base image (no image is built: no
# container engine here).
set -euo pipefail
trap 'echo "ee.sh: failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/../.."
version=$(sed -n 's/^version: *//p' collection/galaxy.yml)
work=$(mktemp -d -t ftd-ee.XXXXXX)
trap 'rm -rf "$work"' EXIT
ansible-builder create -f execution-environment.yml -c "$work" --output-filename Containerfile > /dev/null
context=$work/_build
test -s "$context/galaxy/ftd-ha_upgrade-$version.tar.gz"
test -s "$context/wheels/ftd_ha_upgrade-$version-py3-none-manylinux_2_28_x86_64.whl"
grep -qx "  - name: /build/galaxy/ftd-ha_upgrade-$version.tar.gz" "$context/requirements.yml"
grep -qx "ftd-ha-upgrade==$version" "$context/requirements.txt"
grep -qx -- "--find-links /tmp/ftd-wheels" "$context/requirements.txt"
grep -q 'ansible-galaxy collection install .* -r requirements.yml' "$work/Containerfile"
# the wheels are in place before the builder stage resolves the Python requirements
awk '/FROM base AS builder/ {b=1} b && /COPY _build\/wheels \/tmp\/ftd-wheels/ {c=1} b && /introspect/ {print c ? "ok" : "late"; exit}' \
  "$work/Containerfile" | grep -qx ok
base=$(sed -n 's/^ARG EE_BASE_IMAGE="\(.*\)"$/\1/p' "$work/Containerfile")
case "$base" in quay.io/ansible/awx-ee:[0-9]*) ;; *) echo "base image not a pinned AWX EE: $base"; exit 1 ;; esac
# the EE installs a pinned ansible-core of the tested range (tests/compat/versions.txt), the one
# the whole suite runs on (requirements.txt), and no other
refs=$(sed -n 's/^ARG ANSIBLE_INSTALL_REFS="\(.*\)"$/\1/p' "$work/Containerfile")
core=$(printf '%s\n' $refs | sed -n 's/^ansible-core==//p')
[ -n "$core" ] || { echo "the EE does not pin ansible-core: $refs"; exit 1; }
grep -q "^$core " tests/compat/versions.txt || { echo "the EE's ansible-core $core is not in tests/compat/versions.txt"; exit 1; }
grep -qx "ansible-core==$core" requirements.txt || { echo "the EE's ansible-core $core is not the one of requirements.txt"; exit 1; }
grep -q 'pip install --no-cache-dir $ANSIBLE_INSTALL_REFS' "$work/Containerfile"
printf '%s\n' $refs | grep -qx 'ansible-runner==[0-9.]*' || { echo "the EE does not pin ansible-runner: $refs"; exit 1; }
# the controller's poll interval goes to the EE's ansible.cfg
grep -qx "internal_poll_interval = 0.02" "$context/configs/ansible.cfg"
awk '/FROM base AS final|FROM \$EE_BASE_IMAGE/ {f=1} f && /COPY _build\/configs\/ansible.cfg \/etc\/ansible\/ansible.cfg/ {print "ok"; exit}' \
  "$work/Containerfile" | grep -qx ok
# the pins of this file agree with the collection's
grep -q "ftd-ha-upgrade==$version" execution-environment.yml
grep -q "ftd-ha_upgrade-$version.tar.gz" execution-environment.yml ee/requirements.yml
tar -tzf "$context/galaxy/ftd-ha_upgrade-$version.tar.gz" > "$work/files.txt"
for m in $(sed -n 's/^modules=(\(.*\))$/\1/p' scripts/build-collection.sh); do
  grep -qx "plugins/modules/$m.py" "$work/files.txt"
  grep -qx "plugins/action/$m.py" "$work/files.txt"
done
grep -qx requirements.txt "$work/files.txt"
echo "EE build context ok: base $base, ansible-core $core, $(du -sh "$context" | cut -f1)"
