#!/usr/bin/env bash
# A real run of the upgrade playbook against ftd-sim, with `ftd-upgrade watch` following it:
# watch must end by itself with both units verified; the report the playbook leaves must
# render in headless Chromium with the timeline's lanes and bars.
set -euo pipefail
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1
work=$(mktemp -d -t ftd-report.XXXXXX)
trap 'scripts/sim-down.sh "$work/sim"' EXIT
scripts/sim-up.sh "$work/sim" --pairs 1 --time-scale 0.002 > /dev/null
target/release/ftd-upgrade watch --plain --journal "$work/journal.jsonl" --interval 0.1 --timeout 120 > "$work/watch.log" 2>&1 &
watcher=$!
ansible-playbook -i "$work/sim/inventory.yml" playbooks/upgrade_ha.yml -e "ftd_journal=$work/journal.jsonl" \
  -e "ftd_report_html=$work/report.html" -e "ftd_report_markdown=$work/report.md" > "$work/play.log" 2>&1 \
  || { tail -30 "$work/play.log"; exit 1; }
wait "$watcher" || { echo "watch did not end well"; cat "$work/watch.log"; exit 1; }
tail -1 "$work/watch.log" | grep -q "watch: 2 unit(s) verified, 0 failed" || { tail -3 "$work/watch.log"; exit 1; }
grep -q "pair1/fw-1-b install" "$work/watch.log"
test -s "$work/report.md"
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "chromium is not installed (apt-get install chromium)"; exit 1; }
timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/chromium" --dump-dom "file://$work/report.html" > "$work/dom.html" 2> /dev/null
lanes=$(grep -o 'class="lane"' "$work/dom.html" | wc -l)
bars=$(grep -o 'class="bar"' "$work/dom.html" | wc -l)
[ "$lanes" -eq 2 ] && [ "$bars" -ge 10 ] || { echo "rendered page has $lanes lanes and $bars bars"; exit 1; }
echo "watch followed the run to the end; report rendered with $lanes lanes and $bars bars"
