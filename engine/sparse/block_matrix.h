#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "sparse/index_array.h"
#include "sparse/mask.h"
#include "sparse/row_entries.h"
#include "sparse/row_ordered_layout.h"

namespace ss {

// A block mask's active weights (BSR-like): rows are cut into groups of `height`, columns into segments
// of `width`, and the index holds one segment number per kept block, plus two pointers per row group.
// Blocks at a ragged right or bottom edge are smaller and stored the same way. A 4x1 block costs 2
// bytes of index for 4 weights, against CSR's 8.
struct BlockMatrix : RowOrderedLayout {
  int height = 0, width = 0;
  std::vector<int32_t> entryStart;  // per row group + 1: its first entry
  std::vector<int32_t> blockStart;  // per row group + 1: its first block
  IndexArray segment;               // per block; 2 bytes each up to 65536 segments

  // Whether every block of the mask is all on or all off.
  static bool fits(const Mask& mask, int height, int width);
  // A null or empty `dense` gives zero values. The mask must fit.
  static BlockMatrix fromMask(const Mask& mask, const Matrix& dense, int height, int width, bool transposedIndex);
  int64_t blockCount() const { return int64_t(segment.size()); }
  int64_t indexBytes() const;
  // Exact when every kept block is whole (height and width divide the matrix); ragged edge blocks
  // hold fewer weights, so there the figure counts slightly fewer blocks than are kept.
  static int64_t indexBytesFor(int rows, int cols, int height, int width, int64_t active, bool transposedIndex);

  template <typename F>
  decltype(auto) withRows(F&& f) const {
    return segment.withData([&](const auto* s) {
      using Index = std::remove_cv_t<std::remove_pointer_t<decltype(s)>>;
      if (width == 1)
        return f(
            BlockRows<Index, true>{entryStart.data(), blockStart.data(), s, rows, height, width, SmallDivisor(width)});
      return f(
          BlockRows<Index, false>{entryStart.data(), blockStart.data(), s, rows, height, width, SmallDivisor(width)});
    });
  }
};

}  // namespace ss
