#pragma once

#include <Eigen/Core>

#include "feature_maps.h"

namespace reference {

// PyTorch's BatchNorm2d: in training, each channel normalised by its batch mean and biased variance, and
// the running statistics moved by momentum 0.1 towards the batch mean and the unbiased variance; in
// evaluation, normalised by the running statistics. eps 1e-5; scale starts at 1, shift at 0.
// Instantiated for float and double.
template <typename Scalar>
class BatchNorm {
 public:
  using Maps = FeatureMaps<Scalar>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  explicit BatchNorm(int channels);

  void forward(Maps& maps, bool training);  // in place; training keeps what backward needs
  // Sets scaleGradient and shiftGradient, returns dL/dinput.
  Maps backward(const Maps& outputGradient);

  Vector scale, shift, scaleMomentum, shiftMomentum, scaleGradient, shiftGradient;
  Vector runningMean, runningVariance;

 private:
  RowMatrixOf<Scalar> normalised_;
  Vector inverseDeviation_;
};

}  // namespace reference
