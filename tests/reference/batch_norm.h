#pragma once

#include <Eigen/Core>

#include "feature_maps.h"

namespace reference {

// PyTorch's BatchNorm2d: in training, each channel normalised by its batch mean and biased variance, and
// the running statistics moved by momentum 0.1 towards the batch mean and the unbiased variance; in
// evaluation, normalised by the running statistics. eps 1e-5; scale starts at 1, shift at 0.
class BatchNorm {
 public:
  explicit BatchNorm(int channels);

  void forward(FeatureMaps& maps, bool training);  // in place; training keeps what backward needs
  // Sets scaleGradient and shiftGradient, returns dL/dinput.
  FeatureMaps backward(const FeatureMaps& outputGradient);

  Eigen::VectorXf scale, shift, scaleMomentum, shiftMomentum, scaleGradient, shiftGradient;
  Eigen::VectorXf runningMean, runningVariance;

 private:
  RowMatrix normalised_;
  Eigen::VectorXf inverseDeviation_;
};

}  // namespace reference
