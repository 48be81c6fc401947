#!/usr/bin/env bash
# Galaxy's importer (galaxy-importer, what Galaxy and Automation Hub run on an upload) on the
# built tarball: every module found, each with its documentation, examples and return values;
# the changelog read. The importer requires `repository` in galaxy.yml, which a release build
# gets from FTD_REPOSITORY_URL or the clone's origin (scripts/build-collection.sh); a checkout
# without one is imported with this repository's own path as its URL.
set -euo pipefail
trap 'echo "importer.sh: failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/../.."
work=$(mktemp -d -t ftd-importer.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r build/ansible_collections/ftd/ha_upgrade "$work/collection"
grep -q '^repository:' "$work/collection/galaxy.yml" || echo "repository: file://$PWD" >> "$work/collection/galaxy.yml"
ansible-galaxy collection build "$work/collection" --output-path "$work" > /dev/null
printf '[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = False\nCHECK_CHANGELOG = True\n' > "$work/importer.cfg"
# (from $work: the importer also writes importer_result.json into its working directory)
(cd "$work" && GALAXY_IMPORTER_CONFIG=importer.cfg python -m galaxy_importer.main --print-result ftd-ha_upgrade-*.tar.gz > out.txt 2>&1) \
  || { cat "$work/out.txt"; exit 1; }
modules=$(sed -n 's/^modules=(\(.*\))$/\1/p' scripts/build-collection.sh)
python3 - "$work/out.txt" $modules <<'PY'
import json, sys
text = open(sys.argv[1]).read()
result = json.loads(text[text.index('\n{') + 1:])
expected = sorted(sys.argv[2:])
docs = {c['content_name']: c['doc_strings'] or {} for c in result['docs_blob']['contents']
        if c['content_type'] == 'module'}
assert sorted(docs) == expected, 'modules found: %s, expected %s' % (sorted(docs), expected)
for name, doc in docs.items():
    assert doc.get('doc', {}).get('options'), '%s: no documented options' % name
    assert doc.get('doc', {}).get('short_description'), '%s: no short description' % name
    assert 'ftd.ha_upgrade.' + name in (doc.get('examples') or ''), '%s: no examples' % name
    assert doc.get('return') is not None, '%s: no RETURN' % name
actions = sorted(c['name'] for c in result['contents'] if c['content_type'] == 'action')
assert actions == expected, 'action plugins: %s' % actions
print('galaxy-importer: %d modules with docs, %d action plugins' % (len(docs), len(actions)))
PY
