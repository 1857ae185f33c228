#include "nn/global_avg_pool.h"

#include "core/error.h"

namespace ss {

GlobalAvgPool::GlobalAvgPool(ExampleShape in) : in_(in) {
  if (in.size() <= 0) throw InputError("global average pooling needs a non-empty input");
}

std::string GlobalAvgPool::describe() const {
  return "global average pool " + std::to_string(in_.height) + "x" + std::to_string(in_.width);
}

void GlobalAvgPool::forward(const Matrix& x, Matrix& y, bool) {
  const Eigen::Index batch = x.rows();
  const int64_t area = int64_t(in_.height) * in_.width;
  const float scale = 1.0f / float(area);
  y.resize(batch, in_.channels);
#pragma omp parallel for schedule(static)
  for (Eigen::Index s = 0; s < batch; ++s) {
    const float* plane = x.row(s).data();
    for (int c = 0; c < in_.channels; ++c, plane += area) {
      float sum = 0.0f;
      for (int64_t i = 0; i < area; ++i) sum += plane[i];
      y(s, c) = sum * scale;
    }
  }
}

void GlobalAvgPool::backward(const Matrix& x, const Matrix&, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  if (!needInputGrad) return;
  const Eigen::Index batch = x.rows();
  const int64_t area = int64_t(in_.height) * in_.width;
  const float scale = 1.0f / float(area);
  dx.resize(batch, x.cols());
#pragma omp parallel for schedule(static)
  for (Eigen::Index s = 0; s < batch; ++s) {
    float* plane = dx.row(s).data();
    for (int c = 0; c < in_.channels; ++c, plane += area) {
      const float share = dy(s, c) * scale;
      for (int64_t i = 0; i < area; ++i) plane[i] = share;
    }
  }
}

}  // namespace ss
