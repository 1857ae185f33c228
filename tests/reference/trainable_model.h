#pragma once

#include <random>
#include <span>
#include <vector>

#include "image_dataset.h"
#include "masked_layer.h"
#include "nesterov_sgd.h"
#include "softmax_cross_entropy.h"

namespace reference {

// What the training loop (training_loop.h) needs of a network: the MLP and ResNet-20 references each
// wrap theirs in one.
class TrainableModel {
 public:
  virtual ~TrainableModel() = default;

  // The layers the sparsity rule masks and mutates (ResNet-20: all but the first conv, kept dense).
  virtual std::span<MaskedLayer> sparseLayers() = 0;
  // Random per-image changes of a training batch before it is used (ResNet-20's crop and flip); none by
  // default. Draws only from `rng`.
  virtual void augment(RowMatrix& /*batch*/, std::mt19937_64& /*rng*/) {}
  // One forward and backward pass: fills every gradient, returns the batch's loss and hits.
  virtual BatchOutcome forwardBackward(const RowMatrix& batch, const std::vector<int>& labels) = 0;
  virtual void optimizerStep(float learningRate, const SgdSettings& settings) = 0;
  virtual double accuracy(const ImageSet& set) = 0;
  // Active weights over all weights, dense layers included.
  virtual double density() const = 0;
};

}  // namespace reference
