#!/usr/bin/env bash
# The collection as people install it: Galaxy's importer, ansible-test sanity, the wheel's
# glibc needs, the changelog, the EE build context, a fresh venv with tarball and wheel, an
# inventory that sets ansible_connection. Prints one "release-checks: N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/../.."
export ANSIBLE_NOCOLOR=1
# shellcheck source=tests/lib/check.sh
. tests/lib/check.sh
check "galaxy-importer lists every module with its docs" tests/release/importer.sh
check "ansible-test sanity on the built collection (offline pip bootstrap)" tests/release/sanity.sh
check "every ELF of the wheel needs at most GLIBC_2.28" tests/release/glibc.sh
check "changelog fragments lint, CHANGELOG.md generated from them" tests/release/changelog.sh
check "ansible-builder create: EE context with the collection and the wheel as dependencies" tests/release/ee.sh
check "fresh venv: tarball + wheel, ansible_connection ssh, ssh-agent key, known_hosts content, progress lines" tests/release/fresh_venv.sh
check "inventory with ansible_connection network_cli: the upgrade still runs" tests/release/connection.sh
checks_done release-checks
