#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "data/data_file.h"
#include "data/huge_pages.h"
#include "data/pixel_scale.h"
#include "data/readers.h"

namespace ss {
namespace {

constexpr int kSide = 32;
constexpr int kChannels = 3;
constexpr size_t kPixels = size_t(kChannels) * kSide * kSide;
constexpr size_t kRecord = 1 + kPixels;
constexpr int kClasses = 10;

const std::vector<std::string>& cifar10ClassNames() {
  static const std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                 "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}

}  // namespace

Dataset readCifar10(const std::vector<std::string>& paths, const std::string& name) {
  if (paths.empty()) throw InputError(name + ": no CIFAR-10 files given");

  // Every file is checked before any pixel is copied, so a bad last file costs no copying.
  std::vector<std::vector<unsigned char>> files;
  size_t total = 0;
  for (const std::string& path : paths) {
    std::vector<unsigned char> bytes = readDataFile(path);
    if (bytes.empty()) throw InputError(path + ": empty file, expected " + std::to_string(kRecord) + "-byte records");
    if (bytes.size() % kRecord != 0) {
      throw InputError(path + ": truncated: last record has " + std::to_string(bytes.size() % kRecord) + " of " +
                       std::to_string(kRecord) + " bytes (after " + std::to_string(bytes.size() / kRecord) +
                       " whole records)");
    }
    const size_t records = bytes.size() / kRecord;
    for (size_t r = 0; r < records; ++r) {
      const int label = bytes[r * kRecord];
      if (label >= kClasses) {
        throw InputError(path + ": record " + std::to_string(r) + ": label " + std::to_string(label) +
                         " out of range 0.." + std::to_string(kClasses - 1));
      }
    }
    total += records;
    files.push_back(std::move(bytes));
  }

  Dataset set;
  set.name = name;
  set.shape = {kChannels, kSide, kSide};
  set.classCount = kClasses;
  set.classNames = cifar10ClassNames();
  set.labels.resize(total);
  set.originalIndex.resize(total);
  ByteMatrix pixels(static_cast<Eigen::Index>(total), static_cast<Eigen::Index>(kPixels));
  adviseHugePages(pixels.data(), total * kPixels);

  size_t row = 0;
  for (auto& bytes : files) {
    for (size_t r = 0; r < bytes.size() / kRecord; ++r, ++row) {
      const unsigned char* record = bytes.data() + r * kRecord;
      set.labels[row] = record[0];
      set.originalIndex[row] = int64_t(row);
      std::copy_n(record + 1, kPixels, pixels.row(Eigen::Index(row)).data());
    }
    // Each file is let go once copied, so the heap can hand its memory to whatever comes next.
    std::vector<unsigned char>().swap(bytes);
  }
  set.features = FeatureRows(std::move(pixels), pixelScale());
  return set;
}

}  // namespace ss
