#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "sparse/mask.h"
#include "sparse/row_entries.h"
#include "sparse/row_ordered_layout.h"

namespace ss {

// An N:M mask's active weights: per weight its one-byte position within its run of m inputs, nothing
// else. Every full run of a row holds exactly n entries and the shorter last run (when m does not divide
// the row) the same count in every row, so each row has the same number of entries and needs no pointer.
// 1 byte a weight against CSR's 2 (plus CSR's 4-byte row pointers).
struct NmMatrix : RowOrderedLayout {
  int n = 0, m = 0;
  int32_t perRow = 0;
  std::vector<uint8_t> position;  // per entry, in [0, m)

  // Whether the mask has this shape (and m fits a byte).
  static bool fits(const Mask& mask, int n, int m);
  // A null or empty `dense` gives zero values. The mask must fit.
  static NmMatrix fromMask(const Mask& mask, const Matrix& dense, int n, int m, bool transposedIndex);
  int64_t indexBytes() const { return int64_t(position.size()) + transposedBytes(); }
  static int64_t indexBytesFor(int rows, int cols, int64_t active, bool transposedIndex);

  template <typename F>
  decltype(auto) withRows(F&& f) const {
    if (n == 1) return f(NmRows<true>{position.data(), perRow, m, SmallDivisor(n)});
    return f(NmRows<false>{position.data(), perRow, m, SmallDivisor(n)});
  }
};

}  // namespace ss
