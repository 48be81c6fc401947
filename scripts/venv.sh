#!/usr/bin/env bash
# The Python side (ansible-core, molecule), pinned in requirements.txt, in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/ansible-playbook ] || ! cmp -s requirements.txt .venv/.requirements 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
  cp requirements.txt .venv/.requirements
fi
