#include "image_dataset.h"

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "idx_file.h"

namespace reference {
namespace {

std::string existingFile(const std::string& dir, const std::string& name) {
  for (const std::string& candidate : {name + ".gz", name}) {
    const std::filesystem::path path = std::filesystem::path(dir) / candidate;
    if (std::filesystem::exists(path)) return path.string();
  }
  throw std::runtime_error(dir + ": has neither " + name + " nor " + name + ".gz");
}

ImageSet readImageSet(const std::string& dir, const std::string& prefix, int limit) {
  const std::string imagePath = existingFile(dir, prefix + "-images-idx3-ubyte");
  const std::string labelPath = existingFile(dir, prefix + "-labels-idx1-ubyte");
  const IdxFile images = readIdxFile(imagePath);
  const IdxFile labels = readIdxFile(labelPath);
  if (images.dimensions.size() != 3) throw std::runtime_error(imagePath + ": expected 3 dimensions");
  if (labels.dimensions.size() != 1 || labels.dimensions[0] != images.dimensions[0])
    throw std::runtime_error(labelPath + ": label count differs from " + imagePath);
  const int count = limit > 0 && limit < images.dimensions[0] ? limit : images.dimensions[0];
  const int pixels = images.dimensions[1] * images.dimensions[2];
  ImageSet set;
  set.images.resize(count, pixels);
  for (int i = 0; i < count; ++i)
    for (int p = 0; p < pixels; ++p) set.images(i, p) = images.bytes[std::size_t(i) * pixels + p];
  set.labels.assign(labels.bytes.begin(), labels.bytes.begin() + count);
  return set;
}

}  // namespace

TrainTestSets loadStandardisedImages(const std::string& dir, int trainLimit, int testLimit) {
  TrainTestSets sets{readImageSet(dir, "train", trainLimit), readImageSet(dir, "t10k", testLimit)};
  // Sums in double: 47 million pixels would lose digits in a float accumulator.
  const double count = double(sets.train.images.size());
  const double mean = sets.train.images.cast<double>().sum() / count;
  const double variance = (sets.train.images.cast<double>().array() - mean).square().sum() / count;
  const float scale = float(1.0 / std::sqrt(variance));
  for (RowMatrix* images : {&sets.train.images, &sets.test.images})
    *images = ((images->array() - float(mean)) * scale).matrix();
  sets.black = -float(mean) * scale;
  return sets;
}

}  // namespace reference
