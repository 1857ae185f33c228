#pragma once

#include <Eigen/Core>
#include <vector>

namespace reference {

struct BatchOutcome {
  double lossSum = 0;
  std::vector<bool> correct;  // per example of the batch: the forward pass's prediction was right
};

// Softmax cross-entropy: turns logits (batch x classes) into dL/dlogits for the mean loss, in place.
// Instantiated for float (training) and double (the gradient check).
template <typename Scalar>
BatchOutcome softmaxCrossEntropy(Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& logits,
                                 const std::vector<int>& labels);

}  // namespace reference
