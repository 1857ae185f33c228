#!/usr/bin/env bash
# reference_resnet: its backward passes against finite differences in double (each layer, then the
# network), that a short sparse run learns and ends at its density, and that the thread count changes
# nothing. About 35 s of CPU (45-65 s wall on two cores shared with other jobs).
# --quick, for the sanitizer trees (-O1 and instrumented: a batch-128 step takes about 25 s there, against
# 1 s): the gradient check and a 2-step sparse run checked for its density only.
# usage: reference_resnet_tests.sh [--quick] REFERENCE_RESNET [DATA_DIR]
set -euo pipefail
quick=0
if [ "${1:-}" = --quick ]; then
  quick=1
  shift
fi
bin=$1
data=${2:-/usr/share/datasets/fashion-mnist}
# OpenMP threads that sleep when they wait: on a machine shared with other jobs, spinning ones steal the
# core their partner needs.
export OMP_WAIT_POLICY=passive

fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$bin" --gradient-check) || fail "gradient check: $(grep FAIL <<<"$out" || true)"
echo "ok: gradient check, $(wc -l <<<"$out") tensors, largest relative error $(awk '{print $(NF-3)}' <<<"$out" | sort -g | tail -n1)"

[ -d "$data" ] || { echo "no Fashion-MNIST in $data: training checks skipped"; exit 77; }

# check_final OUTPUT MINIMUM_ACCURACY: the final JSON line's accuracy above the minimum, its density 0.1
# within 1e-3.
check_final() {
  local final
  final=$(tail -n1 <<<"$1")
  awk -v line="$final" -v least="$2" 'BEGIN {
    match(line, /"test_accuracy": [0-9.]+/); acc = substr(line, RSTART + 17, RLENGTH - 17) + 0
    match(line, /"density": [0-9.]+/); density = substr(line, RSTART + 11, RLENGTH - 11) + 0
    if (acc <= least) { print "accuracy " acc " not above " least; exit 1 }
    if (density - 0.1 > 1e-3 || 0.1 - density > 1e-3) { print "density " density " not 0.1"; exit 1 }
  }' || fail "MEST+EM&S 90%: $final"
  echo "ok: $final"
}

if [ "$quick" = 1 ]; then
  # One step per epoch; one mutation of every sparse conv at the second epoch's start.
  out=$("$bin" --algorithm mest --variant 'em&s' --sparsity 0.9 --epochs 2 --train-limit 128 --test-limit 100 \
    --data "$data" --threads 2) || fail "training run exited $?"
  check_final "$out" -1  # two steps: accuracy not judged
  echo "all reference_resnet checks passed (quick)"
  exit 0
fi

# 2 epochs of MEST+EM&S at 90% on 1280 images (20 steps; at the second epoch's start one mutation, which with
# 2 epochs is already MEST's last phase: prune to the target, regrow to it):
# accuracy well above chance (0.1) on 1000 test images (0.45 measured), density 0.1 within 1e-3 at the end.
out=$("$bin" --algorithm mest --variant 'em&s' --sparsity 0.9 --epochs 2 --train-limit 1280 --test-limit 1000 \
  --data "$data" --threads 2) || fail "training run exited $?"
check_final "$out" 0.35

# The conv products are split in blocks of images whatever the thread count: 1 and 2 threads must print
# the same numbers (but for the seconds).
run_threads() {
  "$bin" --algorithm set --sparsity 0.9 --epochs 1 --train-limit 200 --test-limit 100 --data "$data" --threads "$1" |
    sed -E 's/seconds [0-9.]+//; s/"seconds": [0-9.]+//'
}
[ "$(run_threads 1)" = "$(run_threads 2)" ] || fail "1 and 2 threads give different runs"
echo "ok: 1 and 2 threads give the same run"

if "$bin" --algorithm nonsense --sparsity 0.9 --data "$data" >/dev/null 2>&1; then fail "an unknown algorithm ran"; fi
echo "all reference_resnet checks passed"
