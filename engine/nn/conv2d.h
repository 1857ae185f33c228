#pragma once

#include "core/rng.h"
#include "core/threads.h"
#include "nn/im2col_panels.h"
#include "nn/layer.h"
#include "sparse/sparse_conv.h"
#include "sparse/weight_matrix.h"

namespace ss {

struct ConvGeometry {
  int inChannels = 1, height = 1, width = 1;
  int outChannels = 1, kernel = 3, stride = 1, padding = 1;
  // Without one the bias stays zero and is no parameter: a conv followed by batch norm, whose shift makes a bias
  // redundant (as PyTorch's ResNets build theirs, bias=False).
  bool bias = true;
  int outHeight() const { return (height + 2 * padding - kernel) / stride + 1; }
  int outWidth() const { return (width + 2 * padding - kernel) / stride + 1; }
  int patchSize() const { return inChannels * kernel * kernel; }
  ExampleShape outputShape() const { return {outChannels, outHeight(), outWidth()}; }
};

// 2-D convolution. The weight is held as a filters x (C*k*k) matrix, the same shape a sparse layer stores, so
// masks map one to one. Dense and masked-dense weights run by im2col and products a few examples at a time, each
// thread on its share of the batch; channel-layout weights (and RigL's dense-gradient steps) by im2col of the whole
// batch and one product; sparse row-indexed weights (CSR, N:M, blocks) convolve each example directly from its padded
// planes (sparse/sparse_conv.h; strided convs from the planes' phases), the threads taking contiguous shares of the
// batch, as the layers around the conv (ReLU, max-pool) split it.
class Conv2d : public Layer {
 public:
  // Deferred storage holds no weights until initKaiming or initKaimingSparse (WeightMatrix's).
  explicit Conv2d(const ConvGeometry& g, WeightAllocation allocation = WeightAllocation::Dense);

  std::string kind() const override { return "conv2d"; }
  std::string describe() const override;
  ExampleShape inputShape() const override { return {g_.inChannels, g_.height, g_.width}; }
  ExampleShape outputShape() const override { return g_.outputShape(); }

  void forward(const Matrix& x, Matrix& y, bool training) override;
  void backward(const Matrix& x, const Matrix& y, const Matrix& dy, Matrix& dx, bool needInputGrad) override;
  std::vector<ParameterRef> parameters() override;

  void initKaiming(Rng& rng);
  // Born sparse: only the weights at `positions` exist, drawn as initKaiming draws them (nn/kaiming_init.h).
  void initKaimingSparse(const std::vector<int64_t>& positions, const SparseFormat& format, Rng& rng);
  const ConvGeometry& geometry() const { return g_; }
  WeightMatrix* weightMatrix() override { return &weight_; }
  int kernelArea() const override { return g_.kernel * g_.kernel; }
  Matrix& weight() { return weight_.dense(); }  // empty while execution is sparse
  Vector& bias() { return bias_; }
  // Whether the next training step convolves directly (see above): RigL's dense-gradient steps need the im2col panel.
  bool convolvesDirectly() const;
  // Whether it runs in chunks (dense and masked-dense weights but at RigL's dense-gradient steps; see below).
  bool convolvesInChunks() const;
  // Bytes of the layer's own working buffers in a training step at this batch size on `threads` threads: each
  // thread's padded planes and extended rows and its partial gradients when it convolves directly; its chunk's
  // panels and partial gradients when it runs in chunks (chunkWorkingBytes); beside the whole batch's im2col panels
  // otherwise, which every conv of the thread shares (nn/im2col_panels.h), the channel layout's rows.
  int64_t workingBytes(int batchSize, int threads) const;
  // The same for dense or masked-dense weights, which run in chunks: whatever the weights hold now.
  int64_t chunkWorkingBytes(int batchSize, int threads) const;
  // Whether the next training step fills the whole batch's im2col panels: the channel layout, and RigL's
  // dense-gradient steps.
  bool fillsIm2colPanels() const { return !convolvesDirectly() && !convolvesInChunks(); }
  // The im2col and product panels this layer fills when it does (fillsIm2colPanels), and their shape, which convs
  // of the same shape share.
  int64_t im2colWorkingBytes(int batchSize) const;
  Im2colPanels::Shape panelShape() const;

 private:
  // One example's patches: row p (patch entry p, positions along it) starts at cols + p * stride, so they are
  // written where they go in the batch's panel, with no copy in between.
  void im2col(const float* image, float* cols, Eigen::Index stride) const;
  void batchIm2col(const Matrix& x, Matrix& cols) const;
  void col2imAdd(const float* cols, Eigen::Index stride, float* image) const;
  // The output columns q whose input column q * stride - padding + kj lies inside the image: [first, end).
  std::pair<int, int> insideColumns(int kj) const;

  PaddedPlanes paddedPlanes() const { return {g_.inChannels, g_.height, g_.width, g_.kernel, g_.padding, g_.stride}; }
  void forwardDirect(const Matrix& x, Matrix& y);
  void backwardDirect(const Matrix& x, const Matrix& dy, Matrix& dx, bool needInputGrad);
  // One thread's buffers for direct convolution, allocated by that thread on first use and zeroed: the padded
  // planes' border and slack and the margins of the dY rows are never written, so they stay zero.
  struct ExampleBuffers {
    std::vector<float> padded, extended;  // the example's planes; forward's extended output rows
    std::vector<float> dyRows;            // backward's extended dY rows (PaddedPlanes's gradient layout)
    std::vector<float> dxRuns, dPadded;   // dX gathered over the planes' inside rows, or scattered into them
  };
  ExampleBuffers& buffersOfThisThread(const PaddedPlanes& planes, bool backward);
  // Backward's weight and bias gradients summed over a team of threads: each runs share(weightGrad, biasGrad, first,
  // end) on its examples [first, end) of the batch into zeroed places (the layer's own gradients for the first thread,
  // partial sums of its own for the others), which the threads add up after one barrier.
  template <typename Share>
  void sumGradientsOverTeam(int team, Eigen::Index batch, float* weightGradient, int64_t weightCount, Share&& share);
  // Dense and masked-dense weights, outside RigL's dense-gradient steps: each thread takes its share of the batch a
  // few examples at a time (examplesPerChunk), their im2col panel small enough to stay in the core's cache, and
  // runs the products on it alone. One panel for the whole batch (38 MB for ResNet-32's first stage at batch 64)
  // went through memory three times a step, and Eigen packed it again for each product.
  int examplesPerChunk() const;
  void forwardInChunks(const Matrix& x, Matrix& y);
  void backwardInChunks(const Matrix& x, const Matrix& dy, Matrix& dx, bool needInputGrad);
  struct ChunkBuffers {
    Matrix cols, out;  // the chunk's patches (or W^T dY), and its product (or dY) in the same column order
  };

  ConvGeometry g_;
  WeightMatrix weight_;
  Vector bias_, biasGrad_;
  // The im2col path's panels of this conv's shape (nn/im2col_panels.h), taken on the thread that runs the forward:
  // cols holds the batch's patches, out the product and then dY in the same layout.
  Im2colPanelPair& panels();
  std::shared_ptr<Im2colPanels> panels_;
  uint64_t forwardStamp_ = 0;                // of the last forward that made patches, to find them again in backward
  bool direct_ = false;                      // the last forward convolved directly
  bool chunked_ = false;                     // the last forward ran in chunks
  std::vector<ChunkBuffers> chunkBuffers_;   // per thread
  std::vector<int32_t> tapOffsets_;          // per weight column, for direct convolution (PaddedPlanes::tapOffsets)
  PaddedPlanes::PlaneColumns planeColumns_;  // for dX by gather (PaddedPlanes::planeColumns)
  std::vector<ExampleBuffers> buffers_;      // per thread
  TeamPartials weightPartials_, biasPartials_;
};

}  // namespace ss
