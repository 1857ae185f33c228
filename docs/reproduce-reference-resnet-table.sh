#!/usr/bin/env bash
# The ResNet-20 rows of docs/results.md from the independent reference implementation (tests/reference,
# reference_resnet, written from docs/algorithms.md without the engine's code): the unstructured cells of
# docs/reproduce-resnet-table.sh (dense and MEST+EM&S at 90% with seeds 1-3; static, SET, RigL, MEST+EM&S at
# 90% and 95%, MEST+EM&S at 90% with 20% of the examples removed after epoch 5; seed 1). One run at a time on
# every core (reference_resnet runs its conv products on OpenMP threads; the results do not depend on their
# number). 15 runs of 15 epochs, each about 2 hours: a dense epoch took 7.8 minutes on the 2 shared cores
# (tests/reference/RESNET_STATUS.md) and a sparse one costs the same (the reference keeps masked weights in
# dense matrices), so the table is about 30 hours. Prints the table: final test accuracy in %.
# usage: docs/reproduce-reference-resnet-table.sh [BUILD_DIR] [OUT_DIR]
# A run whose output file is complete is not run again, so an interrupted table continues where it stopped.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build}/tests/reference/reference_resnet
out=${2:-results-reference-resnet}
[ -x "$bin" ] || { echo "no $bin: build the reference_resnet target first" >&2; exit 2; }
mkdir -p "$out"
# Waiting OpenMP threads sleep rather than spin: on a shared machine a spinning one holds the core its
# partner needs.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

# shellcheck source=docs/reference-runs.sh
source "$here/docs/reference-runs.sh"

for seed in 1 2 3; do run dense 0.9 "$seed"; run mest-em-s 0.9 "$seed"; done
for sparsity in 0.9 0.95; do
  for name in static set rigl mest-em-s; do run "$name" "$sparsity" 1; done
done
run mest-em-s-de20 0.9 1

python3 - "$out" <<'PY'
import glob, json, statistics, sys
out = sys.argv[1]
labels = {"dense": "dense (0% sparse)", "static": "static (random ERK mask)", "set": "SET", "rigl": "RigL",
          "mest-em-s": "MEST+EM&S", "mest-em-s-de20": "MEST+EM&S, 20% of examples removed after epoch 5"}
print("| algorithm | 90% sparse | 95% sparse |")
print("|---|---|---|")
for name, label in labels.items():
    cells = []
    for sparsity in ("0.9", "0.95"):
        results = [json.loads(open(f).read().splitlines()[-1])
                   for f in sorted(glob.glob(f"{out}/{name}-{sparsity}-seed*.txt"))]
        accuracy = [100 * r["test_accuracy"] for r in results]
        cells.append(f"{statistics.mean(accuracy):.2f} ± {statistics.pstdev(accuracy):.2f} (n={len(accuracy)})"
                     if accuracy else "")
    print(f"| {label} | " + " | ".join(cells) + " |")
PY
