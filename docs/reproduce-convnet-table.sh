#!/usr/bin/env bash
# Reproduces the convnet table of docs/results.md: conv32-pool-conv64-pool-fc128 on Fashion-MNIST, the
# example projects' settings (20 epochs, batch 128, SGD Nesterov 0.9, lr 0.05 cosine, wd 5e-4, ERK,
# mutation every epoch until 75%), every algorithm at 90% and 95% sparsity, one seed; MEST+EM&S also with
# the kernel-pattern scheme at 90%.
# usage: docs/reproduce-convnet-table.sh [BUILD_DIR] [OUT_DIR] [PARALLEL]
#   runs PARALLEL trainings at a time (default 2), one thread each; a run takes 10-15 minutes on one core.
#   Re-running continues: finished runs are kept, interrupted ones resume from their checkpoints.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build}/app/sparsescope
out=${2:-results-convnet}
parallel=${3:-2}
mkdir -p "$out"

# Each project is an example project of projects/, renamed and with its target changed when needed.
derive() {  # derive SOURCE NAME TARGET [SCHEME]
  local scheme=${4:-unstructured} percent
  percent=$(python3 -c "print(round(100 * $3))")
  sed -e 's/"name": "fashion-convnet-[a-z0-9-]*"/"name": "'"$2"'"/' \
      -e 's/"target": 0.9,/"target": '"$3"',/' \
      -e 's/"scheme": "unstructured"/"scheme": "'"$scheme"'"/' \
      -e 's/at 90% sparsity (ERK, unstructured)/at '"$percent"'% sparsity (ERK, '"$scheme"')/' \
      "$here/projects/$1.json" > "$out/$2.json"
  echo "$out/$2.json"
}

jobs=("$(derive fashion-convnet-dense convnet-dense 0.9)")
for sparsity in 0.9 0.95; do
  for algorithm in static set rigl gmp mest mest-em mest-em-s; do
    jobs+=("$(derive "fashion-convnet-$algorithm-90" "convnet-$algorithm-$sparsity" "$sparsity")")
  done
done
jobs+=("$(derive fashion-convnet-mest-em-s-90 convnet-mest-em-s-pattern-0.9 0.9 pattern)")

run() {
  local base=$out/$(basename "$1" .json)
  "$bin" run "$1" --threads 1 --json --continue --db "$base.db" >> "$base.jsonl" 2>> "$base.log"
}
export -f run
export bin out
# Failed runs leave their reason in the .log next to them; the summary below shows what finished.
printf '%s\n' "${jobs[@]}" | xargs -P "$parallel" -I{} bash -c 'run "$@"' _ {} ||
  echo "some runs failed: see $out/*.log" >&2

# Final test accuracy, the density reached and the median epoch time of each run.
python3 "$here/docs/summarize-runs.py" "$out"/*.jsonl | sort
