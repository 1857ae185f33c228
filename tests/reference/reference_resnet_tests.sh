#!/usr/bin/env bash
# reference_resnet: its backward passes against finite differences in double (each layer, then the
# network), that a short sparse run learns and ends at its density, and that the thread count changes
# nothing. About 50 s on two cores shared with other jobs.
# usage: reference_resnet_tests.sh REFERENCE_RESNET [DATA_DIR]
set -euo pipefail
bin=$1
data=${2:-/usr/share/datasets/fashion-mnist}
# OpenMP threads that sleep when they wait: on a machine shared with other jobs, spinning ones steal the
# core their partner needs.
export OMP_WAIT_POLICY=passive

fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$bin" --gradient-check) || fail "gradient check: $(grep FAIL <<<"$out" || true)"
echo "ok: gradient check, $(wc -l <<<"$out") tensors, largest relative error $(awk '{print $(NF-3)}' <<<"$out" | sort -g | tail -n1)"

[ -d "$data" ] || { echo "no Fashion-MNIST in $data: training checks skipped"; exit 77; }

# 2 epochs of MEST+EM&S at 90% on 1600 images (26 steps; the soft bound grows and prunes back once):
# accuracy well above chance (0.1) on 1000 test images, density 0.1 within 1e-3 at the end.
out=$("$bin" --algorithm mest --variant 'em&s' --sparsity 0.9 --epochs 2 --train-limit 1600 --test-limit 1000 \
  --data "$data" --threads 2) || fail "training run exited $?"
final=$(tail -n1 <<<"$out")
awk -v line="$final" 'BEGIN {
  match(line, /"test_accuracy": [0-9.]+/); acc = substr(line, RSTART + 17, RLENGTH - 17) + 0
  match(line, /"density": [0-9.]+/); density = substr(line, RSTART + 11, RLENGTH - 11) + 0
  if (acc <= 0.4) { print "accuracy " acc " not above 0.4"; exit 1 }
  if (density - 0.1 > 1e-3 || 0.1 - density > 1e-3) { print "density " density " not 0.1"; exit 1 }
}' || fail "MEST+EM&S 90%: $final"
echo "ok: $final"

# The conv products are split in blocks of images whatever the thread count: 1 and 2 threads must print
# the same numbers (but for the seconds).
run_threads() {
  "$bin" --algorithm set --sparsity 0.9 --epochs 1 --train-limit 300 --test-limit 300 --data "$data" --threads "$1" |
    sed -E 's/seconds [0-9.]+//; s/"seconds": [0-9.]+//'
}
[ "$(run_threads 1)" = "$(run_threads 2)" ] || fail "1 and 2 threads give different runs"
echo "ok: 1 and 2 threads give the same run"

if "$bin" --algorithm nonsense --sparsity 0.9 --data "$data" >/dev/null 2>&1; then fail "an unknown algorithm ran"; fi
echo "all reference_resnet checks passed"
