#pragma once

#include "nn/layer.h"

namespace ss {

// Batch normalisation as PyTorch's BatchNorm2d computes it on a C x H x W input (statistics per channel over the
// batch and its H x W positions), and as its BatchNorm1d does on a 1 x 1 x F input, the output of a linear layer
// (statistics per feature over the batch): y = gamma (x - mean) / sqrt(var + eps) + beta. Training normalises with
// the batch's mean and biased variance and moves the running statistics towards the batch's (the variance
// unbiased); evaluation normalises with the running statistics.
//
// Backward recomputes x-hat from the input, which the model keeps anyway, and the mean and 1 / std of the last
// forward, so the layer keeps nothing per example: keeping x-hat would have cost as much memory as the output.
// Each channel's sums are taken by one thread in a fixed order, so results do not depend on the thread count.
class BatchNorm : public Layer {
 public:
  static constexpr float kDefaultMomentum = 0.1f;
  static constexpr float kDefaultEps = 1e-5f;

  explicit BatchNorm(ExampleShape shape, float momentum = kDefaultMomentum, float eps = kDefaultEps);

  std::string kind() const override { return "batchnorm"; }
  std::string describe() const override;  // "batchnorm 16 channels", "batchnorm 300 features"
  ExampleShape inputShape() const override { return shape_; }
  ExampleShape outputShape() const override { return shape_; }
  void forward(const Matrix& x, Matrix& y, bool training) override;
  // The gradient through whichever statistics the last forward normalised with: the batch's after a training
  // forward (they depend on x), the running ones, constants, after an evaluation forward.
  void backward(const Matrix& x, const Matrix& y, const Matrix& dy, Matrix& dx, bool needInputGrad) override;
  // Fused with the ReLU after it (Layer::passesRowsThroughRelu): the normalising pass writes the ReLU's output, and
  // backward masks dY as it reads it, so neither the batch norm's output nor its dY is ever written.
  bool passesRowsThroughRelu() const override { return true; }
  void forwardThroughRelu(const Matrix& x, Matrix& relu, bool training) override;
  void backwardThroughRelu(const Matrix& x, const Matrix& relu, const Matrix& dRelu, Matrix& dx,
                           bool needInputGrad) override;
  // gamma ("<name>.weight") and beta ("<name>.bias"), marked for no weight decay: decay would pull gamma towards 0
  // and shrink the normalised activations, which is not the L2 penalty it is meant to be (an optimizer set to decay
  // every parameter, as PyTorch's plain SGD does, decays them all the same).
  std::vector<ParameterRef> parameters() override;
  // "<name>.running_mean" and "<name>.running_var".
  std::vector<NamedBuffer> stateBuffers() override;

  // Statistics are per normalised channel: a C x H x W input's channels, or a 1 x 1 x F input's features.
  int channels() const { return channels_; }
  Vector& gamma() { return gamma_; }
  Vector& beta() { return beta_; }
  const Vector& runningMean() const { return runningMean_; }
  const Vector& runningVar() const { return runningVar_; }

 private:
  void normalise(const Matrix& x, Matrix& y, bool training, bool rectified);
  // backward with dY(i) the gradient of the output's value i.
  template <typename Dy>
  void backwardFrom(const Matrix& x, Dy&& dyAt, Matrix& dx, bool needInputGrad);

  // A 1 x 1 x F input is a linear layer's F features, each normalised on its own as BatchNorm1d does.
  static bool normalisesFeatures(const ExampleShape& shape) { return shape.channels == 1 && shape.height == 1; }

  ExampleShape shape_;
  int channels_;   // normalised channels
  int positions_;  // values of one channel in one example: H x W, or 1 for features
  float momentum_, eps_;
  Vector gamma_, beta_, gammaGrad_, betaGrad_;
  Vector runningMean_, runningVar_;
  Vector mean_, invStd_;          // what the last forward normalised with, for backward
  bool batchStatistics_ = false;  // and whether those were the batch's (training) or the running ones
};

}  // namespace ss
