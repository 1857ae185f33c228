#pragma once

#include "nn/layer.h"

namespace ss {

// Global average pooling: each channel of a C x H x W example becomes its mean, a C x 1 x 1 output, as ResNet's
// head takes it before the classifier (PyTorch's AdaptiveAvgPool2d(1) followed by a flatten).
class GlobalAvgPool : public Layer {
 public:
  explicit GlobalAvgPool(ExampleShape in);

  std::string kind() const override { return "globalavgpool"; }
  std::string describe() const override;
  ExampleShape inputShape() const override { return in_; }
  ExampleShape outputShape() const override { return outputShapeOf(in_); }
  // The shape it makes of `in`, before any layer is built (buildModel walks the shapes first).
  static ExampleShape outputShapeOf(const ExampleShape& in) { return {in.channels, 1, 1}; }

  void forward(const Matrix& x, Matrix& y, bool training) override;
  // Each input of a channel gets the channel's output gradient divided by H * W.
  void backward(const Matrix& x, const Matrix& y, const Matrix& dy, Matrix& dx, bool needInputGrad) override;

 private:
  ExampleShape in_;
};

}  // namespace ss
