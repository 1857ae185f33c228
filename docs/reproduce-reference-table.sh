#!/usr/bin/env bash
# The MLP table of docs/results.md from the independent reference implementation (tests/reference,
# reference_mlp, written from docs/algorithms.md without the engine's code): every row at 90, 95 and 98%
# sparsity (dense once), seeds 1, 2, 3, 75 runs, two at a time, each on one thread. Prints the table: final
# test accuracy in %, mean and population standard deviation over the seeds.
# usage: docs/reproduce-reference-table.sh [BUILD_DIR] [OUT_DIR]
# Each run's output goes to OUT_DIR (default results-reference); a run whose file is complete is not run
# again, so an interrupted table continues where it stopped.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build}/tests/reference/reference_mlp
out=${2:-results-reference}
[ -x "$bin" ] || { echo "no $bin: build the tests first" >&2; exit 2; }
mkdir -p "$out"

rows=(dense static set rigl gmp mest mest-em mest-em-s mest-em-s-de20)
# shellcheck source=docs/reference-runs.sh
source "$here/docs/reference-runs.sh"

export -f run arguments
export bin out

jobs=()
for sparsity in 0.9 0.95 0.98; do
  for name in "${rows[@]}"; do
    [ "$name" = dense ] && [ "$sparsity" != 0.9 ] && continue
    for seed in 1 2 3; do jobs+=("$name $sparsity $seed"); done
  done
done
printf '%s\n' "${jobs[@]}" | xargs -P 2 -L 1 bash -c 'run "$@"' _

python3 - "$out" "${rows[@]}" <<'PY'
import glob, json, statistics, sys
out, rows = sys.argv[1], sys.argv[2:]
labels = {"dense": "dense (0% sparse)", "static": "static (random ERK mask)", "set": "SET", "rigl": "RigL",
          "gmp": "GMP (dense start, pruned)", "mest": "MEST (vanilla)", "mest-em": "MEST+EM",
          "mest-em-s": "MEST+EM&S", "mest-em-s-de20": "MEST+EM&S, 20% of examples removed after epoch 5"}
print("| algorithm | 90% sparse | 95% sparse | 98% sparse |")
print("|---|---|---|---|")
seconds = []
for name in rows:
    cells = []
    for sparsity in ("0.9", "0.95", "0.98"):
        results = [json.loads(open(f).read().splitlines()[-1])
                   for f in sorted(glob.glob(f"{out}/{name}-{sparsity}-seed*.txt"))]
        accuracy = [100 * r["test_accuracy"] for r in results]
        seconds += [r["seconds"] for r in results]
        cells.append(f"{statistics.mean(accuracy):.2f} ± {statistics.pstdev(accuracy):.2f} (n={len(accuracy)})"
                     if accuracy else "")
    print(f"| {labels[name]} | " + " | ".join(cells) + " |")
if seconds:
    print(f"\n{len(seconds)} runs; training time per run (epochs, without loading): "
          f"median {statistics.median(seconds):.1f} s, {min(seconds):.1f} to {max(seconds):.1f} s")
PY
