#!/usr/bin/env bash
# The module binaries as one Python wheel, build/wheels/ftd_ha_upgrade-VERSION-py3-none-
# manylinux_2_28_x86_64.whl (maturin, `bindings = "bin"`; zig links them against glibc 2.28
# so that RHEL 8 based execution environments run them), installed into .venv, where the
# collection's action plugin finds them beside the Python that runs Ansible.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
rm -f build/wheels/ftd_ha_upgrade-*.whl
maturin build --quiet --release --zig -m modules/Cargo.toml --out build/wheels
pip install --quiet --disable-pip-version-check --force-reinstall --no-deps build/wheels/ftd_ha_upgrade-*.whl
