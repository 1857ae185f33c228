#include "nn/max_pool2d.h"

#include <algorithm>
#include <bit>
#include <cstdint>

#include "core/error.h"

namespace ss {

MaxPool2d::MaxPool2d(ExampleShape in, int window) : in_(in), window_(window) {
  if (window < 1) throw InputError("max-pool window " + std::to_string(window) + " is below 1");
}

std::string MaxPool2d::describe() const {
  return "maxpool " + std::to_string(window_) + "x" + std::to_string(window_);
}

namespace {

// Calls f.template operator()<W>() with the window as a constant for the usual sizes (the loops over a window then
// unroll and those over a row's outputs vectorise), W = 0 for any other.
template <typename F>
void withWindow(int window, F&& f) {
  switch (window) {
    case 2:
      f.template operator()<2>();
      break;
    case 3:
      f.template operator()<3>();
      break;
    default:
      f.template operator()<0>();
  }
}

}  // namespace

void MaxPool2d::forward(const Matrix& x, Matrix& y, bool) {
  const ExampleShape out = outputShape();
  const Eigen::Index batch = x.rows();
  y.resize(batch, out.size());
  withWindow(window_, [&]<int W>() {
    const int w = W ? W : window_;
#pragma omp parallel for schedule(static)
    for (Eigen::Index s = 0; s < batch; ++s) {
      for (int c = 0; c < out.channels; ++c) {
        for (int r = 0; r < out.height; ++r) {
          const float* window = x.row(s).data() + (int64_t(c) * in_.height + r * w) * in_.width;
          float* o = y.row(s).data() + (int64_t(c) * out.height + r) * out.width;
          for (int q = 0; q < out.width; ++q) {
            float best = window[q * w];
            for (int i = 0; i < w; ++i)
              for (int j = 0; j < w; ++j) best = std::max(best, window[i * in_.width + q * w + j]);
            o[q] = best;
          }
        }
      }
    }
  });
}

void MaxPool2d::backward(const Matrix& x, const Matrix& y, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  if (!needInputGrad) return;
  const ExampleShape out = outputShape();
  dx.resize(x.rows(), x.cols());
  withWindow(window_, [&]<int W>() {
    const int w = W ? W : window_;
    const bool tiled = out.height * w == in_.height && out.width * w == in_.width;
#pragma omp parallel for schedule(static)
    for (Eigen::Index s = 0; s < dy.rows(); ++s) {
      if (!tiled) std::fill(dx.row(s).data(), dx.row(s).data() + dx.cols(), 0.0f);  // rows and columns no window covers
      for (int c = 0; c < out.channels; ++c) {
        for (int r = 0; r < out.height; ++r) {
          const int64_t first = (int64_t(c) * in_.height + r * w) * in_.width,
                        at = (int64_t(c) * out.height + r) * out.width;
          const float* window = x.row(s).data() + first;
          float* d = dx.row(s).data() + first;
          const float* best = y.row(s).data() + at;
          const float* g = dy.row(s).data() + at;
          // The first entry equal to the output takes the gradient; entries are compared as bit patterns (the
          // maximum is one of them) and the gradient placed by masking its bits: integer operations without a
          // select or a branch, which GCC vectorises across a row's windows. (Selects on float comparisons
          // compiled to branches, mispredicted at every tie and half the time on random data: 6x slower.)
          for (int q = 0; q < out.width; ++q) {
            const uint32_t bestBits = std::bit_cast<uint32_t>(best[q]), gradient = std::bit_cast<uint32_t>(g[q]);
            uint32_t taken = 0;
            for (int i = 0; i < w; ++i)
              for (int j = 0; j < w; ++j) {
                const int64_t k = i * in_.width + q * w + j;
                const uint32_t equal = 0u - uint32_t(std::bit_cast<uint32_t>(window[k]) == bestBits);
                d[k] = std::bit_cast<float>(gradient & equal & ~taken);
                taken |= equal;
              }
          }
        }
      }
    }
  });
}

}  // namespace ss
