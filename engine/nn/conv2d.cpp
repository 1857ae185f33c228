#include "nn/conv2d.h"

#include <omp.h>

#include <cmath>

namespace ss {

Conv2d::Conv2d(const ConvGeometry& g)
    : g_(g),
      weight_(Matrix::Zero(g.outChannels, g.patchSize())), weightGrad_(Matrix::Zero(g.outChannels, g.patchSize())),
      bias_(Vector::Zero(g.outChannels)), biasGrad_(Vector::Zero(g.outChannels)) {}

std::string Conv2d::describe() const {
  return "conv2d " + std::to_string(g_.inChannels) + " -> " + std::to_string(g_.outChannels) + ", " +
         std::to_string(g_.kernel) + "x" + std::to_string(g_.kernel) + " on " + std::to_string(g_.height) + "x" +
         std::to_string(g_.width);
}

void Conv2d::initKaiming(Rng& rng) {
  const float stddev = std::sqrt(2.0f / static_cast<float>(g_.patchSize()));
  for (Eigen::Index i = 0; i < weight_.size(); ++i) weight_.data()[i] = rng.normal(0.0f, stddev);
  bias_.setZero();
}

void Conv2d::im2col(const float* image, Matrix& col) const {
  const int k = g_.kernel, oh = g_.outHeight(), ow = g_.outWidth();
  col.resize(g_.patchSize(), oh * ow);
  for (int c = 0; c < g_.inChannels; ++c) {
    const float* plane = image + c * g_.height * g_.width;
    for (int ki = 0; ki < k; ++ki) {
      for (int kj = 0; kj < k; ++kj) {
        float* out = col.row((c * k + ki) * k + kj).data();
        for (int r = 0; r < oh; ++r) {
          const int ir = r * g_.stride - g_.padding + ki;
          float* outRow = out + r * ow;
          if (ir < 0 || ir >= g_.height) {
            std::fill(outRow, outRow + ow, 0.0f);
            continue;
          }
          const float* inRow = plane + ir * g_.width;
          for (int q = 0; q < ow; ++q) {
            const int ic = q * g_.stride - g_.padding + kj;
            outRow[q] = (ic >= 0 && ic < g_.width) ? inRow[ic] : 0.0f;
          }
        }
      }
    }
  }
}

void Conv2d::col2imAdd(const Matrix& col, float* image) const {
  const int k = g_.kernel, oh = g_.outHeight(), ow = g_.outWidth();
  for (int c = 0; c < g_.inChannels; ++c) {
    float* plane = image + c * g_.height * g_.width;
    for (int ki = 0; ki < k; ++ki) {
      for (int kj = 0; kj < k; ++kj) {
        const float* in = col.row((c * k + ki) * k + kj).data();
        for (int r = 0; r < oh; ++r) {
          const int ir = r * g_.stride - g_.padding + ki;
          if (ir < 0 || ir >= g_.height) continue;
          float* outRow = plane + ir * g_.width;
          const float* inRow = in + r * ow;
          for (int q = 0; q < ow; ++q) {
            const int ic = q * g_.stride - g_.padding + kj;
            if (ic >= 0 && ic < g_.width) outRow[ic] += inRow[q];
          }
        }
      }
    }
  }
}

void Conv2d::forward(const Matrix& x, Matrix& y, bool) {
  const Eigen::Index batch = x.rows();
  const int spatial = g_.outHeight() * g_.outWidth();
  y.resize(batch, Eigen::Index(g_.outChannels) * spatial);
#pragma omp parallel
  {
    Matrix col;
#pragma omp for schedule(static)
    for (Eigen::Index s = 0; s < batch; ++s) {
      im2col(x.row(s).data(), col);
      MatrixMap out(y.row(s).data(), g_.outChannels, spatial);
      out.noalias() = weight_ * col;
      out.colwise() += bias_;
    }
  }
}

void Conv2d::backward(const Matrix& x, const Matrix&, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  const Eigen::Index batch = x.rows();
  const int spatial = g_.outHeight() * g_.outWidth();
  if (needInputGrad) dx.setZero(batch, x.cols());
  // One gradient accumulator per thread, summed in thread order afterwards, so the result depends
  // only on the thread count and not on scheduling.
  const int threads = omp_get_max_threads();
  std::vector<Matrix> partialW(threads, Matrix::Zero(weight_.rows(), weight_.cols()));
  std::vector<Vector> partialB(threads, Vector::Zero(bias_.size()));
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    Matrix col, dcol;
#pragma omp for schedule(static)
    for (Eigen::Index s = 0; s < batch; ++s) {
      im2col(x.row(s).data(), col);
      ConstMatrixMap g(dy.row(s).data(), g_.outChannels, spatial);
      partialW[t].noalias() += g * col.transpose();
      partialB[t] += g.rowwise().sum();
      if (needInputGrad) {
        dcol.noalias() = weight_.transpose() * g;
        col2imAdd(dcol, dx.row(s).data());
      }
    }
  }
  weightGrad_ = partialW[0];
  biasGrad_ = partialB[0];
  for (int t = 1; t < threads; ++t) {
    weightGrad_ += partialW[t];
    biasGrad_ += partialB[t];
  }
}

std::vector<ParameterRef> Conv2d::parameters() {
  return {
      {name() + ".weight", {weight_.data(), size_t(weight_.size())}, {weightGrad_.data(), size_t(weightGrad_.size())}, true},
      {name() + ".bias", {bias_.data(), size_t(bias_.size())}, {biasGrad_.data(), size_t(biasGrad_.size())}, false},
  };
}

}  // namespace ss
