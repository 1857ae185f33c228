#pragma once

#include <optional>

#include "core/rng.h"
#include "nn/layer.h"
#include "sparse/csr_matrix.h"
#include "sparse/mask.h"

namespace ss {

// Fully connected: y = x W^T + b, W is outputs x inputs. The weight lives either as a dense matrix
// (optionally masked: inactive entries held at exactly zero) or, after applyMask with sparse
// execution, only as its active entries in CSR form, computed by the sparse kernels.
class Linear : public Layer {
 public:
  Linear(int inputs, int outputs);

  std::string kind() const override { return "linear"; }
  std::string describe() const override;
  ExampleShape inputShape() const override { return {1, 1, inputs_}; }
  ExampleShape outputShape() const override { return {1, 1, outputs_}; }

  void forward(const Matrix& x, Matrix& y, bool training) override;
  void backward(const Matrix& x, const Matrix& y, const Matrix& dy, Matrix& dx, bool needInputGrad) override;
  std::vector<ParameterRef> parameters() override;

  void initKaiming(Rng& rng);
  Matrix& weight() { return weight_; }  // the dense weight; empty while execution is sparse
  Vector& bias() { return bias_; }

  // Restricts training to the mask's weights (the others become zero). Sparse execution frees the
  // dense matrix; masked-dense keeps it, which is faster at high density.
  void applyMask(const Mask& mask, bool sparseExecution, bool transposedIndex);
  bool sparseExecution() const { return sparse_.has_value(); }
  const CsrMatrix* sparseWeight() const { return sparse_ ? &*sparse_ : nullptr; }
  Matrix denseWeight() const;
  Mask mask() const;  // all ones for a dense layer
  int inputs() const { return inputs_; }
  int outputs() const { return outputs_; }

 private:
  void sparseForward(const Matrix& x, Matrix& y);
  void sparseBackward(const Matrix& x, const Matrix& dy, Matrix& dx, bool needInputGrad);

  int inputs_, outputs_;
  Matrix weight_, weightGrad_;
  std::optional<Mask> denseMask_;    // masked-dense execution
  std::optional<CsrMatrix> sparse_;  // sparse execution
  Matrix xT_, yT_, dyT_, dxT_;       // batch-major panels reused between steps
  std::vector<float> valuesT_;       // weights in transposed-index order, refreshed each backward
  Vector bias_, biasGrad_;
};

}  // namespace ss
