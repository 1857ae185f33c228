#pragma once

#include <cstdint>
#include <vector>

#include "nn/layer.h"

namespace ss {

// Max pooling with a square window and stride equal to the window (no overlap, no padding).
class MaxPool2d : public Layer {
 public:
  MaxPool2d(ExampleShape in, int window);

  std::string kind() const override { return "maxpool2d"; }
  std::string describe() const override;
  ExampleShape inputShape() const override { return in_; }
  ExampleShape outputShape() const override { return {in_.channels, in_.height / window_, in_.width / window_}; }

  void forward(const Matrix& x, Matrix& y, bool training) override;
  void backward(const Matrix& x, const Matrix& y, const Matrix& dy, Matrix& dx, bool needInputGrad) override;

 private:
  ExampleShape in_;
  int window_;
  std::vector<int32_t> argmax_;  // per output element of the last forward, index into the input row
};

}  // namespace ss
