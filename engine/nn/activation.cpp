#include "nn/activation.h"

#include <algorithm>

#include "core/relu.h"
#include "core/threads.h"

namespace ss {

void ReLU::forward(const Matrix& x, Matrix& y, bool) {
  y.resize(x.rows(), x.cols());
  const float* in = x.data();
  float* out = y.data();
  splitAcrossThreads(x.size(), x.size() >= kParallelElements,
                     [&](int64_t begin, int64_t end) { rectify(in, out, begin, end); });
}

void ReLU::backward(const Matrix&, const Matrix& y, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  if (needInputGrad) passWherePositive(y, dy, dx);
}

void Flatten::forward(const Matrix& x, Matrix& y, bool) {
  y = x;
}

void Flatten::backward(const Matrix&, const Matrix&, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  if (needInputGrad) dx = dy;
}

}  // namespace ss
