#!/usr/bin/env bash
# The changelog: fragments and changelogs/changelog.yaml pass antsibull-changelog's lint, and
# CHANGELOG.md is what antsibull-changelog generates from them.
set -euo pipefail
cd "$(dirname "$0")/../../collection"
antsibull-changelog lint
antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
work=$(mktemp -d -t ftd-changelog.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r . "$work/c"
(cd "$work/c" && antsibull-changelog generate)
diff -u CHANGELOG.md "$work/c/CHANGELOG.md"
