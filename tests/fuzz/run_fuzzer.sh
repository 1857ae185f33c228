#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time, starting from its committed seeds (crash inputs found before
# are kept there, so each run re-checks them first):
#   run_fuzzer.sh <fuzzer> <seed dir> <work dir> <seconds>
# New inputs go to <work dir>/corpus, never into the seeds. A crash, sanitizer report, hang (10 s) or an
# allocation over 2 GB fails the test and leaves the input in <work dir>/artifacts.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 <fuzzer> <seed dir> <work dir> <seconds>" >&2; exit 2; }
fuzzer=$1 seeds=$2 work=$3 seconds=$4
name=$(basename "$fuzzer")
mkdir -p "$work/corpus" "$work/artifacts"
rc=0
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds" >"$work/log" 2>&1 || rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
if [ $rc -ne 0 ]; then
  tail -n 60 "$work/log"
  echo "$name: FAILED after ${runs:-?} executions; the input is in $work/artifacts/ (add it to $seeds and" \
    "a regression test once fixed)" >&2
  exit 1
fi
echo "$name: ${runs:-?} executions in $seconds s, corpus $(ls "$work/corpus" | wc -l) inputs, no findings"
