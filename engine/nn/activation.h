#pragma once

#include "nn/layer.h"

namespace ss {

class ReLU : public Layer {
 public:
  explicit ReLU(ExampleShape shape) : shape_(shape) {}
  std::string kind() const override { return "relu"; }
  std::string describe() const override { return "relu"; }
  ExampleShape inputShape() const override { return shape_; }
  ExampleShape outputShape() const override { return shape_; }
  void forward(const Matrix& x, Matrix& y, bool training) override;
  void backward(const Matrix& x, const Matrix& y, const Matrix& dy, Matrix& dx, bool needInputGrad) override;
  // Element by element: the same on panels.
  bool takesPanels() const override { return true; }
  void forwardPanel(const Matrix& xT, Matrix& yT, bool training) override { forward(xT, yT, training); }
  void backwardPanel(const Matrix& xT, const Matrix& yT, const Matrix& dyT, Matrix& dxT, bool needInputGrad) override {
    backward(xT, yT, dyT, dxT, needInputGrad);
  }

 private:
  ExampleShape shape_;
};

// Our rows are already flat CHW, so flattening only changes how the next layer reads the shape.
class Flatten : public Layer {
 public:
  explicit Flatten(ExampleShape in) : in_(in) {}
  std::string kind() const override { return "flatten"; }
  std::string describe() const override { return "flatten " + std::to_string(in_.size()); }
  ExampleShape inputShape() const override { return in_; }
  ExampleShape outputShape() const override { return {1, 1, in_.size()}; }
  void forward(const Matrix& x, Matrix& y, bool training) override;
  void backward(const Matrix& x, const Matrix& y, const Matrix& dy, Matrix& dx, bool needInputGrad) override;

 private:
  ExampleShape in_;
};

}  // namespace ss
