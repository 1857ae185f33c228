#pragma once

#include "core/rng.h"
#include "nn/layer.h"
#include "sparse/weight_matrix.h"

namespace ss {

// Fully connected: y = x W^T + b, W is outputs x inputs. Dense or masked-dense weights use Eigen's
// GEMM on the batch-row layout; sparse weights work on transposed (batch-column) panels, the layout
// the sparse kernels vectorise.
class Linear : public Layer {
 public:
  // Deferred storage holds no weights until initKaiming or initKaimingSparse (WeightMatrix's).
  Linear(int inputs, int outputs, WeightAllocation allocation = WeightAllocation::Dense);

  std::string kind() const override { return "linear"; }
  std::string describe() const override;
  ExampleShape inputShape() const override { return {1, 1, inputs_}; }
  ExampleShape outputShape() const override { return {1, 1, outputs_}; }

  void forward(const Matrix& x, Matrix& y, bool training) override;
  void backward(const Matrix& x, const Matrix& y, const Matrix& dy, Matrix& dx, bool needInputGrad) override;
  // On panels every form of the weights computes yT = W xT + b, dW = dyT xT^T and dxT = W^T dyT directly.
  bool takesPanels() const override { return true; }
  bool prefersPanels() const override { return weight_.sparse(); }
  void forwardPanel(const Matrix& xT, Matrix& yT, bool training) override;
  void backwardPanel(const Matrix& xT, const Matrix& yT, const Matrix& dyT, Matrix& dxT, bool needInputGrad) override;
  bool passesOutputThroughRelu() const override { return true; }
  void forwardPanelThroughRelu(const Matrix& xT, Matrix& yT, Matrix& reluT, bool training) override;
  bool passesInputGradientThroughRelu() const override { return true; }
  void backwardPanelThroughRelu(const Matrix& xT, const Matrix& yT, const Matrix& dyT, Matrix& dxT) override;
  void completeTeamGradients() override;
  std::vector<ParameterRef> parameters() override;

  void initKaiming(Rng& rng);
  // Born sparse: only the weights at `positions` exist, drawn as initKaiming draws them (nn/kaiming_init.h).
  void initKaimingSparse(const std::vector<int64_t>& positions, const SparseFormat& format, Rng& rng);
  WeightMatrix* weightMatrix() override { return &weight_; }
  Matrix& weight() { return weight_.dense(); }  // the dense weight; empty while execution is sparse
  Vector& bias() { return bias_; }
  int inputs() const { return inputs_; }
  int outputs() const { return outputs_; }

 private:
  int inputs_, outputs_;
  WeightMatrix weight_;
  Vector bias_, biasGrad_;
  TeamPartials biasGradPartials_;  // when threads split the batch
  Matrix xT_, dyT_;                // panels reused between steps (sparse execution only)

  // The parameter gradients, and dX when dxT is given (kept where keepWherePositive > 0 when that is given too).
  void backwardOnPanels(const Matrix& xT, const Matrix& dyT, Matrix* dxT, const Matrix* keepWherePositive);
};

}  // namespace ss
