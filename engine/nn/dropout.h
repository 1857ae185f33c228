#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "nn/layer.h"

namespace ss {

// Inverted dropout: while training, each activation is kept with probability 1 - rate and scaled
// by 1 / (1 - rate), so evaluation uses the layer as the identity. Draws from its own seeded
// stream, so runs stay reproducible.
class Dropout : public Layer {
 public:
  Dropout(ExampleShape shape, float rate, Rng rng) : shape_(shape), rate_(rate), rng_(rng) {}

  std::string kind() const override { return "dropout"; }
  std::string describe() const override;
  ExampleShape inputShape() const override { return shape_; }
  ExampleShape outputShape() const override { return shape_; }
  void forward(const Matrix& x, Matrix& y, bool training) override;
  void backward(const Matrix& x, const Matrix& y, const Matrix& dy, Matrix& dx, bool needInputGrad) override;
  int64_t keptBytesPerExample() const override { return shape_.size() * int64_t(sizeof(float)); }
  std::string randomState() const override { return rng_.state(); }
  bool setRandomState(const std::string& state) override { return rng_.setState(state); }

 private:
  ExampleShape shape_;
  float rate_;
  Rng rng_;
  Matrix scale_;  // 0 or 1 / (1 - rate) per activation of the last training forward
};

}  // namespace ss
