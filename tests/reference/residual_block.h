#pragma once

#include <optional>
#include <vector>

#include "batch_norm.h"
#include "conv2d.h"
#include "masked_layer.h"

namespace reference {

// He et al.'s basic block: 3x3 conv (stride s), batch norm, ReLU, 3x3 conv, batch norm, plus the
// shortcut, then ReLU. Where the shape changes (stride 2 or more channels) the shortcut is a 1x1 conv of
// stride s with batch norm (option B, torchvision's downsample); otherwise the identity. The convs'
// weights live in the network's list of masked layers, at the indices given. Instantiated for float and
// double.
template <typename Scalar>
class ResidualBlock {
 public:
  using Maps = FeatureMaps<Scalar>;
  using Layer = MaskedLayerOf<Scalar>;

  // `nextLayer` is the index of the first conv's weights; the block takes the next two or three.
  ResidualBlock(int inChannels, int outChannels, int stride, int nextLayer);

  int layersUsed() const { return projection_ ? 3 : 2; }
  Maps forward(const Maps& input, const std::vector<Layer>& layers, bool training);
  Maps backward(const Maps& outputGradient, std::vector<Layer>& layers);

  std::vector<BatchNorm<Scalar>*> norms();
  std::vector<ConvShape> convShapes() const;

 private:
  int firstLayer_;
  Conv2d<Scalar> first_, second_;
  BatchNorm<Scalar> firstNorm_, secondNorm_;
  std::optional<Conv2d<Scalar>> projection_;
  std::optional<BatchNorm<Scalar>> projectionNorm_;
  RowMatrixOf<Scalar> hidden_, output_;  // after the ReLUs, for their backward
};

}  // namespace reference
