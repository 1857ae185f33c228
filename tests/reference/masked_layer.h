#pragma once

#include <Eigen/Core>

namespace reference {

// A weight matrix kept dense in memory with a 0/1 mask (a fully connected layer, outputs x inputs, or a
// convolution, filters x C*k*k): inactive weights are exactly zero and so is their momentum.
// weightGradient is the dense dL/dW of the last batch (inactive positions too). A convolution has no
// bias: its bias vectors are empty.
struct MaskedLayer {
  Eigen::MatrixXf weights;  // outputs x inputs, or filters x C*k*k
  Eigen::VectorXf bias;
  Eigen::MatrixXf mask;
  Eigen::MatrixXf weightMomentum;
  Eigen::VectorXf biasMomentum;
  Eigen::MatrixXf weightGradient;
  Eigen::VectorXf biasGradient;

  long activeCount() const { return long((mask.array() != 0.0f).count()); }
};

}  // namespace reference
