#!/usr/bin/env bash
# Sweeps and merges as a user runs them: a dry run, a local sweep two at a time into one store, a re-run that
# skips what finished, cancelled and killed runs resumed by the next run, run --continue, and merging twice.
# usage: sweep_cli_tests.sh PATH/TO/sparsescope
set -u
bin=$1
source "$(dirname "$0")/cli_test_helpers.sh"
finished_runs() { "$bin" runs --db "$1" --status finished | grep -c finished; }

# A sweep of small spirals runs, 4 runs of 3 epochs: seconds each.
write_sweep() {  # file id epochs axes [examples]
  cat > "$1" <<EOF
{"sweep_format": 1, "id": "$2",
 "base": {"format": 1, "name": "b", "data": {"dataset": "spirals", "examples": ${5:-600}, "noise": 0.05},
          "model": {"hidden": [16]}, "train": {"epochs": $3, "batch_size": 32, "threads": 1}},
 "axes": $4}
EOF
}
write_sweep small.json tiny 3 '[{"key": "train.seed", "values": [1, 2]}, {"key": "train.optimizer.lr", "values": [0.1, 0.05]}]'

expect_exit 0 "sweep --help" "$bin" sweep --help
expect_exit 0 "--help lists sweep and merge" "$bin" --help
grep -q '  sweep ' out.txt && grep -q '  merge ' out.txt || fail "--help lists sweep and merge"

# --dry-run lists the runs and creates nothing.
expect_exit 0 "dry run" "$bin" sweep small.json --dry-run --db s.db
[ "$(grep -c '^  new ' out.txt)" -eq 4 ] || fail "dry run lists 4 new runs ($(cat out.txt))"
grep -q 'tiny_seed-2_lr-0.05  train.seed=2 train.optimizer.lr=0.05' out.txt || fail "dry run names runs and values"
[ -e s.db ] && fail "a dry run created the store"

# Bad sweeps and usage: exit 2 with the key path.
write_sweep bad.json bad 3 '[{"key": "sparsity.targte", "values": [0.5]}]'
expect_exit 2 "bad key path" "$bin" sweep bad.json --dry-run
grep -q "bad.json: run 'bad_targte-0.5': sparsity.targte: unknown key" err.txt || fail "bad key path named ($(cat err.txt))"
expect_exit 2 "sweep without a mode" "$bin" sweep small.json
expect_exit 2 "-j 0" "$bin" sweep small.json --local -j 0
expect_exit 2 "missing sweep file" "$bin" sweep none.json --dry-run
grep -q 'none.json: cannot open sweep file' err.txt || fail "a missing sweep file is named"
echo '{"format": 1, "name": "p"}' > project.json
expect_exit 2 "a project is not a sweep" "$bin" sweep project.json --dry-run
grep -q "this looks like a project: train it with 'sparsescope run'" err.txt || fail "a project given to sweep says so"

# A local sweep, two runs at a time, all into one store.
expect_exit 0 "local sweep -j 2" "$bin" sweep small.json --local -j 2 --db s.db
[ "$(finished_runs s.db)" -eq 4 ] || fail "the sweep finished 4 runs"
grep -q 'sweep tiny: 4 of 4 runs finished (0 before this), 0 failed' out.txt || fail "sweep summary ($(cat out.txt))"
grep -q '2 at a time with 1 thread each' err.txt || fail "the sweep splits the cores ($(head -1 err.txt))"
grep -q 'sweep tiny: 4/4 done, 0 running, 0 failed, epochs 12/12' err.txt || fail "one progress line for the sweep"
[ -s tiny.runs/logs/tiny_seed-1_lr-0.1.log ] && [ -s tiny.runs/projects/tiny_seed-1_lr-0.1.json ] ||
  fail "each run has its project file and log"

# The same command again trains nothing.
expect_exit 0 "sweep re-run" "$bin" sweep small.json --local -j 2 --db s.db
grep -q '4 already finished, 0 to train' err.txt || fail "a re-run skips finished runs ($(head -1 err.txt))"
[ "$("$bin" runs --db s.db | grep -c tiny_)" -eq 4 ] || fail "a re-run adds no runs"
expect_exit 0 "dry run after" "$bin" sweep small.json --dry-run --db s.db
[ "$(grep -c '^  finished ' out.txt)" -eq 4 ] || fail "dry run shows the finished runs"

# run --continue, the per-run command of sweeps.
expect_exit 0 "run --continue of a finished run" "$bin" run tiny.runs/projects/tiny_seed-1_lr-0.1.json --db s.db --continue
grep -q "'tiny_seed-1_lr-0.1' already finished" out.txt || fail "--continue leaves a finished run ($(cat out.txt))"
sed 's/"epochs": 3/"epochs": 4/' tiny.runs/projects/tiny_seed-1_lr-0.1.json > changed.json
expect_exit 2 "run --continue of a changed project" "$bin" run changed.json --db s.db --continue
grep -q 'was made from a different project (train.epochs differs)' err.txt || fail "a changed project is refused ($(cat err.txt))"

# Ctrl-C cancels every run with a checkpoint; the same command resumes them.
# 200 epochs (seconds): 12 could end, on a quiet machine, between one run's epoch 2 and the other's.
write_sweep long.json long 200 '[{"key": "train.seed", "values": [1, 2]}]' 20000
"$bin" sweep long.json --local -j 2 --db c.db >out.txt 2>err.txt &
pid=$!
# Both runs must be under way before Ctrl-C; on a loaded machine that can take a while (up to 90 s here).
both_started=no
for _ in $(seq 1 900); do
  # Two logs, one per run: a single log holds epoch 2's progress and summary lines.
  if [ "$(grep -l '^epoch 2/' long.runs/logs/*.log 2>/dev/null | wc -l)" -ge 2 ]; then
    both_started=yes
    break
  fi
  sleep 0.1
done
[ "$both_started" = yes ] || fail "the two runs of the long sweep did not both reach epoch 2 within 90 s"
kill -INT "$pid"
wait "$pid"
code=$?
[ "$code" -eq 130 ] || fail "Ctrl-C on a sweep: exit $code, expected 130"
[ "$("$bin" runs --db c.db --status cancelled | grep -c cancelled)" -eq 2 ] || fail "Ctrl-C cancelled both runs"
grep -q 'run the same command again to resume' err.txt || fail "a cancelled sweep says how to resume"
expect_exit 0 "sweep after Ctrl-C" "$bin" sweep long.json --local -j 2 --db c.db
[ "$(grep -l 'resuming at epoch' long.runs/logs/*.log | wc -l)" -eq 2 ] || fail "both cancelled runs resumed"
[ "$("$bin" runs --db c.db | grep -c long_)" -eq 2 ] && [ "$(finished_runs c.db)" -eq 2 ] ||
  fail "the cancelled runs finished as the same two runs"

# A sweep file changed under finished runs: each run refuses, naming what differs.
write_sweep small.json tiny 4 '[{"key": "train.seed", "values": [1, 2]}, {"key": "train.optimizer.lr", "values": [0.1, 0.05]}]'
expect_exit 1 "changed sweep over finished runs" "$bin" sweep small.json --local -j 2 --db s.db
grep -q 'different project (train.epochs differs)' err.txt || fail "a changed sweep names the difference ($(tail -2 err.txt))"

# A killed run (kill -9) is marked interrupted and resumed by the next run of the sweep. 400 epochs (a few
# seconds): 40 could end before the kill lands on a quiet machine.
write_sweep killed.json killed 400 '[{"key": "train.seed", "values": [1]}]'
"$bin" sweep killed.json --local --db k.db >out.txt 2>err.txt &
pid=$!
# Killed once a checkpoint is committed to the store, not when the log shows an epoch: under load the store's
# writer (low priority) can be a few epochs behind the log, and a kill before it commits leaves nothing to
# resume from.
has_checkpoint() { "$bin" show 1 --db k.db 2>/dev/null | grep -q '^  checkpoint: .* at step'; }
for _ in $(seq 1 300); do has_checkpoint && break; sleep 0.2; done
child=$(pgrep -P "$pid" | head -1)
[ -n "$child" ] && kill -KILL "$child"
wait "$pid"
code=$?
[ "$code" -eq 1 ] || fail "a killed run fails the sweep: exit $code, expected 1"
grep -q 'FAILED killed_seed-1 (killed by signal 9)' err.txt || fail "the killed run is reported ($(tail -3 err.txt))"
expect_exit 0 "sweep after a kill" "$bin" sweep killed.json --local --db k.db
grep -q 'resuming at epoch' killed.runs/logs/killed_seed-1.log || fail "the killed run resumed from its checkpoint"
[ "$("$bin" runs --db k.db | grep -c killed_)" -eq 1 ] && [ "$(finished_runs k.db)" -eq 1 ] ||
  fail "the killed run finished as the same run"

# Merge: twice gives the same counts; a folder stands for its stores.
expect_exit 0 "merge" "$bin" merge s.db k.db --into m.db
grep -q 'merged 2 stores into m.db: 5 runs added, 0 updated, 0 already there' out.txt || fail "merge report ($(cat out.txt))"
expect_exit 0 "merge again" "$bin" merge s.db k.db --into m.db
grep -q '0 runs added, 0 updated, 5 already there' out.txt || fail "merging again adds nothing ($(cat out.txt))"
[ "$("$bin" runs --db m.db | grep -c finished)" -eq 5 ] || fail "the merged store lists 5 finished runs"
mkdir stores && cp s.db k.db stores/
expect_exit 0 "merge a folder" "$bin" merge stores --into m.db
grep -q 'merged 2 stores' out.txt && grep -q '0 runs added' out.txt || fail "a folder merges its stores ($(cat out.txt))"
expect_exit 2 "merge without --into" "$bin" merge s.db
expect_exit 2 "merge of a missing store" "$bin" merge nope.db --into m.db
grep -q 'nope.db: no such store file' err.txt || fail "a missing store is named"

[ "$failures" -eq 0 ] && echo "all sweep CLI checks passed"
exit "$failures"
