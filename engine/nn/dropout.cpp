#include "nn/dropout.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>

#include "core/threads.h"

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
  // One draw of the layer's stream keys the step; each group of four activations takes the 64 bits mixed from the
  // key and its number, a keep decision in each 16 bits (kept under keep * 2^16: the rate to within 2^-17). The
  // groups are computed by the threads that scale them, in any order, with the same result on any thread count: a
  // float per activation from uniform_real_distribution cost 7 ns, 3 ms a step on the Fashion convnet's
  // flattened features (128 x 3136), as much as its sparse second conv.
  const uint32_t threshold = uint32_t(std::llround(double(keep) * 65536.0));
  const uint64_t key = rng_.next();
  const uint32_t keptBits = std::bit_cast<uint32_t>(kept);
  const Eigen::Index n = x.size();
  scale_.resize(x.rows(), x.cols());
  y.resize(x.rows(), x.cols());
  const float* in = x.data();
  float *scale = scale_.data(), *out = y.data();
  splitAcrossThreads((n + 3) / 4, n >= kParallelElements, [&](int64_t begin, int64_t end) {
    for (int64_t group = begin; group < end; ++group) {
      const uint64_t bits = mixBits(key + uint64_t(group) * kGoldenGamma);
      const int64_t first = group * 4, count = std::min<int64_t>(4, n - first);
      for (int64_t k = 0; k < count; ++k) {
        // kept or +0.0 by masking its bits: GCC made a select here a branch, mispredicted at every dropped value.
        const uint32_t keepMask = 0u - uint32_t(((bits >> (16 * k)) & 0xFFFF) < threshold);
        scale[first + k] = std::bit_cast<float>(keptBits & keepMask);
        out[first + k] = in[first + k] * scale[first + k];
      }
    }
  });
}

void Dropout::backward(const Matrix&, const Matrix&, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  if (!needInputGrad) return;
  dx = scale_.size() ? dy.cwiseProduct(scale_) : dy;
}

}  // namespace ss
