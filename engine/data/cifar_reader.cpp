#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "data/cifar_class_names.h"
#include "data/data_file.h"
#include "data/huge_pages.h"
#include "data/pixel_scale.h"
#include "data/readers.h"

namespace ss {
namespace {

constexpr int kSide = 32;
constexpr int kChannels = 3;
constexpr size_t kPixels = size_t(kChannels) * kSide * kSide;

// One label byte of a record: what error messages call it and how many classes it counts.
struct LabelByte {
  std::string name;
  int classes;
};

// How the two binary versions lay out a record: label bytes, then the pixels; the set keeps one of the labels.
struct CifarFormat {
  std::string title;              // CIFAR-10, CIFAR-100
  std::vector<LabelByte> labels;  // in record order
  size_t kept;                    // the label the set takes
  const std::vector<std::string>& classNames;

  size_t recordBytes() const { return labels.size() + kPixels; }
};

// Every file is checked before any pixel is copied, so a bad last file costs no copying. Every label byte is checked
// against its own range, the one not kept too: a byte out of range means a damaged or foreign file either way.
Dataset readCifarRecords(const std::vector<std::string>& paths, const std::string& name, const CifarFormat& format) {
  if (paths.empty()) throw InputError(name + ": no " + format.title + " files given");
  const size_t recordBytes = format.recordBytes();

  std::vector<std::vector<unsigned char>> files;
  size_t total = 0;
  for (const std::string& path : paths) {
    std::vector<unsigned char> bytes = readDataFile(path);
    if (bytes.empty())
      throw InputError(path + ": empty file, expected " + std::to_string(recordBytes) + "-byte " + format.title +
                       " records");
    if (bytes.size() % recordBytes != 0) {
      throw InputError(path + ": truncated: last record has " + std::to_string(bytes.size() % recordBytes) + " of " +
                       std::to_string(recordBytes) + " bytes (after " + std::to_string(bytes.size() / recordBytes) +
                       " whole records)");
    }
    const size_t records = bytes.size() / recordBytes;
    for (size_t r = 0; r < records; ++r) {
      for (size_t l = 0; l < format.labels.size(); ++l) {
        const int label = bytes[r * recordBytes + l];
        if (label >= format.labels[l].classes) {
          throw InputError(path + ": record " + std::to_string(r) + ": " + format.labels[l].name + " " +
                           std::to_string(label) + " out of range 0.." + std::to_string(format.labels[l].classes - 1));
        }
      }
    }
    total += records;
    files.push_back(std::move(bytes));
  }

  Dataset set;
  set.name = name;
  set.shape = {kChannels, kSide, kSide};
  set.classCount = format.labels[format.kept].classes;
  set.classNames = format.classNames;
  set.labels.resize(total);
  set.originalIndex.resize(total);
  ByteMatrix pixels(static_cast<Eigen::Index>(total), static_cast<Eigen::Index>(kPixels));
  adviseHugePages(pixels.data(), total * kPixels);

  size_t row = 0;
  for (auto& bytes : files) {
    for (size_t r = 0; r < bytes.size() / recordBytes; ++r, ++row) {
      const unsigned char* record = bytes.data() + r * recordBytes;
      set.labels[row] = record[format.kept];
      set.originalIndex[row] = int64_t(row);
      std::copy_n(record + format.labels.size(), kPixels, pixels.row(Eigen::Index(row)).data());
    }
    // Each file is let go once copied, so the heap can hand its memory to whatever comes next.
    std::vector<unsigned char>().swap(bytes);
  }
  set.features = FeatureRows(std::move(pixels), pixelScale(), kChannels);
  return set;
}

}  // namespace

Dataset readCifar10(const std::vector<std::string>& paths, const std::string& name) {
  return readCifarRecords(paths, name, {"CIFAR-10", {{"label", 10}}, 0, cifar10ClassNames()});
}

Dataset readCifar100(const std::vector<std::string>& paths, const std::string& name, Cifar100Labels labels) {
  const bool fine = labels == Cifar100Labels::Fine;
  return readCifarRecords(paths, name,
                          {"CIFAR-100",
                           {{"coarse label", 20}, {"fine label", 100}},
                           fine ? size_t(1) : size_t(0),
                           fine ? cifar100FineClassNames() : cifar100CoarseClassNames()});
}

}  // namespace ss
