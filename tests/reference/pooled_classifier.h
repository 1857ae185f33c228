#pragma once

#include <Eigen/Core>

#include "feature_maps.h"
#include "masked_layer.h"

namespace reference {

// ResNet's head: global average pooling of each channel, then a linear layer with bias (a MaskedLayer,
// classes x channels), giving batch x classes logits. Instantiated for float and double.
template <typename Scalar>
class PooledClassifier {
 public:
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

  Matrix forward(const FeatureMaps<Scalar>& maps, const MaskedLayerOf<Scalar>& layer);
  // The backward pass of the last forward: sets the layer's weight and bias gradients, returns dL/dmaps.
  FeatureMaps<Scalar> backward(const Matrix& logitGradient, MaskedLayerOf<Scalar>& layer) const;

 private:
  Matrix pooled_;  // batch x channels
  int height_ = 0, width_ = 0;
};

}  // namespace reference
