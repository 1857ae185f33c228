#include "nn/conv2d.h"

#include <algorithm>
#include <cmath>

#include "sparse/panel_row_sums.h"

namespace ss {

Conv2d::Conv2d(const ConvGeometry& g)
    : g_(g),
      weight_(g.outChannels, g.patchSize()),
      bias_(Vector::Zero(g.outChannels)),
      biasGrad_(Vector::Zero(g.outChannels)) {}

std::string Conv2d::describe() const {
  return "conv2d " + std::to_string(g_.inChannels) + " -> " + std::to_string(g_.outChannels) + ", " +
         std::to_string(g_.kernel) + "x" + std::to_string(g_.kernel) + " on " + std::to_string(g_.height) + "x" +
         std::to_string(g_.width);
}

void Conv2d::initKaiming(Rng& rng) {
  const float stddev = std::sqrt(2.0f / static_cast<float>(g_.patchSize()));
  Matrix& w = weight_.dense();
  for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = rng.normal(0.0f, stddev);
  bias_.setZero();
}

std::pair<int, int> Conv2d::insideColumns(int kj) const {
  const int ow = g_.outWidth(), offset = g_.padding - kj;  // q * stride >= offset and < width + offset
  const int first = offset <= 0 ? 0 : (offset + g_.stride - 1) / g_.stride;
  const int end = g_.width + offset <= 0 ? 0 : (g_.width + offset - 1) / g_.stride + 1;
  return {std::min(first, ow), std::clamp(end, std::min(first, ow), ow)};
}

void Conv2d::im2col(const float* image, float* cols, Eigen::Index stride) const {
  const int k = g_.kernel, oh = g_.outHeight(), ow = g_.outWidth();
  for (int c = 0; c < g_.inChannels; ++c) {
    const float* plane = image + c * g_.height * g_.width;
    for (int ki = 0; ki < k; ++ki) {
      for (int kj = 0; kj < k; ++kj) {
        float* out = cols + Eigen::Index((c * k + ki) * k + kj) * stride;
        // The padding's zeros at the two ends, the image in between: a copy where the stride is 1, instead of a
        // bounds test per element.
        const auto [first, end] = insideColumns(kj);
        const int shift = kj - g_.padding;
        for (int r = 0; r < oh; ++r) {
          const int ir = r * g_.stride - g_.padding + ki;
          float* outRow = out + r * ow;
          if (ir < 0 || ir >= g_.height) {
            std::fill(outRow, outRow + ow, 0.0f);
            continue;
          }
          const float* inRow = plane + ir * g_.width;
          std::fill(outRow, outRow + first, 0.0f);
          if (g_.stride == 1)
            std::copy(inRow + first + shift, inRow + end + shift, outRow + first);
          else
            for (int q = first; q < end; ++q) outRow[q] = inRow[q * g_.stride + shift];
          std::fill(outRow + end, outRow + ow, 0.0f);
        }
      }
    }
  }
}

void Conv2d::col2imAdd(const float* cols, Eigen::Index stride, float* image) const {
  const int k = g_.kernel, oh = g_.outHeight(), ow = g_.outWidth();
  for (int c = 0; c < g_.inChannels; ++c) {
    float* plane = image + c * g_.height * g_.width;
    for (int ki = 0; ki < k; ++ki) {
      for (int kj = 0; kj < k; ++kj) {
        const float* in = cols + Eigen::Index((c * k + ki) * k + kj) * stride;
        const auto [first, end] = insideColumns(kj);
        const int shift = kj - g_.padding;
        for (int r = 0; r < oh; ++r) {
          const int ir = r * g_.stride - g_.padding + ki;
          if (ir < 0 || ir >= g_.height) continue;
          float* outRow = plane + ir * g_.width;
          const float* inRow = in + r * ow;
          for (int q = first; q < end; ++q) outRow[q * g_.stride + shift] += inRow[q];
        }
      }
    }
  }
}

void Conv2d::batchIm2col(const Matrix& x, Matrix& cols) const {
  const Eigen::Index batch = x.rows();
  const int spatial = g_.outHeight() * g_.outWidth();
  cols.resize(g_.patchSize(), batch * spatial);
#pragma omp parallel for schedule(static)
  for (Eigen::Index s = 0; s < batch; ++s) im2col(x.row(s).data(), cols.data() + s * spatial, cols.cols());
}

void Conv2d::forward(const Matrix& x, Matrix& y, bool) {
  // One im2col panel for the whole batch (patch entries x batch*positions) and a single large GEMM:
  // far better use of the cores than one small GEMM per example.
  const Eigen::Index batch = x.rows();
  const int spatial = g_.outHeight() * g_.outWidth();
  batchIm2col(x, cols_);
  weight_.multiply(cols_, Vector(), out_);  // the bias is added in the copy below, which passes every value anyway
  y.resize(batch, Eigen::Index(g_.outChannels) * spatial);
#pragma omp parallel for schedule(static)
  for (Eigen::Index s = 0; s < batch; ++s) {
    MatrixMap dst(y.row(s).data(), g_.outChannels, spatial);
    dst = out_.middleCols(s * spatial, spatial);
    dst.colwise() += bias_;
  }
}

void Conv2d::backward(const Matrix& x, const Matrix&, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  const Eigen::Index batch = x.rows();
  const int spatial = g_.outHeight() * g_.outWidth();
  // cols_ still holds this batch's patches from forward; dY is laid out the same way as out_.
  if (cols_.cols() != batch * spatial) batchIm2col(x, cols_);
  out_.resize(g_.outChannels, batch * spatial);
#pragma omp parallel for schedule(static)
  for (Eigen::Index s = 0; s < batch; ++s)
    out_.middleCols(s * spatial, spatial) = ConstMatrixMap(dy.row(s).data(), g_.outChannels, spatial);
  weight_.accumulateGradient(out_, cols_);
  if (denseWeightGradientRequested()) {  // before multiplyTransposed reuses cols_
    Matrix full = out_ * cols_.transpose();
    deliverDenseWeightGradient(full);
  }
  sumRowsOfPanel(out_, biasGrad_.data());
  if (!needInputGrad) return;
  weight_.multiplyTransposed(out_, cols_);
  dx.setZero(batch, x.cols());
#pragma omp parallel for schedule(static)
  for (Eigen::Index s = 0; s < batch; ++s) col2imAdd(cols_.data() + s * spatial, cols_.cols(), dx.row(s).data());
}

std::vector<ParameterRef> Conv2d::parameters() {
  return {
      weight_.parameter(name() + ".weight"),
      {name() + ".bias", {bias_.data(), size_t(bias_.size())}, {biasGrad_.data(), size_t(biasGrad_.size())}, false},
  };
}

}  // namespace ss
