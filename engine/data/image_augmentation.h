#pragma once

#include <cstdint>
#include <span>

#include "data/dataset.h"
#include "data/feature_rows.h"
#include "project/project.h"

namespace ss {

// A project's augmentation with the crop's padding settled for the set's images.
struct ImageAugmentation {
  bool randomCrop = false;
  int cropPadding = 0;
  bool horizontalFlip = false;
};

// The padding the usual recipes use: 4 pixels for CIFAR's 32x32 images, 2 for (Fashion-)MNIST's 28x28; 4 for any
// other size.
int defaultCropPadding(const ExampleShape& shape);
// Settles the padding for the training set's images; throws InputError when the set is not held as image bytes of
// its shape.
ImageAugmentation resolveAugmentation(const AugmentationSpec& spec, const Dataset& train);

// What one example becomes in one epoch: its pixels shifted by (dx, dy), so output pixel (x, y) is input pixel
// (x + dx, y + dy), then mirrored left to right when `flip`.
struct ExampleTransform {
  int dx = 0, dy = 0;
  bool flip = false;
};

// Writes the image `pixels` (CHW bytes of `shape`) transformed as `t` into out as floats, each byte of channel c
// becoming channelValues[c][byte] (one table per channel; throws std::invalid_argument otherwise). Pixels that come
// from outside the image read as the byte 0 and so as channelValues[c][0]: in the usual CIFAR pipeline (ToTensor,
// RandomCrop(padding=p) on the picture, then Normalize) the padding is black pixels that are normalised with the
// rest, each channel with its own mean and deviation, not zeros after normalisation.
void copyTransformedImage(const uint8_t* pixels, std::span<const ByteValues> channelValues, const ExampleShape& shape,
                          ExampleTransform t, float* out);

// The draws of one epoch: each example's transform is a hash of (run seed, epoch, the example's row in the
// training set), not a stream's next value, so it is the same whichever thread copies the example, whatever the
// batch size, and after a resume, with nothing to keep in a checkpoint.
class EpochAugmentation {
 public:
  EpochAugmentation(const ImageAugmentation& options, uint64_t epochKey) : options_(options), epochKey_(epochKey) {}
  ExampleTransform draw(int64_t row) const;

 private:
  ImageAugmentation options_;
  uint64_t epochKey_;
};

class ImageAugmenter {
 public:
  ImageAugmenter(const ImageAugmentation& options, uint64_t runSeed);
  EpochAugmentation forEpoch(int epoch) const;

 private:
  ImageAugmentation options_;
  uint64_t runKey_;
};

}  // namespace ss
