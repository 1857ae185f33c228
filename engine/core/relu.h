#pragma once

#include <algorithm>
#include <cstdint>

#include "core/tensor.h"
#include "core/threads.h"

namespace ss {

// The ReLU's two formulas, shared by the ReLU layer and by the layers that compute it in the pass that writes their
// own output (Layer::forwardPanelThroughRelu) or their dX (Layer::backwardPanelThroughRelu), so that the values
// are the same either way.

// max(v, 0): the forward, value by value. As std::max does, a NaN and a -0 pass unchanged (the trainer must still
// see a NaN loss).
inline float rectified(float v) {
  return std::max(v, 0.0f);
}

// out[i] = rectified(in[i]) for i in [begin, end).
inline void rectify(const float* in, float* out, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) out[i] = rectified(in[i]);
}

// y = max(z, 0) over a whole matrix, y shaped as z.
inline void rectify(const Matrix& z, Matrix& y) {
  y.resize(z.rows(), z.cols());
  rectify(z.data(), y.data(), 0, z.size());
}

// grad where kept > 0, else 0: a ReLU's backward, value by value, given its output `kept` (positive exactly where its
// input was). Both values are arguments, so both are loaded whatever the test says and the choice compiles to a
// vector blend: a conditional load made it a branch, mispredicted at every other element (3 ns each).
inline float passedWherePositive(float kept, float grad) {
  return kept > 0.0f ? grad : 0.0f;
}

// out[i] = passedWherePositive(kept[i], grad[i]) for i in [begin, end). out may be grad itself.
inline void passWherePositive(const float* kept, const float* grad, float* out, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) out[i] = passedWherePositive(kept[i], grad[i]);
}

// The same over whole matrices shaped alike, out resized to them, the threads sharing a large one: a ReLU's backward.
inline void passWherePositive(const Matrix& kept, const Matrix& grad, Matrix& out) {
  out.resize(grad.rows(), grad.cols());
  const float *k = kept.data(), *g = grad.data();
  float* o = out.data();
  splitAcrossThreads(grad.size(), grad.size() >= kParallelElements,
                     [&](int64_t begin, int64_t end) { passWherePositive(k, g, o, begin, end); });
}

// The same over a whole matrix, in place: grad kept where kept > 0. Both are shaped alike.
inline void passWherePositive(const Matrix& kept, Matrix& grad) {
  passWherePositive(kept.data(), grad.data(), grad.data(), 0, grad.size());
}

}  // namespace ss
