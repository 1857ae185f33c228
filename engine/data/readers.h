#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"

namespace ss {

// Every reader throws InputError naming the file and the problem (missing, wrong magic, truncated,
// shape mismatch between images and labels, label out of range) and never returns a partial set.

// IDX format (MNIST, Fashion-MNIST, KMNIST, EMNIST): images idx3 (ubyte), labels idx1 (ubyte);
// gzip-compressed (.gz) or raw, detected from the content, not the name. Pixels are scaled to [0, 1].
Dataset readIdx(const std::string& imagesPath, const std::string& labelsPath, const std::string& name);

// CIFAR-10 binary format: records of 1 label byte + 3072 pixel bytes (32x32, the red, green and blue planes: CHW).
// Several files (data_batch_1..5) are concatenated in order. Pixels are scaled to [0, 1], in three channels.
Dataset readCifar10(const std::vector<std::string>& paths, const std::string& name);

// Which of a CIFAR-100 record's labels a set takes: one of its 100 classes, or one of the 20 superclasses.
enum class Cifar100Labels { Fine, Coarse };
// CIFAR-100 binary format: records of 1 coarse-label byte, 1 fine-label byte + 3072 pixel bytes as CIFAR-10's
// (train.bin, test.bin). Both labels are checked against their ranges; the set keeps the one asked for.
Dataset readCifar100(const std::vector<std::string>& paths, const std::string& name, Cifar100Labels labels);

// CSV: one example per line, label first (an integer 0..K-1), then the features; an optional header
// line is detected (first field not a number). Every line must have the same field count.
Dataset readCsv(const std::string& path, const std::string& name);

}  // namespace ss
