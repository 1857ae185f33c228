#include "conv2d.h"

namespace reference {

RowMatrix Conv2d::im2col(const FeatureMaps& input) const {
  const int k = shape_.kernel, outH = outputSize(input.height), outW = outputSize(input.width);
  const int inPlane = input.height * input.width, outPlane = outH * outW;
  RowMatrix columns(Eigen::Index(input.channels()) * k * k, Eigen::Index(input.batch) * outPlane);
#pragma omp parallel for
  for (Eigen::Index row = 0; row < columns.rows(); ++row) {
    const int c = int(row / (k * k)), ky = int(row / k % k), kx = int(row % k);
    float* out = columns.row(row).data();
    const float* channel = input.values.row(c).data();
    for (int n = 0; n < input.batch; ++n)
      for (int oy = 0; oy < outH; ++oy) {
        const int iy = oy * shape_.stride - shape_.padding + ky;
        for (int ox = 0; ox < outW; ++ox) {
          const int ix = ox * shape_.stride - shape_.padding + kx;
          const bool inside = iy >= 0 && iy < input.height && ix >= 0 && ix < input.width;
          out[std::size_t(n) * outPlane + oy * outW + ox] =
              inside ? channel[std::size_t(n) * inPlane + iy * input.width + ix] : 0.0f;
        }
      }
  }
  return columns;
}

FeatureMaps Conv2d::col2im(const RowMatrix& columns, const FeatureMaps& like) const {
  const int k = shape_.kernel, outH = outputSize(like.height), outW = outputSize(like.width);
  const int inPlane = like.height * like.width, outPlane = outH * outW;
  FeatureMaps result{like.batch, like.height, like.width, RowMatrix::Zero(like.channels(), like.values.cols())};
  // One channel per thread: the rows of a channel are the only ones that add into it.
#pragma omp parallel for
  for (int c = 0; c < like.channels(); ++c) {
    float* channel = result.values.row(c).data();
    for (int ky = 0; ky < k; ++ky)
      for (int kx = 0; kx < k; ++kx) {
        const float* in = columns.row((Eigen::Index(c) * k + ky) * k + kx).data();
        for (int n = 0; n < like.batch; ++n)
          for (int oy = 0; oy < outH; ++oy) {
            const int iy = oy * shape_.stride - shape_.padding + ky;
            if (iy < 0 || iy >= like.height) continue;
            for (int ox = 0; ox < outW; ++ox) {
              const int ix = ox * shape_.stride - shape_.padding + kx;
              if (ix < 0 || ix >= like.width) continue;
              channel[std::size_t(n) * inPlane + iy * like.width + ix] +=
                  in[std::size_t(n) * outPlane + oy * outW + ox];
            }
          }
      }
  }
  return result;
}

FeatureMaps Conv2d::forward(const FeatureMaps& input, const MaskedLayer& layer, bool keepInput) {
  FeatureMaps output{input.batch, outputSize(input.height), outputSize(input.width), {}};
  output.values.noalias() = layer.weights * im2col(input);
  if (keepInput) input_ = input;
  return output;
}

FeatureMaps Conv2d::backward(const FeatureMaps& outputGradient, MaskedLayer& layer) {
  layer.weightGradient.noalias() = outputGradient.values * im2col(input_).transpose();
  const RowMatrix columnGradient = layer.weights.transpose() * outputGradient.values;
  return col2im(columnGradient, input_);
}

}  // namespace reference
