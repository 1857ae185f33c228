#pragma once

#include <Eigen/Core>

namespace reference {

// A weight matrix kept dense in memory with a 0/1 mask (a fully connected layer, outputs x inputs, or a
// convolution, filters x C*k*k): inactive weights are exactly zero and so is their momentum.
// weightGradient is the dense dL/dW of the last batch (inactive positions too). A convolution has no
// bias: its bias vectors are empty. Training uses floats; the gradient check builds the same layers in
// double, to see errors near 1e-6 rather than float's rounding floor.
template <typename Scalar>
struct MaskedLayerOf {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  Matrix weights;  // outputs x inputs, or filters x C*k*k
  Vector bias;
  Matrix mask;
  Matrix weightMomentum;
  Vector biasMomentum;
  Matrix weightGradient;
  Vector biasGradient;

  long activeCount() const { return long((mask.array() != Scalar(0)).count()); }
};

using MaskedLayer = MaskedLayerOf<float>;

}  // namespace reference
