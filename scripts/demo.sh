#!/usr/bin/env bash
# The main job: start a simulated FTD HA pair whose units do not have the package yet and a
# package server (HTTPS, its own CA, a password), upgrade the pair with playbooks/upgrade_ha.yml
# (stage both units, readiness, standby first, swap, the other unit, roles restored, verify)
# and print the summary.
#   FTD_DEMO_TIME_SCALE=0.05 make demo    # slower, closer to a rehearsal
#   FTD_DEMO_STAGE=none make demo         # the package already on the units
#   FTD_DEMO_FMC=1 make demo              # an FMC manages the pair: deployment gate, version
#                                         # sync, the peers switched back through the FMC
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh
export PATH="$PWD/.venv/bin:$PATH"
scripts/build-collection.sh

work=$(mktemp -d -t ftd-demo.XXXXXX)
scale=${FTD_DEMO_TIME_SCALE:-0.008}
stage=${FTD_DEMO_STAGE:-https}
scripts/sim-up.sh "$work" --pairs 1 --time-scale "$scale" --package-server "$stage" \
  --package-auth "fetch:Demo-Package-Pass-$RANDOM" ${FTD_DEMO_FMC:+--fmc} > /dev/null
trap 'scripts/sim-down.sh "$work"' EXIT
echo "== ftd-sim: one HA pair 7.2.2-54 -> 7.2.7-500, time scale $scale, package staged over $stage${FTD_DEMO_FMC:+, managed by a simulated FMC} (inventory $work/inventory.yml)"
echo "== follow progress in another terminal: tail -f $work/journal.jsonl"
start=$(date +%s)
status=0
ansible-playbook -i "$work/inventory.yml" playbooks/upgrade_ha.yml -e "ftd_journal=$work/journal.jsonl" \
  -e "ftd_report_html=$work/report.html" -e "ftd_report_markdown=$work/report.md" || status=$?
echo "== playbook finished in $(( $(date +%s) - start ))s with status $status"
scripts/sim-down.sh "$work"
trap - EXIT
target/release/ftd-upgrade summary --journal "$work/journal.jsonl" --events "$work/events.jsonl"
echo
echo "Report (open in a browser): $work/report.html"
echo "Files of this run: $work"
exit $status
