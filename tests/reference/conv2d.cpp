#include "conv2d.h"

#include <algorithm>
#include <vector>

namespace reference {
namespace {

// The output positions o in [begin, end) whose input position o * stride + offset falls inside
// [0, inputSize): a kernel tap's offset is its index minus the padding, so the taps that land in the
// padding are the positions outside this range. Lets the loops below copy runs without a test per pixel.
struct ValidRange {
  int begin;
  int end;
};

ValidRange validRange(int outputSize, int inputSize, int stride, int offset) {
  const int begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int last = inputSize - 1 - offset;  // the largest o * stride allowed
  const int end = last < 0 ? 0 : std::min(outputSize, last / stride + 1);
  return {begin, std::max(begin, end)};
}

// The products are split into blocks of this many images, shared among OpenMP threads. A block's result
// does not depend on the thread count, so a run gives the same numbers on 1 or 2 threads. Eigen's own
// threading stays off (EIGEN_DONT_PARALLELIZE): its GEMM threads spin waiting for one another, and on a
// shared 2-core machine a spinning thread can hold the core its partner needs (a step took 6-14 s on 2
// threads against 1.4 s on one).
constexpr int imagesPerBlock = 16;

struct ColumnBlock {
  Eigen::Index first;
  Eigen::Index count;
};

std::vector<ColumnBlock> imageBlocks(int batch, int plane) {
  std::vector<ColumnBlock> blocks;
  for (int n = 0; n < batch; n += imagesPerBlock)
    blocks.push_back({Eigen::Index(n) * plane, Eigen::Index(std::min(imagesPerBlock, batch - n)) * plane});
  return blocks;
}

}  // namespace

template <typename Scalar>
void Conv2d<Scalar>::im2col(const Maps& input, int outH, int outW) {
  const int k = shape_.kernel, s = shape_.stride;
  const int inPlane = input.height * input.width, outPlane = outH * outW;
  columns_.resize(Eigen::Index(input.channels()) * k * k, Eigen::Index(input.batch) * outPlane);
  // Row (c, ky, kx) holds, for every image and output pixel, the input pixel under that kernel tap (zero
  // in the padding). Rows are independent, so they are shared among threads.
#pragma omp parallel for
  for (Eigen::Index row = 0; row < columns_.rows(); ++row) {
    const int c = int(row / (k * k)), ky = int(row / k % k), kx = int(row % k);
    const ValidRange ys = validRange(outH, input.height, s, ky - shape_.padding);
    const ValidRange xs = validRange(outW, input.width, s, kx - shape_.padding);
    for (int n = 0; n < input.batch; ++n) {
      Scalar* out = columns_.row(row).data() + std::size_t(n) * outPlane;
      const Scalar* image = input.values.row(c).data() + std::size_t(n) * inPlane;
      std::fill(out, out + ys.begin * outW, Scalar(0));
      for (int oy = ys.begin; oy < ys.end; ++oy) {
        const Scalar* in = image + (oy * s + ky - shape_.padding) * input.width;
        Scalar* line = out + oy * outW;
        std::fill(line, line + xs.begin, Scalar(0));
        for (int ox = xs.begin; ox < xs.end; ++ox) line[ox] = in[ox * s + kx - shape_.padding];
        std::fill(line + xs.end, line + outW, Scalar(0));
      }
      std::fill(out + ys.end * outW, out + outPlane, Scalar(0));
    }
  }
}

template <typename Scalar>
typename Conv2d<Scalar>::Maps Conv2d<Scalar>::col2im(int outH, int outW) const {
  const int k = shape_.kernel, s = shape_.stride;
  const int batch = inputBatch_, height = inputHeight_, width = inputWidth_;
  const int inPlane = height * width, outPlane = outH * outW;
  Maps result{batch, height, width, RowMatrixOf<Scalar>::Zero(shape_.inChannels, Eigen::Index(batch) * inPlane)};
  // One channel per thread: the rows of a channel are the only ones that add into it.
#pragma omp parallel for
  for (int c = 0; c < shape_.inChannels; ++c)
    for (int ky = 0; ky < k; ++ky)
      for (int kx = 0; kx < k; ++kx) {
        const ValidRange ys = validRange(outH, height, s, ky - shape_.padding);
        const ValidRange xs = validRange(outW, width, s, kx - shape_.padding);
        const Scalar* row = columns_.row((Eigen::Index(c) * k + ky) * k + kx).data();
        for (int n = 0; n < batch; ++n) {
          Scalar* image = result.values.row(c).data() + std::size_t(n) * inPlane;
          for (int oy = ys.begin; oy < ys.end; ++oy) {
            Scalar* in = image + (oy * s + ky - shape_.padding) * width;
            const Scalar* line = row + std::size_t(n) * outPlane + oy * outW;
            for (int ox = xs.begin; ox < xs.end; ++ox) in[ox * s + kx - shape_.padding] += line[ox];
          }
        }
      }
  return result;
}

template <typename Scalar>
typename Conv2d<Scalar>::Maps Conv2d<Scalar>::forward(const Maps& input, const Layer& layer) {
  Maps output{input.batch, outputSize(input.height), outputSize(input.width), {}};
  im2col(input, output.height, output.width);
  output.values.resize(shape_.outChannels, columns_.cols());
  const std::vector<ColumnBlock> blocks = imageBlocks(input.batch, output.height * output.width);
#pragma omp parallel for schedule(dynamic)
  for (std::size_t b = 0; b < blocks.size(); ++b)
    output.values.middleCols(blocks[b].first, blocks[b].count).noalias() =
        layer.weights * columns_.middleCols(blocks[b].first, blocks[b].count);
  inputBatch_ = input.batch;
  inputHeight_ = input.height;
  inputWidth_ = input.width;
  return output;
}

template <typename Scalar>
typename Conv2d<Scalar>::Maps Conv2d<Scalar>::backward(const Maps& outputGradient, Layer& layer) {
  const RowMatrixOf<Scalar>& dy = outputGradient.values;
  const std::vector<ColumnBlock> blocks =
      imageBlocks(outputGradient.batch, outputGradient.height * outputGradient.width);
  // dL/dW sums over every output pixel: one partial sum per block, added in block order.
  std::vector<typename Layer::Matrix> partial(blocks.size());
#pragma omp parallel for schedule(dynamic)
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const auto [first, count] = blocks[b];
    partial[b].noalias() = dy.middleCols(first, count) * columns_.middleCols(first, count).transpose();
    // The block's columns are no longer needed: their buffer takes dL/dcolumns, of the same shape.
    columns_.middleCols(first, count).noalias() = layer.weights.transpose() * dy.middleCols(first, count);
  }
  layer.weightGradient = partial[0];
  for (std::size_t b = 1; b < blocks.size(); ++b) layer.weightGradient += partial[b];
  return col2im(outputGradient.height, outputGradient.width);
}

template class Conv2d<float>;
template class Conv2d<double>;

}  // namespace reference
