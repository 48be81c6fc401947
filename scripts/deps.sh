#!/usr/bin/env bash
# What `make test` and CI need besides this repository, Rust and Python 3.11: Python's venv
# module, Debian's chromium (renders the report in a test), openssh-server (the real sshd of
# the interop test) and openssh-client (ssh-agent, ssh-keygen), binutils (objdump reads the
# glibc versions the wheel's binaries need). Zig, maturin and the rest come from PyPI
# (requirements.txt, scripts/venv.sh). Installed with apt-get when this runs as root; otherwise the missing
# ones are named and the script fails before any test runs.
set -euo pipefail
for tool in make cargo python3; do
  command -v "$tool" > /dev/null || { echo "deps: $tool is needed on the machine" >&2; exit 1; }
done
missing=()
python3 -c 'import venv, ensurepip' 2> /dev/null || missing+=(python3-venv)
command -v chromium > /dev/null || missing+=(chromium)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh-agent > /dev/null || missing+=(openssh-client)
command -v objdump > /dev/null || missing+=(binutils)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  echo "deps: installing ${missing[*]} (apt-get)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
  exit 0
fi
echo "deps: missing Debian packages: ${missing[*]}" >&2
echo "deps: install them (sudo apt-get install ${missing[*]}) and run again; nothing was run" >&2
exit 1
