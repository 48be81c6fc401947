# shellcheck shell=bash
# `check NAME COMMAND...`: runs one check, prints "ok: NAME (N s)" or "FAILED: NAME" with the
# tail of its output, and counts; `checks_done LABEL` prints the counts and fails if any did.
passed=0 failed=0
check_log=$(mktemp -t ftd-check.XXXXXX)
check() {
  local name=$1; shift
  local start=$SECONDS
  if "$@" > "$check_log" 2>&1; then
    passed=$((passed + 1)); echo "ok: $name ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1)); echo "FAILED: $name ($((SECONDS - start)) s)"; tail -40 "$check_log"
  fi
}
checks_done() {
  rm -f "$check_log"
  echo "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
