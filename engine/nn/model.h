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

  const Matrix& forward(const Matrix& x, bool training);
  // Backpropagates d(loss)/d(logits) of the last forward; fills every layer's parameter gradients.
  void backward(const Matrix& dLogits);

  std::vector<ParameterRef> parameters();
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  // The input of layer i in the last forward (i = layer count: the output).
  const Matrix& activation(size_t i) const { return activations_[i]; }
  int64_t parameterCount();
  std::string summary() const;

 private:
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<Matrix> activations_;  // activations_[i] is the input of layer i; the last is the output
  Matrix gradIn_, gradOut_;
};

}  // namespace ss
