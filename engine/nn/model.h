#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nn/layer.h"

namespace ss {

// A stack of layers. Keeps every intermediate activation of the last training forward for backward.
class Model {
 public:
  void add(std::unique_ptr<Layer> layer);

  // x is read where it is, not copied (a batch of MNIST images is 400 KB, copied every step), so it
  // must stay alive and unchanged until backward has run.
  const Matrix& forward(const Matrix& x, bool training);
  // Backpropagates d(loss)/d(logits) of the last forward; fills every layer's parameter gradients.
  void backward(const Matrix& dLogits);

  std::vector<ParameterRef> parameters();
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  // The input of layer i in the last forward (i = layer count: the output).
  const Matrix& activation(size_t i) const { return i == 0 ? *input_ : outputs_[i - 1]; }
  int64_t parameterCount();
  std::string summary() const;

 private:
  std::vector<std::unique_ptr<Layer>> layers_;
  const Matrix* input_ = nullptr;  // the x of the last forward
  std::vector<Matrix> outputs_;    // outputs_[i] is the output of layer i
  Matrix gradIn_, gradOut_;
};

}  // namespace ss
