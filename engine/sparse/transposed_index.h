#pragma once

#include <cstdint>
#include <vector>

#include "sparse/index_array.h"

namespace ss {

// A column index over the entries of any row-ordered sparse layout: for each column, the rows holding an
// entry there and where that entry's value is stored. It turns dX = dY W into a gather like the forward
// product (gatherProduct with valueOf = entryOf); without it dX is a scatter, slower but 6 bytes a
// weight lighter (8 past 65536 rows). The memory model counts it whenever it is kept.
struct TransposedIndex {
  std::vector<int32_t> colStart;  // cols + 1
  IndexArray rowOfEntry;          // per entry, in column order: its row; 2 bytes each up to 65536 rows
  std::vector<int32_t> entryOf;   // per entry, in column order: its index in the layout's values

  // rowOf[e] and columnOf[e] place entry e (entries in the layout's storage order).
  static TransposedIndex build(int rows, int cols, const std::vector<int32_t>& rowOf,
                               const std::vector<int32_t>& columnOf);
  int64_t bytes() const;
  static int64_t bytesFor(int rows, int cols, int64_t entries);
  bool operator==(const TransposedIndex&) const = default;
};

}  // namespace ss
