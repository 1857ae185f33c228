#pragma once

#include <cstdint>
#include <vector>

#include "nn/layer.h"
#include "train/observer.h"
#include "train/sgd.h"

namespace ss {

// A mutation's ends on a layer's active positions (ascending flat row-major): the scores it ranks by, one per active
// weight, and the install of the next positions, never a byte or a score per position of the layer.

// |w| + lambda |g| of each active weight (g: the last step's gradient), in storage order: the order of
// WeightMatrix::activePositions.
std::vector<float> activeImportance(WeightMatrix& weights, float lambda);

// Installs ascending `next` positions in the layer, moving its weight's optimizer state along, and describes the
// change.
MaskChangeEvent installPositions(Layer& layer, Sgd& optimizer, const std::vector<int64_t>& next, int epoch,
                                 int64_t step);

}  // namespace ss
