#!/usr/bin/env bash
# Reproduces the MLP table of docs/results.md: LeNet-300-100 on Fashion-MNIST, 15 epochs, batch 128,
# SGD Nesterov 0.9, lr 0.05 cosine, wd 5e-4, ERK, unstructured, mutation every epoch until 75%.
# usage: docs/reproduce-mlp-table.sh [BUILD_DIR] [OUT_DIR]   (runs two trainings at a time, 1 thread each)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build}/app/sparsescope
out=${2:-results-mlp}
mkdir -p "$out"

# name  algorithm-section
variants=(
  'dense|{"name": "dense"}'
  'static|{"name": "static"}'
  'set|{"name": "set"}'
  'rigl|{"name": "rigl"}'
  'gmp|{"name": "gmp"}'
  'mest|{"name": "mest", "variant": "vanilla"}'
  'mest-em|{"name": "mest", "variant": "em"}'
  'mest-em-s|{"name": "mest", "variant": "em&s"}'
  'mest-em-s-de20|{"name": "mest", "variant": "em&s"}'
)
jobs=()
for sparsity in 0.9 0.95 0.98; do
  for v in "${variants[@]}"; do
    name=${v%%|*}
    algorithm=${v#*|}
    target=$sparsity
    [ "$name" = dense ] && { [ "$sparsity" = 0.9 ] || continue; target=0; }
    efficiency='{"enabled": false}'
    [ "$name" = mest-em-s-de20 ] && efficiency='{"enabled": true, "removal_epoch": 5, "remove_fraction": 0.2}'
    project="$out/mlp-$name-$sparsity.json"
    algorithm=${algorithm//&/\\&}  # '&' means "the match" to sed
    sed -e "s/\"name\": \"fashion-mlp-static-90\"/\"name\": \"mlp-$name-$sparsity\"/" \
        -e "s/\"target\": 0.9/\"target\": $target/" \
        -e "s/\"algorithm\": { \"name\": \"static\" }/\"algorithm\": $algorithm, \"data_efficiency\": $efficiency/" \
        "$here/projects/fashion-mlp-static-90.json" > "$project"
    for seed in 1 2 3; do jobs+=("$project $seed"); done
  done
done

run() {
  set -- $1
  "$bin" run "$1" --seed "$2" --threads 1 --json --db "$out/$(basename "$1" .json)-seed$2.db" \
    > "$out/$(basename "$1" .json)-seed$2.jsonl" 2> "$out/$(basename "$1" .json)-seed$2.log"
}
export -f run
export bin out
# Failed runs leave their reason in the .log next to them; the summary below shows what finished.
printf '%s\n' "${jobs[@]}" | xargs -P 2 -I{} bash -c 'run "$@"' _ {} || echo "some runs failed: see $out/*.log" >&2

# Final test accuracy and mean epoch time per configuration: mean and spread over the seeds.
for f in "$out"/*-seed1.jsonl; do
  base=${f%-seed1.jsonl}
  tail -qn1 "$base"-seed*.jsonl | python3 -c '
import json, statistics, sys
rows = [json.loads(l) for l in sys.stdin]
acc = [100 * r["test_accuracy"] for r in rows]
print(f"{sys.argv[1]:28s} {statistics.mean(acc):6.2f} +- {statistics.pstdev(acc):4.2f}  (n={len(acc)})")' "$(basename "$base")"
done | sort
