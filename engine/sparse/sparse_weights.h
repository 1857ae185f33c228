#pragma once

#include <cstdint>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/tensor.h"
#include "core/threads.h"
#include "sparse/block_matrix.h"
#include "sparse/channel_matrix.h"
#include "sparse/csr_matrix.h"
#include "sparse/mask.h"
#include "sparse/nm_matrix.h"
#include "sparse/sparse_format.h"

namespace ss {

// A sparse layer's active weights in one of the layouts of sparse_format.h, and the training products on
// panels (row-major, one feature per row, the batch along the row). Values and gradients are in row-major
// order of the active positions in every layout.
class SparseWeights {
 public:
  // The mask's active entries, valued from `dense` (zero when it is empty), in the format's layout, or
  // as CSR when the mask does not have that layout's shape.
  static SparseWeights build(const Mask& mask, const Matrix& dense, const SparseFormat& format);
  // The entries at ascending flat `positions` of a rows x cols matrix with their values (zero when empty), in the
  // format's layout. CSR needs nothing of the matrix's size; the other layouts check their shape on a transient
  // mask of it.
  static SparseWeights fromPositions(int rows, int cols, const std::vector<int64_t>& positions,
                                     std::vector<float> values, const SparseFormat& format);
  // Index bytes of `active` weights of a rows x cols matrix in this format, without building it; exact
  // for every layout but ragged-edge blocks (see BlockMatrix::indexBytesFor).
  static int64_t indexBytesFor(const SparseFormat& format, int rows, int cols, int64_t active);

  SparseLayout layout() const;
  bool hasTransposedIndex() const;
  std::vector<float>& values();
  const std::vector<float>& values() const;
  std::vector<float>& grads();
  int64_t activeCount() const;
  int64_t indexBytes() const;
  // Rows of the working panel the products keep beyond the layer's own (per batch column): the scatter's
  // dX without a transposed index, the channel layout's kept rows of dY.
  int64_t workingPanelRows() const;
  Matrix toDense() const;
  Mask mask() const;
  // Each entry's flat row-major position, in storage order (ascending).
  std::vector<int64_t> positions() const;
  const CsrMatrix* csr() const { return std::get_if<CsrMatrix>(&layout_); }

  // f(index, values, transposed) with the row index of the CSR, N:M or block layout (row_entries.h) and its
  // transposed index (null when not kept), for kernels that read the entries their own way (a direct
  // convolution); false, without calling f, for the channel layout.
  template <typename F>
  bool withRowEntries(F&& f) const {
    return byLayout(
        layout_,
        [&](const auto& w) {
          w.withRows([&](const auto& index) { f(index, w.values.data(), w.transposed ? &*w.transposed : nullptr); });
          return true;
        },
        [](const ChannelMatrix&) { return false; });
  }

  // out (rows x width) = W in (cols x width) + bias, added to every column (an empty bias adds nothing); with
  // `rectified`, also max(out, 0) there (WeightMatrix's)
  void multiply(const Matrix& in, const Vector& bias, Matrix& out, Matrix* rectified = nullptr);
  // outT (width x rows) = (W in)^T + bias
  void multiplyToRows(const Matrix& in, const Vector& bias, Matrix& outT);
  // grads = dOut (rows x width) in^T (width x cols), at active positions only
  void accumulateGradient(const Matrix& dOut, const Matrix& in);
  void completeTeamGradient();  // as WeightMatrix's
  // dIn (cols x width) = W^T dOut (rows x width), kept where keepWherePositive > 0 when given (WeightMatrix's)
  void multiplyTransposed(const Matrix& dOut, Matrix& dIn, const Matrix* keepWherePositive = nullptr);
  // dInT (width x cols) = (W^T dOut)^T
  void multiplyTransposedToRows(const Matrix& dOut, Matrix& dInT);

 private:
  // Calls rowIndexed(w) for the CSR, N:M and block layouts, which share their kernels and transposed index,
  // and channels(w) for the channel layout, which runs Eigen's GEMM.
  template <typename Variant, typename RowIndexed, typename Channels>
  static decltype(auto) byLayout(Variant& layout, RowIndexed&& rowIndexed, Channels&& channels) {
    return std::visit(
        [&](auto& w) -> decltype(auto) {
          if constexpr (std::is_same_v<std::decay_t<decltype(w)>, ChannelMatrix>)
            return channels(w);
          else
            return rowIndexed(w);
        },
        layout);
  }

  Matrix& workingPanel();

  std::variant<CsrMatrix, NmMatrix, BlockMatrix, ChannelMatrix> layout_;
  Matrix panel_;               // the scatter's dX before it is transposed, or the channel layout's kept rows of dY
  TeamPartials partialGrads_;  // the weight gradient's partial sums when threads split the batch
};

}  // namespace ss
