#!/usr/bin/env bash
# Reproduces the memory table of the README: peak resident set (/usr/bin/time -v) of one-epoch headless runs
# beside the memory model's figure, for the main job, its dense twin, the Fashion convnet and ResNet-20 sparse and
# dense (a dense ResNet-20 epoch takes about 4 minutes on two cores), and static
# sparse MLPs on the spirals set whose dense forms take 0.2, 3.2 and 52 GB with gradients and momentum.
# usage: docs/reproduce-memory-table.sh [BUILD_DIR] [OUT_DIR] [RUNS]
#   each configuration runs RUNS times (default 3, one after another) and the median peak is printed, in MB
#   (10^6 bytes) as sparsescope prints its figures.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build}/app/sparsescope
out=${2:-results-memory}
runs=${3:-3}
mkdir -p "$out"

spirals() {  # spirals NAME WIDTH TARGET: the spirals example with two hidden layers of WIDTH, static at TARGET
  cat > "$out/$1.json" <<EOF
{
  "format": 1,
  "name": "$1",
  "data": { "dataset": "spirals", "examples": 3000, "classes": 3, "noise": 0.05 },
  "model": { "preset": "mlp", "hidden": [$2, $2] },
  "train": { "epochs": 1, "batch_size": 32, "seed": 1,
    "optimizer": { "name": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": true, "weight_decay": 0.0001 },
    "schedule": { "name": "cosine" } },
  "sparsity": { "target": $3, "scheme": "unstructured", "distribution": "erk" },
  "algorithm": { "name": "static" }
}
EOF
}
spirals spirals-mlp-4096-static-99 4096 0.99
spirals spirals-mlp-16384-static-99 16384 0.99
spirals spirals-mlp-65536-static-99.9 65536 0.999
for project in fashion-mlp-mest-em-s-90 fashion-mlp-dense fashion-convnet-mest-em-s-90 fashion-convnet-dense \
  fashion-resnet20-mest-em-s-90 fashion-resnet20-dense; do
  cp "$here/projects/$project.json" "$out/"
done

printf '%-32s %14s %14s %16s %10s\n' project "model peak MB" "peak RSS MB" "above base MB" "seconds"
for project in fashion-mlp-mest-em-s-90 fashion-mlp-dense fashion-convnet-mest-em-s-90 fashion-convnet-dense \
  fashion-resnet20-mest-em-s-90 fashion-resnet20-dense spirals-mlp-4096-static-99 spirals-mlp-16384-static-99 \
  spirals-mlp-65536-static-99.9; do
  peaks=()
  for run in $(seq "$runs"); do
    db="$out/$project-$run.db"
    rm -f "$db"
    /usr/bin/time -v "$bin" run "$out/$project.json" --epochs 1 --db "$db" > "$out/$project-$run.out" \
      2> "$out/$project-$run.log"
    peaks+=("$(awk '/Maximum resident set size/ { print $6 * 1024 / 1e6 }' "$out/$project-$run.log")")
  done
  model=$(awk '$1 == "peak" { print $2; exit }' "$out/$project-1.log")  # the memory model's sparse column
  above=$(sed -n 's/^measured: .*, \([0-9.]*\) MB above the base.*/\1/p' "$out/$project-1.out")
  seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' \
    "$out/$project-1.log")
  median=$(printf '%s\n' "${peaks[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  printf '%-32s %14s %14.1f %16s %10s\n' "$project" "${model:-?}" "$median" "${above:-?}" "$seconds"
done
