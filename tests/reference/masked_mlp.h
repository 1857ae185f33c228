#pragma once

#include <Eigen/Core>
#include <random>
#include <vector>

#include "image_dataset.h"
#include "masked_layer.h"

namespace reference {

struct BatchOutcome {
  double lossSum = 0;
  std::vector<bool> correct;  // per example of the batch: the forward pass's prediction was right
};

// Softmax cross-entropy: turns logits (batch x classes) into dL/dlogits for the mean loss, in place.
BatchOutcome softmaxCrossEntropy(Eigen::MatrixXf& logits, const std::vector<int>& labels);

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
