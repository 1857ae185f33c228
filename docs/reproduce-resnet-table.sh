#!/usr/bin/env bash
# Reproduces the ResNet-20 table of docs/results.md: ResNet-20 on Fashion-MNIST with the example projects'
# settings (15 epochs, batch 128, SGD Nesterov 0.9, lr 0.1 cosine, wd 5e-4, random crops and flips, ERK, the first
# conv dense, mutation every epoch until 75% of training): dense and MEST+EM&S at 90% with seeds 1-3; static, SET,
# RigL and MEST+EM&S at 90% and 95%; MEST+EM&S at 90% with each scheme, and with 20% of the examples removed after
# epoch 5 (a third of training); one seed where not said.
# usage: docs/reproduce-resnet-table.sh [BUILD_DIR] [OUT_DIR] [PARALLEL]
#   runs PARALLEL trainings at a time (default 1, on every core). Re-running continues: finished runs are kept,
#   interrupted ones resume from their checkpoints.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build}/app/sparsescope
out=${2:-results-resnet}
parallel=${3:-1}
mkdir -p "$out"

# derive SOURCE NAME [KEY.PATH=JSON ...]: an example project of projects/, renamed, with keys set.
derive() {
  python3 - "$here/projects/$1.json" "$out/$2.json" "$2" "${@:3}" <<'PY'
import json, sys
source, target, name, *settings = sys.argv[1:]
project = json.load(open(source))
project["name"] = name
for setting in settings:
    path, value = setting.split("=", 1)
    *parents, key = path.split(".")
    node = project
    for parent in parents:
        node = node.setdefault(parent, {})
    node[key] = json.loads(value)
json.dump(project, open(target, "w"), indent=2)
PY
  echo "$out/$2.json"
}

# Most informative first, so that a table still running already answers something: one seed of dense and of
# MEST+EM&S, the peers at 90%, the schemes and data efficiency, then 95%, then the other seeds.
jobs=()
jobs+=("$(derive fashion-resnet20-dense resnet20-dense-seed1 "train.seed=1")")
jobs+=("$(derive fashion-resnet20-mest-em-s-90 resnet20-mest-em-s-0.9-seed1 "train.seed=1")")
for algorithm in static set rigl; do
  jobs+=("$(derive "fashion-resnet20-$algorithm-90" "resnet20-$algorithm-0.9" "sparsity.target=0.9")")
done
jobs+=("$(derive fashion-resnet20-mest-em-s-90 resnet20-mest-em-s-0.9-pattern 'sparsity.scheme="pattern"')")
jobs+=("$(derive fashion-resnet20-mest-em-s-90 resnet20-mest-em-s-0.9-block4x1 'sparsity.scheme="block"' \
  'sparsity.scheme_options={"height": 4, "width": 1}')")
jobs+=("$(derive fashion-resnet20-mest-em-s-90 resnet20-mest-em-s-0.9-nm1of10 'sparsity.scheme="nm"' \
  'sparsity.scheme_options={"n": 1, "m": 10}')")
jobs+=("$(derive fashion-resnet20-mest-em-s-90 resnet20-mest-em-s-0.9-channel 'sparsity.scheme="channel"')")
jobs+=("$(derive fashion-resnet20-mest-em-s-90 resnet20-mest-em-s-0.9-data-efficiency \
  'data_efficiency={"enabled": true, "removal_epoch": 5, "remove_fraction": 0.2}')")
for algorithm in static set rigl mest-em-s; do
  jobs+=("$(derive "fashion-resnet20-$algorithm-90" "resnet20-$algorithm-0.95" "sparsity.target=0.95")")
done
for seed in 2 3; do
  jobs+=("$(derive fashion-resnet20-dense "resnet20-dense-seed$seed" "train.seed=$seed")")
  jobs+=("$(derive fashion-resnet20-mest-em-s-90 "resnet20-mest-em-s-0.9-seed$seed" "train.seed=$seed")")
done

run() {
  local base=$out/$(basename "$1" .json)
  "$bin" run "$1" --json --continue --db "$base.db" >> "$base.jsonl" 2>> "$base.log"
}
export -f run
export bin out
# Failed runs leave their reason in the .log next to them; the summary below shows what finished.
printf '%s\n' "${jobs[@]}" | xargs -P "$parallel" -I{} bash -c 'run "$@"' _ {} ||
  echo "some runs failed: see $out/*.log" >&2
python3 "$here/docs/summarize-runs.py" "$out"/*.jsonl | sort
