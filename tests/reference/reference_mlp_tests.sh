#!/usr/bin/env bash
# reference_mlp on a 4000-image slice of Fashion-MNIST: docs/algorithms.md's ERK example, and that each
# kind of rule (dense, dense start then pruned, epoch mutation, soft bound, data removal) ends at a sane
# accuracy and at the density it must.
# usage: reference_mlp_tests.sh REFERENCE_MLP [DATA_DIR]
set -euo pipefail
bin=$1
data=${2:-/usr/share/datasets/fashion-mnist}
[ -d "$data" ] || { echo "no Fashion-MNIST in $data: skipped"; exit 77; }

fail() { echo "FAIL: $*" >&2; exit 1; }

# run EXPECTED_DENSITY ARGS...: the final JSON line's accuracy above 0.6, its density within 1e-3.
run() {
  local expected=$1; shift
  local out final
  out=$("$bin" "$@" --train-limit 4000 --data "$data") || fail "reference_mlp $* exited $?"
  final=$(tail -n1 <<<"$out")
  awk -v line="$final" -v want="$expected" 'BEGIN {
    match(line, /"test_accuracy": [0-9.]+/); acc = substr(line, RSTART + 17, RLENGTH - 17) + 0
    match(line, /"density": [0-9.]+/); density = substr(line, RSTART + 11, RLENGTH - 11) + 0
    if (acc <= 0.6) { print "accuracy " acc " not above 0.6"; exit 1 }
    if (density - want > 1e-3 || want - density > 1e-3) { print "density " density " not " want; exit 1 }
  }' || fail "reference_mlp $*: $final"
  echo "ok: $* -> $final"
  last_output=$out
}

# erk SPARSITY EXPECTED: the densities printed first (one step of training is enough to print them).
erk() {
  local out first
  out=$("$bin" --algorithm static --sparsity "$1" --epochs 1 --train-limit 128 --data "$data")
  first=$(head -n1 <<<"$out")
  [ "$first" = "erk_densities $2" ] || fail "ERK at $1: '$first', not '$2'"
}
erk 0.9 '0.079568 0.230189 1.000000'
erk 0.98 '0.015394 0.044534 0.367403'

run 0.1 --algorithm static --sparsity 0.9 --epochs 2
run 0.1 --algorithm set --sparsity 0.9 --epochs 2
run 1.0 --algorithm dense --epochs 1
run 0.1 --algorithm gmp --sparsity 0.9 --epochs 1
# 256 steps: one mask update at step 100, before 0.75 of training.
run 0.1 --algorithm rigl --sparsity 0.9 --epochs 8
# Three epochs of MEST+EM&S: epoch 2 runs above the target (grown to 1.1 d), epoch 3 pruned back to it.
run 0.1 --algorithm mest --variant em\&s --sparsity 0.9 --epochs 3
grep -q '^epoch 2 .* density 0.10[5-9]' <<<"$last_output" || fail "EM&S's soft bound: $(grep '^epoch 2' <<<"$last_output")"
run 0.1 --algorithm mest --variant em --sparsity 0.9 --epochs 2 --remove-fraction 0.2 --removal-epoch 1
grep -q '^epoch 2 .* examples 3200 ' <<<"$last_output" || fail "removal: $(grep '^epoch 2' <<<"$last_output")"

if "$bin" --algorithm nonsense --sparsity 0.9 --data "$data" >/dev/null 2>&1; then fail "an unknown algorithm ran"; fi
echo "all reference_mlp checks passed"
