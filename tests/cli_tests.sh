#!/usr/bin/env bash
# The command line as scripts use it: exit codes, the --json contract, Ctrl-C, and no display.
# usage: cli_tests.sh PATH/TO/sparsescope PROJECTS_DIR
set -u
bin=$1
projects=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

expect_exit() {  # expected-code description command...
  local want=$1 what=$2; shift 2
  "$@" >out.txt 2>err.txt
  local got=$?
  [ "$got" -eq "$want" ] || fail "$what: exit $got, expected $want ($(head -c 300 err.txt))"
}

expect_exit 0 "--version" "$bin" --version
grep -q '^sparsescope [0-9]' out.txt || fail "--version prints the version"
expect_exit 0 "--help" "$bin" --help
grep -q 'bench' out.txt || fail "--help lists the commands"
expect_exit 0 "run --help" "$bin" run --help
expect_exit 2 "unknown command" "$bin" frobnicate
expect_exit 2 "missing project" "$bin" run /nonexistent/p.json
grep -q '/nonexistent/p.json: cannot open project file' err.txt || fail "missing project is named"
echo '{"format": 1, "name": "x", "train": {"epoch": 3}}' > bad.json
expect_exit 2 "bad project" "$bin" run bad.json
grep -q "train.epoch: unknown key (did you mean 'epochs'?)" err.txt || fail "bad key is named with its path"
expect_exit 2 "bad flag value" "$bin" run "$projects/spirals-mlp-dense.json" --epochs zero
expect_exit 2 "unknown flag" "$bin" run "$projects/spirals-mlp-dense.json" --epcohs 3

env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$bin" >out.txt 2>err.txt
[ $? -eq 2 ] || fail "no display: exit code 2"
[ "$(wc -l < err.txt)" -eq 1 ] && grep -q 'headless commands: .*run' err.txt || fail "no display: one line naming the headless commands"

# --json: exactly one JSON object per epoch on stdout, with the contract's keys.
expect_exit 0 "run --json" "$bin" run "$projects/spirals-mlp-dense.json" --epochs 3 --json --db s.db
[ "$(wc -l < out.txt)" -eq 3 ] || fail "--json prints one line per epoch ($(wc -l < out.txt) lines)"
for key in run_id epoch train_loss train_accuracy test_loss test_accuracy lr density samples_per_second examples_in_use memory_bytes; do
  [ "$(grep -c "\"$key\":" out.txt)" -eq 3 ] || fail "--json line lacks \"$key\""
done
grep -q '"density":1.0' out.txt || fail "a dense run reports density 1.0"
expect_exit 0 "runs" "$bin" runs --db s.db
grep -q 'spirals-mlp-dense .*finished' out.txt || fail "runs lists the finished run"

# Ctrl-C stops cleanly and the run is recorded as cancelled.
"$bin" run "$projects/spirals-mlp-dense.json" --epochs 100000 --db c.db >out.txt 2>err.txt &
pid=$!
for _ in $(seq 1 100); do grep -q '^epoch 1/' err.txt && break; sleep 0.2; done
kill -INT "$pid"
wait "$pid"
code=$?
[ "$code" -eq 130 ] || fail "Ctrl-C: exit $code, expected 130"
"$bin" runs --db c.db >out.txt 2>&1
grep -q 'cancelled' out.txt || fail "Ctrl-C: run marked cancelled ($(cat out.txt))"

# A killed run is marked interrupted the next time the store is opened.
"$bin" run "$projects/spirals-mlp-dense.json" --epochs 100000 --db k.db >out.txt 2>err.txt &
pid=$!
for _ in $(seq 1 100); do grep -q '^epoch 2/' err.txt && break; sleep 0.2; done
kill -KILL "$pid"
wait "$pid" 2>/dev/null
"$bin" runs --db k.db >out.txt 2>&1
grep -q 'interrupted' out.txt || fail "kill -9: run marked interrupted ($(cat out.txt))"

[ "$failures" -eq 0 ] && echo "all CLI checks passed"
exit "$failures"
