#pragma once

#include "core/rng.h"
#include "nn/layer.h"
#include "sparse/weight_matrix.h"

namespace ss {

struct ConvGeometry {
  int inChannels = 1, height = 1, width = 1;
  int outChannels = 1, kernel = 3, stride = 1, padding = 1;
  int outHeight() const { return (height + 2 * padding - kernel) / stride + 1; }
  int outWidth() const { return (width + 2 * padding - kernel) / stride + 1; }
  int patchSize() const { return inChannels * kernel * kernel; }
};

// 2-D convolution by im2col of the whole batch and one (dense or sparse) product. The weight is
// held as a filters x (C*k*k) matrix, the same shape a sparse layer stores, so masks map one to one.
class Conv2d : public Layer {
 public:
  explicit Conv2d(const ConvGeometry& g);

  std::string kind() const override { return "conv2d"; }
  std::string describe() const override;
  ExampleShape inputShape() const override { return {g_.inChannels, g_.height, g_.width}; }
  ExampleShape outputShape() const override { return {g_.outChannels, g_.outHeight(), g_.outWidth()}; }

  void forward(const Matrix& x, Matrix& y, bool training) override;
  void backward(const Matrix& x, const Matrix& y, const Matrix& dy, Matrix& dx, bool needInputGrad) override;
  std::vector<ParameterRef> parameters() override;

  void initKaiming(Rng& rng);
  const ConvGeometry& geometry() const { return g_; }
  WeightMatrix* weightMatrix() override { return &weight_; }
  int kernelArea() const override { return g_.kernel * g_.kernel; }
  Matrix& weight() { return weight_.dense(); }  // empty while execution is sparse
  Vector& bias() { return bias_; }

 private:
  // One example's patches: row p (patch entry p, positions along it) starts at cols + p * stride, so they are
  // written where they go in the batch's panel, with no copy in between.
  void im2col(const float* image, float* cols, Eigen::Index stride) const;
  void batchIm2col(const Matrix& x, Matrix& cols) const;
  void col2imAdd(const float* cols, Eigen::Index stride, float* image) const;
  // The output columns q whose input column q * stride - padding + kj lies inside the image: [first, end).
  std::pair<int, int> insideColumns(int kj) const;

  ConvGeometry g_;
  WeightMatrix weight_;
  Vector bias_, biasGrad_;
  Matrix cols_;  // patches of the batch (C*k*k x batch*positions), kept from forward for backward
  Matrix out_;   // filters x batch*positions: the GEMM's result, then dY in the same layout
};

}  // namespace ss
