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
// (c * k + ky) * k + kx, PyTorch's [out][in][ky][kx] order. Computed as im2col and one product; the
// im2col matrix of the last forward is kept for the weight gradient (one buffer per conv, reused from
// batch to batch: at batch 128 a stage-1 conv's is 58 MB, which would be a fresh zeroed mapping each time).
// Instantiated for float and double.
template <typename Scalar>
class Conv2d {
 public:
  using Maps = FeatureMaps<Scalar>;
  using Layer = MaskedLayerOf<Scalar>;

  explicit Conv2d(ConvShape shape) : shape_(shape) {}

  const ConvShape& shape() const { return shape_; }
  Maps forward(const Maps& input, const Layer& layer);
  // The backward pass of the last forward: sets layer.weightGradient (dense, every position) and returns
  // dL/dinput.
  Maps backward(const Maps& outputGradient, Layer& layer);

 private:
  int outputSize(int inputSize) const { return (inputSize + 2 * shape_.padding - shape_.kernel) / shape_.stride + 1; }
  void im2col(const Maps& input, int outH, int outW);  // into columns_
  Maps col2im(int outH, int outW) const;               // from columns_, to the last input's shape

  ConvShape shape_;
  RowMatrixOf<Scalar> columns_;  // C*k*k x (batch * outH * outW)
  int inputBatch_ = 0, inputHeight_ = 0, inputWidth_ = 0;
};

}  // namespace reference
