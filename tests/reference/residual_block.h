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
// weights live in the network's list of masked layers, at the indices given.
class ResidualBlock {
 public:
  // `nextLayer` is the index of the first conv's weights; the block takes the next two or three.
  ResidualBlock(int inChannels, int outChannels, int stride, int nextLayer);

  int layersUsed() const { return projection_ ? 3 : 2; }
  FeatureMaps forward(const FeatureMaps& input, const std::vector<MaskedLayer>& layers, bool training);
  FeatureMaps backward(const FeatureMaps& outputGradient, std::vector<MaskedLayer>& layers);

  std::vector<BatchNorm*> norms();
  std::vector<ConvShape> convShapes() const;

 private:
  int firstLayer_;
  Conv2d first_, second_;
  BatchNorm firstNorm_, secondNorm_;
  std::optional<Conv2d> projection_;
  std::optional<BatchNorm> projectionNorm_;
  RowMatrix hidden_, output_;  // after the ReLUs, for their backward
};

}  // namespace reference
