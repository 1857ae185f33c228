#pragma once

#include "feature_maps.h"
#include "masked_layer.h"

namespace reference {

struct ConvShape {
  int inChannels;
  int outChannels;
  int kernel;  // square
  int stride;
  int padding;  // zeros on each side
};

// PyTorch's Conv2d without bias; the weights are a MaskedLayer's filters x (C * k * k) matrix, column
// (c * k + ky) * k + kx, PyTorch's [out][in][ky][kx] order. Computed as im2col and one product.
class Conv2d {
 public:
  explicit Conv2d(ConvShape shape) : shape_(shape) {}

  const ConvShape& shape() const { return shape_; }
  // Keeps the input for backward when `keepInput`.
  FeatureMaps forward(const FeatureMaps& input, const MaskedLayer& layer, bool keepInput);
  // Sets layer.weightGradient (dense, every position) and returns dL/dinput.
  FeatureMaps backward(const FeatureMaps& outputGradient, MaskedLayer& layer);

 private:
  int outputSize(int inputSize) const { return (inputSize + 2 * shape_.padding - shape_.kernel) / shape_.stride + 1; }
  RowMatrix im2col(const FeatureMaps& input) const;
  FeatureMaps col2im(const RowMatrix& columns, const FeatureMaps& like) const;

  ConvShape shape_;
  FeatureMaps input_;
};

}  // namespace reference
