#include "nn/residual_add.h"

#include <stdexcept>

#include "core/error.h"
#include "core/relu.h"
#include "core/threads.h"

namespace ss {

int ResidualAdd::strideBetween(const ExampleShape& skip, const ExampleShape& main) {
  for (int stride = 1; stride <= skip.height; ++stride)
    if ((skip.height + stride - 1) / stride == main.height && (skip.width + stride - 1) / stride == main.width)
      return stride;
  return 0;
}

ResidualAdd::ResidualAdd(ExampleShape main, ExampleShape skip)
    : main_(main), skip_(skip), stride_(strideBetween(skip, main)), padFront_((main.channels - skip.channels) / 2) {
  if (stride_ == 0 || skip.channels > main.channels)
    throw InputError("residual add: a " + skip.text() + " block input cannot be subsampled and zero-padded to " +
                     main.text() + "; give the block a projection shortcut");
}

std::string ResidualAdd::describe() const {
  if (identity()) return "add identity";
  return "add zero-padded " + std::to_string(skip_.channels) + " -> " + std::to_string(main_.channels) +
         (stride_ > 1 ? ", stride " + std::to_string(stride_) : std::string());
}

void ResidualAdd::forward(const Matrix&, Matrix&, bool) {
  throw std::logic_error("a residual add is run by the model with its block's input");
}

void ResidualAdd::backward(const Matrix&, const Matrix&, const Matrix&, Matrix&, bool) {
  throw std::logic_error("a residual add is run by the model with its block's input");
}

template <typename Pair>
void ResidualAdd::forEachShortcutPair(Eigen::Index examples, Pair pair) const {
  const int64_t area = int64_t(main_.height) * main_.width, skipArea = int64_t(skip_.height) * skip_.width;
#pragma omp parallel for schedule(static)
  for (Eigen::Index s = 0; s < examples; ++s)
    for (int c = 0; c < skip_.channels; ++c)
      for (int i = 0; i < main_.height; ++i)
        for (int j = 0; j < main_.width; ++j)
          pair(s, c * skipArea + (i * stride_) * skip_.width + j * stride_,
               (padFront_ + c) * area + i * main_.width + j);
}

void ResidualAdd::forward(const Matrix& x, const Matrix& skip, Matrix& y) {
  if (identity()) {
    y = x + skip;
    return;
  }
  y = x;
  forEachShortcutPair(x.rows(), [&](Eigen::Index s, int64_t in, int64_t out) { y(s, out) += skip(s, in); });
}

void ResidualAdd::backward(const Matrix& dy, Matrix& dx, Matrix& dSkip) {
  dx = dy;
  passToShortcut(dy, dSkip);
}

void ResidualAdd::passToShortcut(const Matrix& dy, Matrix& dSkip) const {
  if (identity()) {
    dSkip = dy;
    return;
  }
  dSkip.setZero(dy.rows(), skip_.size());
  forEachShortcutPair(dy.rows(), [&](Eigen::Index s, int64_t in, int64_t out) { dSkip(s, in) = dy(s, out); });
}

void ResidualAdd::forwardThroughRelu(const Matrix& x, const Matrix& skip, Matrix& relu) {
  if (!identity()) {
    forward(x, skip, relu);
    rectify(relu, relu);
    return;
  }
  relu.resize(x.rows(), x.cols());
  const float *main = x.data(), *shortcut = skip.data();
  float* out = relu.data();
  splitAcrossThreads(x.size(), x.size() >= kParallelElements, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = rectified(main[i] + shortcut[i]);
  });
}

void ResidualAdd::backwardThroughRelu(const Matrix& relu, const Matrix& dRelu, Matrix& dx, Matrix& dSkip) {
  passWherePositive(relu, dRelu, dx);
  passToShortcut(dx, dSkip);
}

}  // namespace ss
