#!/usr/bin/env bash
# The command line as scripts use it: exit codes, the --json contract, Ctrl-C, and no display.
# usage: cli_tests.sh PATH/TO/sparsescope PROJECTS_DIR
set -u
bin=$1
projects=$2
source "$(dirname "$0")/cli_test_helpers.sh"

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

# A project path alone opens it in the explorer (the .desktop entry's Exec line); without a display
# the message says how to train it headless, and a missing file is named.
expect_exit 2 "project without display" env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$bin" "$projects/spirals-mlp-dense.json"
grep -q "no display to open .*spirals-mlp-dense.json.*'sparsescope run " err.txt || fail "project without display: says how to run it headless"
expect_exit 2 "missing project for the explorer" "$bin" /nonexistent/p.json
grep -q '/nonexistent/p.json: no such project file' err.txt || fail "missing project for the explorer is named"

# --json: exactly one JSON object per epoch on stdout, with the contract's keys.
expect_exit 0 "run --json" "$bin" run "$projects/spirals-mlp-dense.json" --epochs 3 --json --db s.db
[ "$(wc -l < out.txt)" -eq 3 ] || fail "--json prints one line per epoch ($(wc -l < out.txt) lines)"
for key in run_id epoch train_loss train_accuracy test_loss test_accuracy lr density samples_per_second examples_in_use memory_bytes peak_rss_bytes base_rss_bytes; do
  [ "$(grep -c "\"$key\":" out.txt)" -eq 3 ] || fail "--json line lacks \"$key\""
done
grep -q '"density":1.0' out.txt || fail "a dense run reports density 1.0"
expect_exit 0 "runs" "$bin" runs --db s.db
grep -q 'spirals-mlp-dense .*finished' out.txt || fail "runs lists the finished run"

# Ctrl-C stops cleanly and the run is recorded as cancelled.
# Each run in the background logs to a file of its own that no earlier command wrote. With a shared err.txt, the
# poll below can read the previous run's log before the new process has truncated it (the shell truncates in the
# forked child, after '&' has returned), see its epoch line, and signal a process that has no handler yet: a
# background job starts with SIGINT ignored, so that run went on to finish; a kill -9 that early left no run.
"$bin" run "$projects/spirals-mlp-dense.json" --epochs 100000 --db c.db >out.txt 2>ctrl-c.err &
pid=$!
for _ in $(seq 1 300); do grep -q '^epoch 1/' ctrl-c.err && break; sleep 0.2; done
grep -q '^epoch 1/' ctrl-c.err || fail "Ctrl-C: the run did not reach epoch 1 in 60 s ($(head -c 300 ctrl-c.err))"
kill -INT "$pid"
wait "$pid"
code=$?
[ "$code" -eq 130 ] || fail "Ctrl-C: exit $code, expected 130"
"$bin" runs --db c.db >out.txt 2>&1
grep -q 'cancelled' out.txt || fail "Ctrl-C: run marked cancelled ($(cat out.txt))"

# A killed run is marked interrupted the next time the store is opened.
"$bin" run "$projects/spirals-mlp-dense.json" --epochs 100000 --db k.db >out.txt 2>kill-9.err &
pid=$!
# Up to 60 s: a CI machine may be running the sanitizer builds and the fuzzers beside this script.
for _ in $(seq 1 300); do grep -q '^epoch 2/' kill-9.err && break; sleep 0.2; done
grep -q '^epoch 2/' kill-9.err || fail "kill -9: the run did not reach epoch 2 in 60 s ($(head -c 300 kill-9.err))"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
"$bin" runs --db k.db >out.txt 2>&1
grep -q 'interrupted' out.txt || fail "kill -9: run marked interrupted ($(cat out.txt))"

# resume: a run stopped with Ctrl-C continues from its checkpoint to the weights of a run never stopped.
# The same project with 40000 examples: 40 epochs take seconds, long enough to see epoch 2 and send Ctrl-C.
digest() { "$bin" show "$1" --db "$2" --json | sed -n 's/.*"weights_digest": "\([0-9a-f]*\)".*/\1/p'; }
sed 's/"examples": 3000,/"examples": 40000,/' "$projects/spirals-mlp-dense.json" > spirals-40k.json
grep -q '"examples": 40000' spirals-40k.json || fail "the resume test's project has 40000 examples"
"$bin" run spirals-40k.json --epochs 40 --db r.db >out.txt 2>resume.err &
pid=$!
for _ in $(seq 1 600); do grep -q '^epoch 2/' resume.err && break; sleep 0.05; done
grep -q '^epoch 2/' resume.err || fail "resume: the first run did not reach epoch 2 in 30 s ($(head -c 300 resume.err))"
kill -INT "$pid"
wait "$pid"
code=$?
[ "$code" -eq 130 ] || fail "resume: the first run was not cancelled (exit $code; $(tail -c 300 resume.err))"
grep -q "sparsescope resume 1 --db r.db" resume.err || fail "a cancelled run says how to resume it"
expect_exit 0 "resume" "$bin" resume 1 --db r.db
grep -q 'resuming at epoch' err.txt || fail "resume says where it continues"
expect_exit 0 "uninterrupted twin" "$bin" run spirals-40k.json --epochs 40 --db r.db
[ -n "$(digest 1 r.db)" ] && [ "$(digest 1 r.db)" = "$(digest 2 r.db)" ] ||
  fail "resumed and uninterrupted weights differ ($(digest 1 r.db) vs $(digest 2 r.db))"
expect_exit 2 "resume of a finished run" "$bin" resume 1 --db r.db
grep -q 'nothing to resume' err.txt || fail "resume of a finished run says why"
expect_exit 2 "show of a missing run" "$bin" show 99 --db r.db
grep -q 'r.db: no run 99' err.txt || fail "a missing run is named with its store"
expect_exit 2 "a run id that is not a number" "$bin" show first --db r.db

# show, export, runs filters, delete, compact.
expect_exit 0 "show" "$bin" show 1 --db r.db
grep -q "run 1 'spirals-mlp-dense': finished" out.txt && grep -q 'weights digest' out.txt && grep -q '^  fc1 ' out.txt ||
  fail "show prints the summary, digest and layers"
expect_exit 0 "export" "$bin" export 1 --csv exported --db r.db
for f in run epochs steps layers mask_events example_stats; do [ -s "exported/$f.csv" ] || fail "export wrote no $f.csv"; done
[ "$(wc -l < exported/epochs.csv)" -eq 41 ] || fail "epochs.csv has a header and 40 epochs"
head -1 exported/epochs.csv | grep -q '^epoch,step,train_loss' || fail "epochs.csv header"
expect_exit 2 "export without --csv" "$bin" export 1 --db r.db

# Reports need no display: plots are drawn offscreen.
if "$bin" --help | grep -q '^  report'; then
  expect_exit 0 "report, no display" env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$bin" report 1 2 -o study.html --db r.db
  grep -q 'Comparison' study.html || fail "a two-run report compares them"
  expect_exit 0 "report --format pdf" "$bin" report 1 --format pdf -o one.pdf --db r.db
  head -c 4 one.pdf | grep -q '%PDF' || fail "report --format pdf writes a PDF"
  [ -s one_files/run-1/epochs.csv ] || fail "a PDF report writes its linked CSV files beside it"
  expect_exit 2 "report of a missing run" "$bin" report 1 77 -o missing.html --db r.db
  grep -q 'no run 77' err.txt || fail "a missing run is named ($(cat err.txt))"
  expect_exit 2 "report in an unknown format" "$bin" report 1 --format docx -o x.docx --db r.db
  expect_exit 2 "report without -o" "$bin" report 1 --db r.db
fi
expect_exit 0 "runs --status" "$bin" runs --db r.db --status finished
[ "$(grep -c 'finished' out.txt)" -eq 2 ] || fail "runs --status finished lists both runs"
expect_exit 0 "runs --algorithm" "$bin" runs --db r.db --algorithm mest
grep -q 'no matching runs' out.txt || fail "runs --algorithm mest matches no dense run"
expect_exit 2 "runs --status with a bad name" "$bin" runs --db r.db --status paused
expect_exit 0 "delete" "$bin" delete 2 --db r.db
"$bin" runs --db r.db | grep -q '^    2 ' && fail "a deleted run is still listed"
expect_exit 0 "compact" "$bin" compact --db r.db
grep -q 'integrity ok' out.txt || fail "compact checks integrity ($(cat out.txt))"

# The memory model's lines before the run, the measured figure after it; show prints both from the store.
expect_exit 0 "run prints its memory" "$bin" run "$projects/spirals-mlp-dense.json" --epochs 1 --db m.db
cp err.txt memory-model.txt
grep -q '^  data set ' err.txt && grep -q '^  peak ' err.txt || fail "run prints the memory model's lines ($(cat err.txt))"
grep -q '^measured: peak resident set .* MB above the base of .* MB; the model.s peak' out.txt ||
  fail "run prints the measured peak beside the model's ($(cat out.txt))"
expect_exit 0 "show prints the memory" "$bin" show 1 --db m.db
grep -q '^    checkpoint and snapshots ' out.txt && grep -q '^  measured: peak resident set' out.txt ||
  fail "show prints the memory model and the measured figure ($(cat out.txt))"

# memory_bound holds on the measured figure while the run trains. A bound a tenth above the model's peak passes the
# check before the run, but the process holds more than the model counts (its threads, SQLite's cache): the run
# stops with a checkpoint by its first epoch's end, says why and how to go on, and goes on with a larger bound.
model_peak=$(awk '$1 == "peak" { print $2 }' memory-model.txt)
bound=$(awk -v p="$model_peak" 'BEGIN { printf "%.3fMB", p * 1.1 }')
for name in bounded bounded-continued; do
  sed "s/\"name\": \"spirals-mlp-dense\",/\"name\": \"$name\", \"memory_bound\": \"$bound\",/" \
    "$projects/spirals-mlp-dense.json" > "$name.json"
done
grep -q "\"memory_bound\": \"$bound\"" bounded.json || fail "the bounded project has a memory bound of $bound"
expect_exit 1 "a run over its memory bound" "$bin" run bounded.json --epochs 5 --db m.db
grep -q "stopped at the memory bound: the process held .* MB above its base .* over the memory_bound of" err.txt ||
  fail "a run over its bound says so, naming the figure and the bound ($(cat err.txt))"
grep -q "sparsescope resume 2 --memory-bound SIZE --db m.db" err.txt || fail "a run over its bound says how to go on"
expect_exit 0 "show of a run stopped at its bound" "$bin" show 2 --db m.db
grep -q "run 2 'bounded': cancelled: stopped at the memory bound" out.txt || fail "its status says why ($(head -1 out.txt))"
expect_exit 0 "resume with a larger bound" "$bin" resume 2 --memory-bound 1GB --db m.db
"$bin" show 2 --db m.db --json | grep -q '"status": "finished"' || fail "the resumed run finished"
expect_exit 0 "continue of a run resumed with a larger bound" "$bin" run bounded.json --epochs 5 --continue --db m.db
grep -q "already finished" out.txt || fail "a changed bound is not a different project ($(cat err.txt))"
expect_exit 1 "a second run over its bound" "$bin" run bounded-continued.json --epochs 5 --db m.db
sed -i "s/\"memory_bound\": \"$bound\"/\"memory_bound\": \"1GB\"/" bounded-continued.json
expect_exit 0 "continue with a larger bound in the project" "$bin" run bounded-continued.json --epochs 5 --continue --db m.db
grep -q "resuming it from its checkpoint" err.txt || fail "--continue resumes a run stopped at its bound ($(cat err.txt))"

# Two processes writing runs to one store at once.
"$bin" run "$projects/spirals-mlp-dense.json" --epochs 15 --db two.db >/dev/null 2>e1.txt &
p1=$!
"$bin" run "$projects/spirals-mlp-dense.json" --epochs 15 --db two.db >/dev/null 2>e2.txt &
p2=$!
wait "$p1" || fail "first of two concurrent writers failed: $(tail -1 e1.txt)"
wait "$p2" || fail "second of two concurrent writers failed: $(tail -1 e2.txt)"
[ "$("$bin" runs --db two.db --status finished | grep -c finished)" -eq 2 ] || fail "both concurrent runs finished"

# A store that is not one: the file is named, the exit code is 2.
head -c 8192 /dev/urandom > junk.db
expect_exit 2 "a file that is not a store" "$bin" runs --db junk.db
grep -q 'junk.db' err.txt || fail "a damaged store is named ($(cat err.txt))"

# bench times a CIFAR model without CIFAR on the machine (random input of its shape), and --planned spreads the
# density as the project's run would: ERK with the first conv kept dense.
cat > cifar-bench.json <<'JSON'
{"format": 1, "name": "cifar-bench", "data": {"dataset": "cifar10", "dir": "/nonexistent/cifar-10-batches-bin"},
 "model": {"preset": "resnet", "depth": 8}, "train": {"batch_size": 4},
 "sparsity": {"target": 0.9, "dense_layers": ["first"]}}
JSON
expect_exit 0 "bench without the data set" "$bin" bench cifar-bench.json --densities 0.1 --repeats 1 --planned --json
python3 - <<'PY' || fail "bench --planned --json: rows of every layer, the first conv dense"
import json
rows = {row["layer"]: row for row in json.load(open("out.txt"))}
assert {"conv1", "stage2.block1.shortcut", "fc", "model"} <= rows.keys(), rows.keys()
assert rows["conv1"]["layout"] == "dense" and rows["conv1"]["achieved_density"] == 1.0
assert abs(rows["model"]["achieved_density"] - 0.1) < 0.01
for key in ("dense_dw_ms", "sparse_dw_ms", "dense_step_ms", "sparse_step_ms"):
    assert rows["stage1.block1.conv1"][key] > 0, key
PY
grep -q "random input in cifar10's shape, 3x32x32" err.txt || fail "bench says its input is random ($(cat err.txt))"

[ "$failures" -eq 0 ] && echo "all CLI checks passed"
exit "$failures"
