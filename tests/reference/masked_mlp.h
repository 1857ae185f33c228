#pragma once

#include <Eigen/Core>
#include <random>
#include <vector>

#include "image_dataset.h"
#include "masked_layer.h"
#include "softmax_cross_entropy.h"

namespace reference {

// ReLU MLP with softmax cross-entropy (mean over the batch); He-normal weights, zero biases, every mask
// full (dense) until a rule sets it.
class MaskedMlp {
 public:
  MaskedMlp(const std::vector<int>& widths, std::mt19937_64& rng);

  // One forward and backward pass: fills every layer's gradients, returns the batch's loss and hits.
  BatchOutcome forwardBackward(const RowMatrix& inputs, const std::vector<int>& labels);
  double accuracy(const ImageSet& set) const;
  long activeWeights() const;
  long totalWeights() const;

  std::vector<MaskedLayer> layers;

 private:
  Eigen::MatrixXf logits(const RowMatrix& inputs) const;
  std::vector<Eigen::MatrixXf> activations_;  // per layer, its input (post-ReLU) as used in forward
};

}  // namespace reference
