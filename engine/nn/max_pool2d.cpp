#include "nn/max_pool2d.h"

#include <limits>

namespace ss {

MaxPool2d::MaxPool2d(ExampleShape in, int window) : in_(in), window_(window) {}

std::string MaxPool2d::describe() const {
  return "maxpool " + std::to_string(window_) + "x" + std::to_string(window_);
}

void MaxPool2d::forward(const Matrix& x, Matrix& y, bool) {
  const ExampleShape out = outputShape();
  const Eigen::Index batch = x.rows();
  y.resize(batch, out.size());
  argmax_.resize(size_t(batch) * size_t(out.size()));
#pragma omp parallel for schedule(static)
  for (Eigen::Index s = 0; s < batch; ++s) {
    const float* in = x.row(s).data();
    float* o = y.row(s).data();
    int32_t* arg = argmax_.data() + s * out.size();
    for (int c = 0; c < out.channels; ++c) {
      for (int r = 0; r < out.height; ++r) {
        for (int q = 0; q < out.width; ++q) {
          float best = -std::numeric_limits<float>::infinity();
          int32_t bestAt = 0;
          for (int i = 0; i < window_; ++i) {
            for (int j = 0; j < window_; ++j) {
              const int32_t at = (c * in_.height + r * window_ + i) * in_.width + q * window_ + j;
              if (in[at] > best) {
                best = in[at];
                bestAt = at;
              }
            }
          }
          const int outAt = (c * out.height + r) * out.width + q;
          o[outAt] = best;
          arg[outAt] = bestAt;
        }
      }
    }
  }
}

void MaxPool2d::backward(const Matrix& x, const Matrix&, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  if (!needInputGrad) return;
  dx.setZero(x.rows(), x.cols());
  const Eigen::Index perExample = dy.cols();
#pragma omp parallel for schedule(static)
  for (Eigen::Index s = 0; s < dy.rows(); ++s) {
    const int32_t* arg = argmax_.data() + s * perExample;
    for (Eigen::Index i = 0; i < perExample; ++i) dx(s, arg[i]) += dy(s, i);
  }
}

}  // namespace ss
