#!/usr/bin/env bash
# Assemble the collection ftd.ha_upgrade under build/ansible_collections/ftd/ha_upgrade:
# the module binaries with their ansible-doc sidecars (generated from the code), galaxy.yml,
# meta/runtime.yml and the playbooks (and builds ftd-sim and ftd-upgrade beside it). With
# --tarball, also build the galaxy tarball.
#   PROFILE=dev scripts/build-collection.sh    # debug binaries (faster to build, for tests)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${PROFILE:-release}
case "$profile" in dev) dir=debug ;; *) dir=$profile ;; esac
modules=(facts fmc readiness stage install wait_reboot failover_swap verify report plan lock evidence)
packages=()
for m in "${modules[@]}"; do packages+=(-p "$m"); done
cargo build --quiet --profile "$profile" "${packages[@]}" -p ftd-sim -p ftd-report

dest=build/ansible_collections/ftd/ha_upgrade
rm -rf "$dest"
mkdir -p "$dest/plugins/modules" "$dest/meta" "$dest/playbooks"
cp collection/galaxy.yml collection/README.md collection/CHANGELOG.md "$dest/"
cp collection/meta/runtime.yml "$dest/meta/"
for m in "${modules[@]}"; do
  install -m 0755 "target/$dir/$m" "$dest/plugins/modules/$m"
  "target/$dir/$m" --docs > "$dest/plugins/modules/$m.yml"
done
cp -r playbooks/. "$dest/playbooks/"
echo "collection ftd.ha_upgrade assembled in $dest ($profile binaries)"
if [ "${1:-}" = "--tarball" ]; then
  ansible-galaxy collection build "$dest" --output-path build/ --force
fi
