#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "sparse/index_array.h"
#include "sparse/mask.h"

namespace ss {

// The active weights of a rows x cols matrix in compressed sparse rows, with their gradients side by
// side, so an optimizer sees two equal flat arrays. Optionally a transposed index (columns -> entries)
// that turns dX = dY W into a gather like the forward product; without it dX is a scatter, slower
// but 6 bytes a weight lighter (8 past 65536 rows). The memory model counts whichever is kept.
struct CsrMatrix {
  int rows = 0, cols = 0;
  std::vector<int32_t> rowStart;  // rows + 1
  IndexArray column;              // per entry; 2 bytes each up to 65536 columns
  std::vector<float> values, grads;

  bool hasTransposedIndex = false;
  std::vector<int32_t> colStart;  // cols + 1
  IndexArray rowOfEntryT;         // per entry, in column order: its row; 2 bytes each up to 65536 rows
  std::vector<int32_t> entryOfT;  // per entry, in column order: its index in values

  static CsrMatrix fromMask(const Mask& mask, const Matrix& dense, bool transposedIndex);
  // (Re)builds the column index from the row index, e.g. after the mask changed.
  void buildTransposedIndex();
  int64_t activeCount() const { return int64_t(values.size()); }
  Matrix toDense() const;
  Mask mask() const;
  int64_t indexBytes() const;  // every index array kept, in bytes
};

}  // namespace ss
