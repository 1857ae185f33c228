#include "nn/dropout.h"

#include <cstdio>

namespace ss {

std::string Dropout::describe() const {
  char text[32];
  std::snprintf(text, sizeof text, "dropout %.2f", double(rate_));
  return text;
}

void Dropout::forward(const Matrix& x, Matrix& y, bool training) {
  if (!training || rate_ <= 0.0f) {
    y = x;
    scale_.resize(0, 0);
    return;
  }
  const float keep = 1.0f - rate_, kept = 1.0f / keep;
  scale_.resize(x.rows(), x.cols());
  for (Eigen::Index i = 0; i < scale_.size(); ++i) scale_.data()[i] = rng_.uniform(0.0f, 1.0f) < keep ? kept : 0.0f;
  y = x.cwiseProduct(scale_);
}

void Dropout::backward(const Matrix&, const Matrix&, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  if (!needInputGrad) return;
  dx = scale_.size() ? dy.cwiseProduct(scale_) : dy;
}

}  // namespace ss
