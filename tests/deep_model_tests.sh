#!/usr/bin/env bash
# The residual and VGG presets end to end on CIFAR-format files, as a user with the real data set runs them: the
# files are generated (3 train batches, like data_batch_1.bin .. data_batch_5.bin, of random images), the runs are
# a few steps each, sparse with MEST+EM&S and augmentation, and their stores must hold the networks' layers.
# usage: deep_model_tests.sh PATH/TO/sparsescope
set -u
bin=$1
source "$(dirname "$0")/cli_test_helpers.sh"

# One CIFAR-10 record: a label byte (0..9), then 3072 pixel bytes (red, green, blue planes of 32x32).
cifar_file() {  # path records seed
  local path=$1 records=$2 seed=$3
  : > "$path"
  for ((r = 0; r < records; ++r)); do
    printf "\\x0$(((r + seed) % 10))" >> "$path"
    head -c 3072 /dev/urandom >> "$path"
  done
}
mkdir -p cifar
for i in 1 2 3 4 5; do cifar_file "cifar/data_batch_$i.bin" 16 "$i"; done
cifar_file cifar/test_batch.bin 16 7

project() {  # name model-json
  cat > "$1.json" <<JSON
{"format": 1, "name": "$1", "data": {"dataset": "cifar10", "dir": "cifar"}, "model": $2,
 "augmentation": {"random_crop": true, "horizontal_flip": true},
 "train": {"epochs": 2, "batch_size": 16, "optimizer": {"lr": 0.1, "weight_decay": 1e-4}},
 "sparsity": {"target": 0.9, "distribution": "erk", "dense_layers": ["first"]},
 "algorithm": {"name": "mest", "variant": "em&s", "every_epochs": 1, "stop_fraction": 0.75}}
JSON
}

project resnet32 '{"preset": "resnet", "depth": 32}'
expect_exit 0 "ResNet-32 on CIFAR-10 files" "$bin" run resnet32.json --db deep.db
expect_exit 0 "show the ResNet-32 run" "$bin" show 1 --db deep.db
grep -q "finished" out.txt || fail "ResNet-32 run finished ($(head -c 300 out.txt))"
for layer in conv1 stage1.block1.conv1 stage2.block1.shortcut stage3.block5.conv2 fc; do
  grep -q "^  $layer " out.txt || fail "ResNet-32's layer table lists $layer"
done
# The stem is kept dense, the convs are sparse: the first table row after the header is conv1 at density 1.
grep -A1 "^  layer " out.txt | tail -1 | grep -q "^  conv1 .* 1\.0000 " || fail "the first conv is dense and listed first"

project vgg16 '{"preset": "vgg", "depth": 16}'
expect_exit 0 "VGG-16 on CIFAR-10 files" "$bin" run vgg16.json --db deep.db --epochs 1
expect_exit 0 "show the VGG-16 run" "$bin" show 2 --db deep.db
grep -q "finished" out.txt || fail "VGG-16 run finished"
for layer in conv1 conv13 fc; do grep -q "^  $layer " out.txt || fail "VGG-16's layer table lists $layer"; done

# The data set's files missing: the message names the folder's expected files.
sed 's/"dir": "cifar"/"dir": "no-such-folder"/' resnet32.json > missing.json
expect_exit 2 "missing CIFAR-10 folder" "$bin" run missing.json --db missing.db
grep -q "data_batch_1.bin" err.txt || fail "a missing CIFAR-10 folder names data_batch_1.bin ($(cat err.txt))"

[ "$failures" -eq 0 ] && echo "deep model tests passed"
exit "$failures"
