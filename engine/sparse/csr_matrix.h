#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "sparse/index_array.h"
#include "sparse/mask.h"
#include "sparse/row_entries.h"
#include "sparse/row_ordered_layout.h"

namespace ss {

// The active weights in compressed sparse rows: any mask. Optionally a transposed index (columns ->
// entries) that turns dX = dY W into a gather like the forward product; the memory model counts
// whichever is kept.
struct CsrMatrix : RowOrderedLayout {
  std::vector<int32_t> rowStart;  // rows + 1
  IndexArray column;              // per entry; 2 bytes each up to 65536 columns

  // A null or empty `dense` gives zero values.
  static CsrMatrix fromMask(const Mask& mask, const Matrix& dense, bool transposedIndex);
  // The entries at ascending flat row-major `positions` of a rows x cols matrix, with their values (zero when
  // `values` is empty): a layer built without a byte per weight.
  static CsrMatrix fromPositions(int rows, int cols, const std::vector<int64_t>& positions, std::vector<float> values,
                                 bool transposedIndex);
  bool hasTransposedIndex() const { return transposed.has_value(); }
  Matrix toDense() const;
  Mask mask() const;
  int64_t indexBytes() const;  // every index array kept, in bytes

  template <typename F>
  decltype(auto) withRows(F&& f) const {
    return column.withData([&](const auto* c) {
      return f(CsrRows<std::remove_cv_t<std::remove_pointer_t<decltype(c)>>>{rowStart.data(), c});
    });
  }
};

}  // namespace ss
