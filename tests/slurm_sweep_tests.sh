#!/usr/bin/env bash
# A sweep on a real Slurm cluster (one node on loopback, installer/slurm-local.sh): submitted as a job array of 6
# runs two at a time, one task cancelled with scancel mid-run and resubmitted so it resumes from its checkpoint,
# the task stores merged into one whose runs all finished and which passes SQLite's integrity check. The test
# starts and stops the cluster itself and leaves nothing running. Skipped (77) without root or Slurm.
# usage: slurm_sweep_tests.sh PATH/TO/sparsescope PATH/TO/slurm-local.sh
set -u
bin=$1
cluster=$2
source "$(dirname "$0")/cli_test_helpers.sh"
seconds_since() { echo $(($(date +%s) - $1)); }

# Usage errors need no cluster: exit 2, naming the problem.
echo '{"sweep_format": 1, "id": "u", "base": {"format": 1, "name": "b"}, "axes": [{"key": "train.seed", "values": [1]}]}' >u.json
expect_exit 2 "status of a folder without a sweep" "$bin" sweep status "$work"
grep -q "$work: not a Slurm sweep folder" err.txt || fail "a folder without a sweep is named ($(cat err.txt))"
expect_exit 2 "--partition without --slurm" "$bin" sweep u.json --local --partition short
grep -q -- '--partition is for --slurm DIR' err.txt || fail "--partition needs --slurm ($(cat err.txt))"
expect_exit 2 "resubmit without a folder" "$bin" sweep resubmit

if [ "$(id -u)" -ne 0 ] || ! command -v slurmctld >/dev/null; then
  [ "$failures" -eq 0 ] || exit 1
  echo "SKIP: needs root and Slurm's packages (installer/setup-deps.sh) for a local cluster"
  exit 77
fi
# A state directory and ports of the test's own, so a cluster started by hand is left alone.
export SPARSESCOPE_SLURM_STATE=${TMPDIR:-/tmp}/sparsescope-slurm-test
export SPARSESCOPE_SLURM_PORT=6937
finish() {
  "$cluster" stop >/dev/null 2>&1 && rm -rf "$SPARSESCOPE_SLURM_STATE"
  rm -rf "$work"
}
trap finish EXIT

# Within a deadline, so the cluster is always stopped before ctest's own timeout could kill this script.
wait_until() {  # seconds description command...
  local seconds=$1 what=$2 start
  shift 2
  start=$(date +%s)
  until "$@"; do
    if [ "$(seconds_since "$start")" -ge "$seconds" ]; then
      fail "$what: not within ${seconds}s"
      return 1
    fi
    sleep 0.5
  done
}
queue_empty() { [ -z "$(squeue -h -o %i)" ]; }

"$cluster" stop >/dev/null 2>&1  # whatever an earlier, killed run of this test left
start=$(date +%s)
eval "$("$cluster" start)" || {
  echo "FAIL: the local cluster did not start"
  exit 1
}
echo "cluster up in $(seconds_since "$start")s"

# 6 short spirals runs; the first trains 1500 epochs (some seconds), long enough to be cancelled while it runs.
cat >sweep.json <<'EOF'
{"sweep_format": 1, "id": "slurmtest",
 "base": {"format": 1, "name": "b", "data": {"dataset": "spirals", "examples": 600, "noise": 0.05},
          "model": {"hidden": [16]}, "train": {"epochs": 2, "batch_size": 32, "threads": 1}},
 "axes": [{"zip": [{"key": "train.seed", "values": [1, 2, 3, 4, 5, 6]},
                   {"key": "train.epochs", "values": [1500, 2, 2, 2, 2, 2],
                    "labels": ["long", "short1", "short2", "short3", "short4", "short5"]}]}]}
EOF
start=$(date +%s)
job=$("$bin" sweep sweep.json --slurm "$work/sweep" --max-parallel 2 --cpus-per-task 1 --time 10 2>err.txt)
[[ "$job" =~ ^[0-9]+$ ]] || {
  echo "FAIL: sweep --slurm printed no job id ($job; $(cat err.txt))"
  exit 1
}
echo "submitted job array $job"
grep -q -- '--array=0-5%2' sweep/sweep.sbatch || fail "the job script throttles the array to 2 at once"
[ "$(find sweep/projects -name "*.json" | wc -l)" -eq 6 ] || fail "6 projects written ($(ls sweep/projects))"
expect_exit 2 "a second submission into one folder" "$bin" sweep sweep.json --slurm "$work/sweep"
grep -q 'already holds a submitted sweep' err.txt || fail "a second submission names the folder's sweep"

# Cancel task 0 once it has finished its first epoch, and so checkpointed.
wait_until 90 "task 0 trains its second epoch" grep -qs '^epoch 2/' "sweep/logs/0.$job.out"
scancel "${job}_0"
wait_until 120 "the first submission ends" queue_empty
echo "first submission done in $(seconds_since "$start")s"

"$bin" sweep status sweep >status.txt 2>&1 || fail "sweep status failed ($(cat status.txt))"
cat status.txt
grep -q '^6 runs: 5 finished, 0 running, 0 pending, 1 failed' status.txt || fail "status: 5 finished and 1 failed"
grep -E '^0 +slurmtest_\S+ +failed .*cancelled' status.txt >/dev/null || fail "status: task 0 failed as cancelled"

start=$(date +%s)
again=$("$bin" sweep resubmit sweep 2>err.txt)
[[ "$again" =~ ^[0-9]+$ ]] && [ "$again" != "$job" ] || fail "resubmit printed a new job id ($again; $(cat err.txt))"
grep -q "resubmitted 1 runs as job array $again (0%2)" err.txt || fail "resubmit names the one task ($(cat err.txt))"
wait_until 180 "the resubmitted task ends" queue_empty
echo "resubmitted task done in $(seconds_since "$start")s"
grep -q 'resuming at epoch' sweep/logs/0."$again".out || fail "the resubmitted task resumed from its checkpoint"

"$bin" sweep status sweep >status.txt 2>&1
cat status.txt
grep -q '^6 runs: 6 finished' status.txt || fail "status after resubmit: all 6 finished"
again2=$("$bin" sweep resubmit sweep 2>err.txt)
[ -z "$again2" ] && grep -q 'no failed or cancelled runs' err.txt || fail "nothing left to resubmit ($again2)"

"$bin" merge sweep/stores --into merged.db >merge.txt 2>&1 || fail "merge failed ($(cat merge.txt))"
cat merge.txt
[ "$("$bin" runs --db merged.db --status finished | grep -c finished)" -eq 6 ] || fail "6 finished runs merged"
[ "$("$bin" runs --db merged.db | grep -c 'slurmtest_')" -eq 6 ] || fail "exactly 6 runs merged"
[ "$(sqlite3 merged.db 'PRAGMA integrity_check')" = ok ] || fail "the merged store passes the integrity check"

"$cluster" stop >/dev/null 2>&1 || fail "the cluster stops"
[ -z "$(pgrep -f "$SPARSESCOPE_SLURM_STATE/")" ] || fail "nothing of the cluster runs after stop"
[ -z "$(pgrep -f "$work/sweep")" ] || fail "no task runs after stop"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all Slurm sweep checks passed"
