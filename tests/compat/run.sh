#!/usr/bin/env bash
# The playbooks as shipped in the collection, on every ansible-core minor it supports
# (tests/compat/versions.txt). Per version, from a venv of its own with that ansible-core from
# PyPI, the collection's tarball and the wheel of binaries, against two simulated pairs (pair 2's
# secondary fails its readiness check):
#   1. precheck.yml: pair 1 ready, pair 2 not, the run fails naming pair 2;
#   2. upgrade_ha.yml --check --diff: both pairs planned, nothing on any unit changed;
#   3. upgrade_ha.yml: pair 1 upgraded with its roles restored, pair 2 stopped at readiness with
#      both units untouched, the run fails naming pair 2.
# Every other version writes the target without its build (7.2.7 for 7.2.7-500).
#
#   tests/compat/run.sh [VERSION...]    default: every line of versions.txt
#
# FTD_COMPAT_JOBS (default 2) versions run side by side. The venvs are kept in
# FTD_COMPAT_CACHE (default ~/.cache/ftd-ha-upgrade/compat) for the next run. Prints one
# "ansible-core matrix: N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
cache=${FTD_COMPAT_CACHE:-$HOME/.cache/ftd-ha-upgrade/compat}
jobs=${FTD_COMPAT_JOBS:-2}
version=$(sed -n 's/^version: *//p' collection/galaxy.yml)
tarball=${FTD_COMPAT_TARBALL:-"$root/build/ftd-ha_upgrade-$version.tar.gz"}
[ -f "$tarball" ] || { echo "no $tarball: run scripts/build-collection.sh --tarball first" >&2; exit 1; }

# The Python of a minor (3.12): pyenv's newest 3.12.x, else python3.12 on PATH.
python_for() {
  local found
  found=$(ls -d "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")/versions/$1".* 2>/dev/null | sort -V | tail -1)
  if [ -n "$found" ] && [ -x "$found/bin/python" ]; then echo "$found/bin/python"; else command -v "python$1"; fi
}

# One version, all three runs; output to $2/log. Fails on the first thing not as expected.
one() { # core python index work
  local core=$1 python=$2 index=$3 work=$4
  local venv="$cache/ansible-core-$core" target=7.2.7-500
  [ $((index % 2)) -eq 1 ] && target=7.2.7
  set -e
  if [ ! -x "$venv/bin/ansible-playbook" ]; then
    local py; py=$(python_for "$python") || { echo "no Python $python for ansible-core $core"; return 1; }
    rm -rf "$venv"
    "$py" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "ansible-core==$core"
  fi
  "$venv/bin/ansible-playbook" --version | head -1
  # The wheel of binaries into the venv (what the collection's requirements.txt asks for).
  "$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps \
    --find-links "$root/build/wheels" "ftd-ha-upgrade==$version"
  # From the work folder: the checkout's ansible.cfg (collections in build/) must not apply.
  (cd "$work" && env -i HOME="$HOME" PATH="$venv/bin:/usr/bin:/bin" LANG=C.UTF-8 \
    ANSIBLE_COLLECTIONS_PATH="$work/collections" "$venv/bin/ansible-galaxy" collection install \
    --offline --force -p "$work/collections" "$tarball" > /dev/null)

  scripts/sim-up.sh "$work/sim" --pairs 2 --time-scale 0.005 \
    --fault "2:secondary:readiness-fail=000_start/410_check_disk_space.sh" > /dev/null
  trap 'scripts/sim-down.sh "$work/sim" 2> /dev/null || true' RETURN
  sed -e "s/^        ftd_target_version: .*/        ftd_target_version: '$target'/" \
    "$work/sim/inventory.yml" > "$work/inventory.yml"
  echo "target written $target"

  play() { # name, playbook, extra args: the run's output in $work/NAME.log, its status in $work/NAME.rc
    local name=$1 book=$2; shift 2
    local rc=0
    (cd "$work" && env -i HOME="$HOME" PATH="$venv/bin:/usr/bin:/bin" LANG=C.UTF-8 ANSIBLE_NOCOLOR=1 \
      ANSIBLE_COLLECTIONS_PATH="$work/collections" ANSIBLE_HOST_KEY_CHECKING=True \
      "$venv/bin/ansible-playbook" -i inventory.yml "ftd.ha_upgrade.$book" \
      -e "ftd_journal=$work/journal.jsonl" -e "ftd_report_html=$work/report.html" \
      -e "ftd_report_markdown=$work/report.md" -e "ftd_summary_file=$work/$name-outcome.json" "$@" \
      > "$work/$name.log" 2>&1) || rc=$?
    echo "$rc" > "$work/$name.rc"
    echo "$name: exit $rc"
  }
  play precheck precheck
  play check upgrade_ha --check --diff
  play upgrade upgrade_ha
  scripts/sim-down.sh "$work/sim"
  python3 tests/compat/expect.py "$work" "$target"
  # Two hops: the rounds (import_playbook, hosts templated from the groups group_by made).
  scripts/sim-up.sh "$work/hops-sim" --pairs 1 --time-scale 0.002 --from 6.6.5-81 --to 7.0.6-236,7.2.7-500 > /dev/null
  trap 'scripts/sim-down.sh "$work/hops-sim" 2> /dev/null || true' RETURN
  cp "$work/hops-sim/inventory.yml" "$work/inventory.yml"
  play hops upgrade_ha
  scripts/sim-down.sh "$work/hops-sim"
  python3 tests/compat/expect.py --hops "$work"
}

entries=()
while read -r core python; do
  case "$core" in ''|'#'*) continue ;; esac
  if [ $# -eq 0 ] || printf '%s\n' "$@" | grep -qx "$core"; then entries+=("$core $python"); fi
done < tests/compat/versions.txt

logs=$(mktemp -d -t ftd-compat.XXXXXX)
mkdir -p "$cache"
for i in "${!entries[@]}"; do
  read -r core python <<< "${entries[$i]}"
  # At most $jobs versions at once.
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  mkdir -p "$logs/$core"
  (
    start=$SECONDS
    if one "$core" "$python" "$i" "$logs/$core" > "$logs/$core/log" 2>&1; then
      echo "ok: ansible-core $core on Python $python ($((SECONDS - start)) s)"
      echo ok > "$logs/$core.status"
    else
      echo "FAILED: ansible-core $core on Python $python ($((SECONDS - start)) s)"
      tail -40 "$logs/$core/log"
      for f in "$logs/$core"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -30 "$f"; }; done
    fi
  ) > "$logs/$core.result" 2>&1 &
done
wait
passed=0 failed=0
for entry in "${entries[@]}"; do
  read -r core _ <<< "$entry"
  if [ -f "$logs/$core.status" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  cat "$logs/$core.result"
done
echo "ansible-core matrix: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] && rm -rf "$logs"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
