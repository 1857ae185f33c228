#pragma once

#include "nn/layer.h"

namespace ss {

// Max pooling with a square window and stride equal to the window (no overlap, no padding). Backward sends each
// output's gradient to the first input of its window equal to the output, found again from x and y rather than
// kept from forward: an index per output cost as many bytes as the output, and the forward's branch per
// comparison, mispredicted half the time, made it the slowest layer of the Fashion convnet.
class MaxPool2d : public Layer {
 public:
  MaxPool2d(ExampleShape in, int window);

  std::string kind() const override { return "maxpool2d"; }
  std::string describe() const override;
  ExampleShape inputShape() const override { return in_; }
  ExampleShape outputShape() const override { return outputShapeOf(in_, window_); }
  // The shape a pool of this window makes of `in`, before any pool is built (buildModel walks the shapes first).
  static ExampleShape outputShapeOf(const ExampleShape& in, int window) {
    return {in.channels, in.height / window, in.width / window};
  }

  void forward(const Matrix& x, Matrix& y, bool training) override;
  void backward(const Matrix& x, const Matrix& y, const Matrix& dy, Matrix& dx, bool needInputGrad) override;

 private:
  ExampleShape in_;
  int window_;
};

}  // namespace ss
