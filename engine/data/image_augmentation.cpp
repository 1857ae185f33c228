#include "data/image_augmentation.h"

#include <stdexcept>
#include <string>

#include "core/error.h"
#include "core/rng.h"

namespace ss {

namespace {
// Keeps the augmentation's hash apart from anything else keyed by the run seed alone.
constexpr uint64_t kAugmentationPurpose = 0xA5C0'11DE'F11B'C409ull;
}  // namespace

int defaultCropPadding(const ExampleShape& shape) {
  return shape.height == 28 && shape.width == 28 ? 2 : 4;
}

ImageAugmentation resolveAugmentation(const AugmentationSpec& spec, const Dataset& train) {
  if (spec.any() && !train.features.holdsBytes())
    throw InputError("augmentation: the training set " + train.name + " does not hold images as pixel bytes");
  if (spec.any() && (train.shape.size() != train.features.cols() || train.shape.channels != train.features.channels()))
    throw InputError("augmentation: the training set " + train.name + " has no image shape for its " +
                     std::to_string(train.features.cols()) + " values per example in " +
                     std::to_string(train.features.channels()) + " channels");
  return {spec.randomCrop, spec.randomCrop ? spec.cropPadding.value_or(defaultCropPadding(train.shape)) : 0,
          spec.horizontalFlip};
}

void copyTransformedImage(const uint8_t* pixels, std::span<const ByteValues> channelValues, const ExampleShape& shape,
                          ExampleTransform t, float* out) {
  if (channelValues.size() != size_t(shape.channels))
    throw std::invalid_argument("copyTransformedImage: " + std::to_string(channelValues.size()) + " value tables for " +
                                std::to_string(shape.channels) + " channels");
  const int width = shape.width, height = shape.height;
  for (int c = 0; c < shape.channels; ++c) {
    const ByteValues& values = channelValues[size_t(c)];
    const uint8_t* plane = pixels + ptrdiff_t(c) * height * width;
    for (int y = 0; y < height; ++y) {
      const int fromY = y + t.dy;
      float* to = out + (ptrdiff_t(c) * height + y) * width;
      if (fromY < 0 || fromY >= height) {
        for (int x = 0; x < width; ++x) to[x] = values[0];
        continue;
      }
      const uint8_t* row = plane + ptrdiff_t(fromY) * width;
      for (int x = 0; x < width; ++x) {
        // The flip mirrors the cropped image, so it reads the crop's column width - 1 - x.
        const int fromX = (t.flip ? width - 1 - x : x) + t.dx;
        to[x] = fromX >= 0 && fromX < width ? values[row[fromX]] : values[0];
      }
    }
  }
}

ExampleTransform EpochAugmentation::draw(int64_t row) const {
  const uint64_t bits = mixBits(epochKey_ + uint64_t(row) * kGoldenGamma);
  ExampleTransform t;
  // Each choice reads its own bits, so turning one on leaves the other's draws as they were. The modulo's bias
  // is below 2^-16 for any padding the reader allows.
  if (options_.randomCrop) {
    const uint64_t offsets = uint64_t(2 * options_.cropPadding + 1);
    t.dx = int((bits & 0xFFFFFF) % offsets) - options_.cropPadding;
    t.dy = int(((bits >> 24) & 0xFFFFFF) % offsets) - options_.cropPadding;
  }
  if (options_.horizontalFlip) t.flip = (bits >> 63) != 0;
  return t;
}

ImageAugmenter::ImageAugmenter(const ImageAugmentation& options, uint64_t runSeed)
    : options_(options), runKey_(mixBits(runSeed ^ kAugmentationPurpose)) {}

EpochAugmentation ImageAugmenter::forEpoch(int epoch) const {
  return EpochAugmentation(options_, mixBits(runKey_ + uint64_t(epoch) * kGoldenGamma));
}

}  // namespace ss
