# Sourced by docs/reproduce-reference-table.sh and docs/reproduce-reference-resnet-table.sh, which set `bin` (a
# reference program) and `out`: one run of a table row, kept in $out/NAME-SPARSITY-seedSEED.txt.
# A run whose output file is complete is not run again, so an interrupted table continues where it stopped; a
# failed run is named and the table goes on.

# The reference program's flags for a row's name.
arguments() {
  case $1 in
    mest) echo "--algorithm mest --variant vanilla" ;;
    mest-em) echo "--algorithm mest --variant em" ;;
    mest-em-s) echo "--algorithm mest --variant em&s" ;;
    mest-em-s-de20) echo "--algorithm mest --variant em&s --remove-fraction 0.2 --removal-epoch 5" ;;
    *) echo "--algorithm $1" ;;
  esac
}

# run NAME SPARSITY SEED (dense runs at sparsity 0 whatever its column).
run() {
  local name=$1 sparsity=$2 seed=$3
  local file=$out/$name-$sparsity-seed$seed.txt
  tail -n1 "$file" 2>/dev/null | grep -q '"test_accuracy"' && return 0
  local target=$sparsity
  [ "$name" = dense ] && target=0
  # shellcheck disable=SC2046  # the arguments are words on purpose
  "$bin" $(arguments "$name") --sparsity "$target" --seed "$seed" > "$file.part" 2> "$out/$name-$sparsity-seed$seed.log" &&
    mv "$file.part" "$file" || echo "failed: $name $sparsity seed $seed (see $out)" >&2
}
