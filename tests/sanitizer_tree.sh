#!/usr/bin/env bash
# Configures and builds a checked copy of SparseScope in a tree of its own, with clang, for the ctest
# configurations labelled asan, tsan and fuzz:
#   sanitizer_tree.sh <source dir> <tree> <sanitizers> <fuzz ON|OFF> [targets...]
# No GUI: the checks are for the engine and its threads, and an uninstrumented Qt only adds noise. A unity build
# (16 sources a unit) parses Eigen and the JSON library once per unit, not per file: it halves the CPU time of
# the engine and the CLI (178 s against 378 s, measured side by side), which CI pays on every clean clone. -O1 keeps
# the build and the checked suites fast enough for CI; ccache shares objects between runs. -O1 runs no loop
# vectorizer, so -Wno-pass-failed: clang would otherwise warn that each `omp simd` loop stayed scalar.
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 <source dir> <tree> <sanitizers> <fuzz ON|OFF> [targets...]" >&2; exit 2; }
source_dir=$1 tree=$2 sanitizers=$3 fuzz=$4
shift 4

command -v clang++ >/dev/null || { echo "$0: clang++ is missing (installer/setup-deps.sh installs it)" >&2; exit 1; }
generator=()
[ -f "$tree/CMakeCache.txt" ] || ! command -v ninja >/dev/null || generator=(-G Ninja)
cmake -S "$source_dir" -B "$tree" "${generator[@]}" \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -Wno-pass-failed" \
  -DSPARSESCOPE_SANITIZE="$sanitizers" -DSPARSESCOPE_FUZZ="$fuzz" -DSPARSESCOPE_BUILD_GUI=OFF \
  -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
start=$SECONDS
cmake --build "$tree" -j2 "${targets[@]}"
echo "sanitizer_tree: built $tree (-fsanitize=$sanitizers, fuzz $fuzz) in $((SECONDS - start)) s"
