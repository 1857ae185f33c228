#pragma once

#include <algorithm>
#include <cstdint>

#include "core/tensor.h"

namespace ss {

// The ReLU's two formulas, shared by the ReLU layer and by the layers that compute it in the pass that writes their
// own output (Layer::forwardPanelThroughRelu) or their dX (Layer::backwardPanelThroughRelu), so that the values
// are the same either way.

// out[i] = max(in[i], 0) for i in [begin, end): the forward. As std::max does, a NaN and a -0 pass unchanged (the
// trainer must still see a NaN loss).
inline void rectify(const float* in, float* out, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) out[i] = std::max(in[i], 0.0f);
}

// y = max(z, 0) over a whole matrix, y shaped as z.
inline void rectify(const Matrix& z, Matrix& y) {
  y.resize(z.rows(), z.cols());
  rectify(z.data(), y.data(), 0, z.size());
}

// out[i] = grad[i] where kept[i] > 0, else 0, for i in [begin, end): a ReLU's backward, given its output `kept`
// (positive exactly where its input was). out may be grad itself. Both values are loaded whatever the test says,
// so that the choice compiles to a vector blend: a conditional load made it a branch, mispredicted at every other
// element (3 ns each).
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
