#!/usr/bin/env bash
# `ansible-test sanity` on the built collection, as certification and private hubs run it.
# ansible-test bootstraps pip into the virtual environments of its tests with get-pip.py from
# ci-files.testing.ansible.com, which these machines cannot reach: its cache is filled with a
# stand-in that installs pip from the pip wheel of the registry (PyPI). Everything else
# ansible-test installs comes from PyPI as usual.
set -euo pipefail
trap 'echo "sanity.sh: failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/../.."
root=$PWD
work=$(mktemp -d -t ftd-sanity.XXXXXX)
trap 'rm -rf "$work"' EXIT

requirements=$(python -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')/_internal/python_requirements.py
pip_version=$(sed -n "s/^ *pip='\([0-9.]*\)',\$/\1/p" "$requirements")
[ -n "$pip_version" ] || { echo "cannot find the pip version ansible-test bootstraps in $requirements"; exit 1; }
cache=~/.ansible/test/cache
stand_in="$cache/get_pip_${pip_version//./_}.py"
if [ ! -s "$stand_in" ]; then
  mkdir -p "$cache/pip-wheel"
  pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: -d "$cache/pip-wheel" "pip==$pip_version"
  wheel=$(ls "$cache"/pip-wheel/pip-"$pip_version"-*.whl)
  cat > "$stand_in" <<PY
# Offline stand-in for get-pip.py $pip_version (written by tests/release/sanity.sh): installs
# pip, and the packages named, from the pip wheel downloaded from PyPI.
import os
import runpy
import sys

wheel = '$wheel'
sys.path.insert(0, wheel)
args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
sys.argv = ['pip', 'install', '--no-index', '--find-links', os.path.dirname(wheel)] + args
runpy.run_module('pip', run_name='__main__', alter_sys=True)
PY
fi

mkdir -p "$work/ansible_collections/ftd"
cp -r build/ansible_collections/ftd/ha_upgrade "$work/ansible_collections/ftd/ha_upgrade"
cd "$work/ansible_collections/ftd/ha_upgrade"
ansible-test sanity --color no --python 3.11 --requirements "$@"
