#include "nn/activation.h"

namespace ss {

void ReLU::forward(const Matrix& x, Matrix& y, bool) {
  y = x.cwiseMax(0.0f);
}

void ReLU::backward(const Matrix&, const Matrix& y, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  if (needInputGrad) dx = (y.array() > 0.0f).select(dy, 0.0f);
}

void Flatten::forward(const Matrix& x, Matrix& y, bool) {
  y = x;
}

void Flatten::backward(const Matrix&, const Matrix&, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  if (needInputGrad) dx = dy;
}

}  // namespace ss
