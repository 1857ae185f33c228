#pragma once

#include <span>
#include <string>

namespace ss {

// A view of one trainable tensor: its values and gradients as flat arrays of equal length. Layers
// own the storage; for a sparse layer the arrays hold only the active weights, so an optimizer that
// keeps one state value per entry automatically keeps state for active weights only.
struct ParameterRef {
  std::string name;  // "fc1.weight", unique within a model
  std::span<float> values;
  std::span<float> grads;
  bool decay = true;  // false for biases and normalisation scale and shift: no weight decay unless the optimizer
                      // is set to decay every parameter
};

// A view of state a layer learns in training without an optimizer stepping it (batch norm's running
// statistics): what a checkpoint must save and restore besides the parameters for a resumed run to go on exactly
// as an uninterrupted one, and what evaluation reads. The layer owns the storage.
struct NamedBuffer {
  std::string name;  // "bn1.running_mean", unique within a model
  std::span<float> values;
};

}  // namespace ss
