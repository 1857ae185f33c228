#pragma once

#include <random>

#include "image_dataset.h"

namespace reference {

// SparseScope's augmentation of square one-channel images (README, `augmentation`): a crop of the image
// padded by `padding` black pixels on each side (a shift of up to `padding` each way), then a horizontal
// flip with probability 1/2. Draws, per image in order, the crop's row offset, its column offset (each
// uniform in 0..2 padding) and the flip.
void augmentInPlace(RowMatrix& images, int side, int padding, float black, std::mt19937_64& rng);

}  // namespace reference
