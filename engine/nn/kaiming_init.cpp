#include "nn/kaiming_init.h"

#include <cmath>

namespace ss {

namespace {
float kaimingStddev(int fanIn) {
  return std::sqrt(2.0f / static_cast<float>(fanIn));
}
}  // namespace

void initKaimingDense(WeightMatrix& weights, int fanIn, Rng& rng) {
  weights.allocateDense();
  const float stddev = kaimingStddev(fanIn);
  Matrix& w = weights.dense();
  for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = rng.normal(0.0f, stddev);
}

void initKaimingSparse(WeightMatrix& weights, int fanIn, const std::vector<int64_t>& positions,
                       const SparseFormat& format, Rng& rng) {
  const float stddev = kaimingStddev(fanIn);
  std::vector<float> values(positions.size());
  for (float& v : values) v = rng.normal(0.0f, stddev);
  weights.bornSparse(positions, std::move(values), format);
}

}  // namespace ss
