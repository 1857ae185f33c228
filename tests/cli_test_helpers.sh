# What the command-line test scripts share: a scratch folder they run in (removed at exit), a failure count,
# and a check of a command's exit code with its output kept in out.txt and err.txt. Sourced, not run.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

expect_exit() {  # expected-code description command...
  local want=$1 what=$2; shift 2
  "$@" >out.txt 2>err.txt
  local got=$?
  [ "$got" -eq "$want" ] || fail "$what: exit $got, expected $want ($(head -c 300 err.txt))"
}
