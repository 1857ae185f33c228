#include "nn/max_pool2d.h"

#include <algorithm>
#include <cstdint>

#include "core/error.h"

namespace ss {

MaxPool2d::MaxPool2d(ExampleShape in, int window) : in_(in), window_(window) {
  // Backward marks a window's maxima in a 64-bit mask.
  if (window < 1 || window > 8)
    throw InputError("max-pool window " + std::to_string(window) + " is outside 1..8");
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
          for (int q = 0; q < out.width; ++q) {
            // The first entry equal to the output takes the gradient: the lowest bit of the window's equality mask.
            // Bits and a multiply, not selects: GCC compiled selects on the comparisons to branches, mispredicted at
            // every tie (a ReLU's zeros) and half the time on random data, and an entry-by-entry "still open" flag
            // made one dependent chain per window; either made this backward 6-10x slower.
            uint64_t equal = 0;
            for (int i = 0; i < w; ++i)
              for (int j = 0; j < w; ++j)
                equal |= uint64_t(window[i * in_.width + q * w + j] == best[q]) << (i * w + j);
            const uint64_t first = equal & (0 - equal);
            for (int i = 0; i < w; ++i)
              for (int j = 0; j < w; ++j) d[i * in_.width + q * w + j] = g[q] * float((first >> (i * w + j)) & 1);
          }
        }
      }
    }
  });
}

}  // namespace ss
