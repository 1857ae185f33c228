#!/usr/bin/env bash
# Faults and load, as they happen to users: a run killed with SIGKILL at random moments, again and again, each
# time followed by an integrity check and a resume, must end bit for bit where a run never killed ends; and a
# local sweep of 32 runs four at a time into one store must record every run with no busy error surfacing; and a
# sweep whose disk fills must stop cleanly and finish with room.
# usage: fault_tests.sh PATH/TO/sparsescope [KILLS]
set -u
bin=$1
kills=${2:-50}
source "$(dirname "$0")/cli_test_helpers.sh"

integrity() { sqlite3 "$1" 'PRAGMA integrity_check' 2>&1; }
digest() { "$bin" show "$1" --db "$2" --json | sed -n 's/.*"weights_digest": "\([0-9a-f]*\)".*/\1/p'; }

# 300 short epochs with a checkpoint every 10 steps: a kill can land anywhere, in a step, an evaluation, a
# checkpoint or a commit.
cat > long.json <<'JSON'
{"format": 1, "name": "killed", "data": {"dataset": "spirals", "examples": 600, "noise": 0.05},
 "algorithm": {"name": "set", "every_epochs": 1}, "sparsity": {"target": 0.7, "distribution": "uniform"},
 "model": {"hidden": [32, 32]},
 "train": {"epochs": 300, "batch_size": 32, "threads": 1, "checkpoint_every_steps": 10}}
JSON

# The twin that is never interrupted.
expect_exit 0 "uninterrupted run" "$bin" run long.json --db twin.db
want=$(digest 1 twin.db)
[ -n "$want" ] || fail "the uninterrupted run has a weights digest"

start=$(date +%s)
survived=0
for ((i = 1; i <= kills; i++)); do
  "$bin" run long.json --db k.db --continue >"k$i.out" 2>&1 &
  pid=$!
  # 20..400 ms: from start-up (store not yet written) to deep inside an epoch.
  sleep "0.$(printf '%03d' $((20 + RANDOM % 380)))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if [ -e k.db ]; then
    check=$(integrity k.db)
    if [ "$check" != "ok" ]; then
      fail "kill $i: integrity_check says: $check"
      break
    fi
  fi
  survived=$((survived + 1))
done
expect_exit 0 "the killed run continues to the end" "$bin" run long.json --db k.db --continue
[ "$(integrity k.db)" = "ok" ] || fail "integrity after the last resume"
finished=$("$bin" runs --db k.db --status finished | grep -c finished)
[ "$finished" -eq 1 ] || fail "the killed run finished exactly once, not $finished times"
id=$("$bin" runs --db k.db --status finished | awk '/finished/ {print $1; exit}')
[ "$(digest "$id" k.db)" = "$want" ] || fail "after $survived kills the weights differ from the uninterrupted run's"
epochs=$(sqlite3 k.db "SELECT count(*) FROM epoch_metrics WHERE run_id = $id")
[ "$epochs" -eq 300 ] || fail "the killed run logged $epochs epochs, not 300 exactly once each"
echo "kills survived: $survived of $kills in $(($(date +%s) - start)) s; final weights equal the uninterrupted run's"

# Load: 32 runs, four processes writing one store at once.
cat > load.json <<'JSON'
{"sweep_format": 1, "id": "load",
 "base": {"format": 1, "name": "b", "data": {"dataset": "spirals", "examples": 400, "noise": 0.05},
          "model": {"hidden": [16]}, "train": {"epochs": 6, "batch_size": 16, "threads": 1}},
 "axes": [{"key": "train.seed", "values": [1, 2, 3, 4, 5, 6, 7, 8]},
          {"key": "train.optimizer.lr", "values": [0.2, 0.1, 0.05, 0.02]}]}
JSON
start=$(date +%s)
expect_exit 0 "a 32-run sweep four at a time" "$bin" sweep load.json --local -j 4 --threads 1 --db load.db
[ "$("$bin" runs --db load.db --status finished | grep -c finished)" -eq 32 ] || fail "all 32 runs finished"
[ "$(sqlite3 load.db 'SELECT count(*) FROM epoch_metrics')" -eq 192 ] || fail "every run logged its 6 epochs once"
[ "$(integrity load.db)" = "ok" ] || fail "integrity of the loaded store"
if grep -ril 'busy\|locked' load.runs/logs/ err.txt out.txt; then fail "a busy or locked error surfaced"; fi
echo "load: 32 runs, 4 at a time, recorded in $(($(date +%s) - start)) s"

# Disk full under a sweep: its store on a 512 KB tmpfs fills within the first runs. The sweep stops starting runs,
# says which disk is full and what to do; the store stays sound; with room, the same command finishes every run
# with the weights of a sweep that never ran out of space. Needs root (a tmpfs mount); skipped without.
cat > full.json <<'JSON'
{"sweep_format": 1, "id": "full",
 "base": {"format": 1, "name": "b", "data": {"dataset": "spirals", "examples": 400, "noise": 0.05},
          "model": {"hidden": [16]}, "train": {"epochs": 20, "batch_size": 16, "threads": 1}},
 "axes": [{"key": "train.seed", "values": [1, 2, 3, 4, 5, 6, 7, 8]}]}
JSON
mkdir disk
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=512k sparsescope-full disk 2>/dev/null; then
  trap 'umount disk 2>/dev/null; rm -rf "$work"' EXIT
  expect_exit 1 "a sweep onto a full disk" "$bin" sweep full.json --local -j 2 --threads 1 --db disk/s.db
  grep -q "disk holding disk/s.db is full" err.txt || fail "the sweep names the full disk ($(tail -2 err.txt))"
  grep -q "database or disk is full" err.txt || fail "a failed run's reason is its error line ($(grep FAILED err.txt))"
  not_started=$(sed -n 's/.* \([0-9]*\) not started.*/\1/p' out.txt)
  [ "${not_started:-0}" -gt 0 ] || fail "no run is started on a full disk ($(cat out.txt))"
  expect_exit 0 "runs lists a store on a full disk" "$bin" runs --db disk/s.db
  [ "$(integrity disk/s.db)" = "ok" ] || fail "integrity of the store that filled its disk"
  mount -o remount,size=64m disk
  expect_exit 0 "the same sweep, with room" "$bin" sweep full.json --local -j 2 --threads 1 --db disk/s.db
  expect_exit 0 "the sweep that never ran out of room" "$bin" sweep full.json --local -j 2 --threads 1 --db roomy.db
  [ "$("$bin" runs --db disk/s.db --status finished | grep -c finished)" -eq 8 ] || fail "all 8 runs finished"
  [ "$("$bin" runs --db disk/s.db | grep -c full_seed)" -eq 8 ] || fail "one record per run, no abandoned attempts"
  [ "$(integrity disk/s.db)" = "ok" ] || fail "integrity after the sweep finished"
  for seed in 1 2 3 4 5 6 7 8; do
    a=$("$bin" runs --db disk/s.db --name "full_seed-$seed" | awk '/finished/ {print $1}')
    b=$("$bin" runs --db roomy.db --name "full_seed-$seed" | awk '/finished/ {print $1}')
    [ "$(digest "$a" disk/s.db)" = "$(digest "$b" roomy.db)" ] || fail "full_seed-$seed: weights differ after the full disk"
  done
  echo "disk full under a sweep: $not_started runs held back, all 8 finished with room, weights equal"
else
  echo "disk full under a sweep: skipped (needs root to mount a small tmpfs)"
fi

[ "$failures" -eq 0 ] && echo "all fault and load checks passed"
exit "$failures"
