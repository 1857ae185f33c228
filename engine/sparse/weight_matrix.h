#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "nn/parameter.h"
#include "sparse/mask.h"
#include "sparse/sparse_format.h"
#include "sparse/sparse_weights.h"

namespace ss {

// The one place a layer's weight matrix W (rows = outputs or filters, cols = inputs or C*k*k) lives,
// in one of three forms: dense; masked-dense (dense storage, inactive entries held at exactly zero,
// fastest at high density); or sparse (only the active entries, in the layout the scheme's shape allows:
// CSR, N:M groups, blocks or kept channels; see sparse_format.h).
// The products work on panels: row-major matrices with one feature per row and the batch (or batch
// x positions) along the row, which is the layout the sparse kernels vectorise.
// Dense: zero weights and gradients from the start. Deferred: no storage until the layer is initialised, dense
// (allocateDense) or born sparse (bornSparse), so a sparse layer never holds a dense tensor.
enum class WeightAllocation { Dense, Deferred };

class WeightMatrix {
 public:
  WeightMatrix(int rows, int cols, WeightAllocation allocation = WeightAllocation::Dense);

  int rows() const { return rows_; }
  int cols() const { return cols_; }

  // out (rows x width) = W in (cols x width) + bias, added to every column (an empty bias adds nothing). With
  // `rectified`, max(out, 0) goes there too, as the ReLU after the layer computes it: in the same pass where the
  // layout's product is a gather.
  void multiply(const Matrix& in, const Vector& bias, Matrix& out, Matrix* rectified = nullptr);
  // grads = dOut (rows x width) in^T (width x cols), at active positions only. Called by every thread of a
  // model's split stretch, each with its share of the batch (columns), it computes the thread's part of the sum,
  // which completeTeamGradient, called by every thread after a barrier, adds up (core/threads.h).
  void accumulateGradient(const Matrix& dOut, const Matrix& in);
  void completeTeamGradient();
  // dIn (cols x width) = W^T dOut (rows x width); with keepWherePositive (cols x width, the output of the ReLU
  // before this layer), dIn is then kept only where that panel is positive, as the ReLU's backward passes it, in the
  // same pass where the layout's dX is a gather.
  void multiplyTransposed(const Matrix& dOut, Matrix& dIn, const Matrix* keepWherePositive = nullptr);
  // The same two products with the result in batch rows, as a linear layer passes it on: out (width x
  // rows) = (W in)^T + bias and dIn (width x cols) = (W^T dOut)^T. Sparse execution only; the gather
  // transposes its own output, so no panel is written and transposed again.
  void multiplyToRows(const Matrix& in, const Vector& bias, Matrix& out);
  void multiplyTransposedToRows(const Matrix& dOut, Matrix& dIn);

  // Restricts training to the mask's entries; the others become zero. Sparse execution drops the
  // dense storage and keeps the active entries in the format's layout (CSR when the mask lacks its shape);
  // format.transposedIndex trades 6 bytes per active weight (8 past 65536 rows) for a gather-based dIn.
  void applyMask(const Mask& mask, bool sparseExecution, const SparseFormat& format = {});
  // Dense zero weights and gradients where there is no storage yet (a deferred matrix); otherwise nothing.
  void allocateDense();
  // Dense execution with every entry active, keeping the current values (inactive ones are zero).
  void becomeDense();
  // Sparse execution from birth: the entries at ascending flat `positions` with their values, in the format's
  // layout, without a dense weight, gradient or mask ever existing.
  void bornSparse(const std::vector<int64_t>& positions, std::vector<float> values, const SparseFormat& format);
  // Replaces the mask, as drop-and-grow algorithms do: weights active in both masks keep their value, gradient
  // and entry of `momentum` (the optimizer state of parameter(), one value per stored entry, in storage order;
  // empty while the optimizer has not stepped); newly active weights start at zero with zero state; dropped
  // weights and their state go to zero. Sparse execution rebuilds its layout (the transposed index too) without
  // a dense copy; masked-dense stays masked-dense, and a dense matrix becomes masked-dense.
  void replaceMask(const Mask& next, std::vector<float>& momentum);
  // The same with the new mask as ascending flat positions: sparse execution rebuilds its layout from them without
  // a byte per weight.
  void replaceActive(const std::vector<int64_t>& next, std::vector<float>& momentum);
  bool sparse() const { return sparse_.has_value(); }
  const SparseWeights* sparseWeights() const { return sparse_ ? &*sparse_ : nullptr; }
  SparseWeights* sparseWeights() { return sparse_ ? &*sparse_ : nullptr; }
  const CsrMatrix* csr() const { return sparse_ ? sparse_->csr() : nullptr; }
  const SparseFormat& format() const { return format_; }  // as requested; sparseWeights() has the layout kept
  Matrix& dense() { return dense_; }                      // empty while sparse
  Matrix& denseGradient() { return denseGrad_; }          // for layers that compute it in their own layout
  void maskDenseGradient();                               // zeroes the gradient of inactive entries
  Matrix toDense() const;
  Mask mask() const;
  int64_t activeCount() const;
  // The active weights' values in row-major order of their positions, the order sparse storage keeps them in.
  std::vector<float> activeValues() const;
  // The active entries' flat row-major positions, ascending: the order activeValues() and sparse storage keep.
  std::vector<int64_t> activePositions() const;
  int64_t storedValues() const;  // values actually held: active count when sparse, rows*cols otherwise
  int64_t indexBytes() const;

  ParameterRef parameter(const std::string& name);
  bool holds(const ParameterRef& p) const {
    return p.values.data() == (sparse_ ? sparse_->values().data() : dense_.data());
  }

 private:
  void maskDenseGradient(int64_t begin, int64_t end);
  void checkMomentum(const std::vector<float>& momentum) const;
  // Installs `rebuilt`, carrying each surviving entry's value, gradient and state over from the current layout.
  void adoptLayout(SparseWeights rebuilt, std::vector<float>& momentum);

  int rows_, cols_;
  Matrix dense_, denseGrad_;
  TeamPartials partialDenseGrads_;       // the dense gradient's partial sums when threads split the batch
  std::optional<Mask> mask_;             // masked-dense execution
  std::optional<SparseWeights> sparse_;  // sparse execution
  SparseFormat format_;
};

}  // namespace ss
