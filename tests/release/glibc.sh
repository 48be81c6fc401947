#!/usr/bin/env bash
# Every ELF the wheel ships needs at most GLIBC_2.28 (RHEL 8 based execution environments).
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d -t ftd-glibc.XXXXXX)
trap 'rm -rf "$work"' EXIT
wheel=$(ls build/wheels/ftd_ha_upgrade-*.whl)
case "$wheel" in *manylinux_2_28_x86_64.whl) ;; *) echo "not a manylinux_2_28 wheel: $wheel"; exit 1 ;; esac
python3 -m zipfile -e "$wheel" "$work"
count=0
while IFS= read -r file; do
  [ "$(head -c 4 "$file" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
  count=$((count + 1))
  newest=$(objdump -T "$file" | grep -o 'GLIBC_[0-9][0-9.]*' | sort -uV | tail -1)
  if [ "$(printf '%s\nGLIBC_2.28\n' "$newest" | sort -V | tail -1)" != GLIBC_2.28 ]; then
    echo "$file needs $newest"; exit 1
  fi
done < <(find "$work" -type f)
[ "$count" -ge 12 ] || { echo "only $count ELF files in $wheel"; exit 1; }
echo "$count ELF files, none needs more than GLIBC_2.28"
