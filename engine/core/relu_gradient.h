#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace ss {

// out[i] = grad[i] where kept[i] > 0, else 0, for i in [begin, end): a ReLU's backward, given its output `kept`
// (positive exactly where its input was). out may be grad itself. Both values are loaded whatever the test says,
// so that the choice compiles to a vector blend: a conditional load made it a branch, mispredicted at every other
// element (3 ns each). Shared by the ReLU layer and by the layers that pass their dX back through the ReLU before
// them in the same pass (Layer::backwardPanelThroughRelu).
inline void passWherePositive(const float* kept, const float* grad, float* out, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const float g = grad[i], k = kept[i];
    out[i] = k > 0.0f ? g : 0.0f;
  }
}

// The same over a whole matrix, in place: grad kept where kept > 0. Both are shaped alike.
inline void passWherePositive(const Matrix& kept, Matrix& grad) {
  passWherePositive(kept.data(), grad.data(), grad.data(), 0, grad.size());
}

}  // namespace ss
