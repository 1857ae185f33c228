#pragma once

#include <string>

namespace ss {

// How a sparse layer stores its active weights. Every layout keeps values (and gradients) in row-major
// order of the active positions; they differ in the index data the scheme's shape lets them drop:
//   Csr       row pointers + a column per weight (any mask)
//   NmGroups  a one-byte position within its group of m per weight, no row pointers (N:M masks)
//   Blocks    one column-segment number per block (block masks)
//   Channels  the kept rows as a dense sub-matrix plus their row numbers, no per-weight index (channel masks)
// A mask that does not have the layout's shape (a scheme's mask always has it) is stored as CSR.
enum class SparseLayout { Csr, NmGroups, Blocks, Channels };

struct SparseFormat {
  SparseLayout layout = SparseLayout::Csr;
  int n = 0, m = 0;                     // NmGroups
  int blockHeight = 0, blockWidth = 0;  // Blocks
  // Csr, NmGroups and Blocks: also keep a transposed index, so dX is a gather instead of a scatter.
  bool transposedIndex = true;

  std::string describe() const {
    switch (layout) {
      case SparseLayout::NmGroups:
        return "nm " + std::to_string(n) + ":" + std::to_string(m);
      case SparseLayout::Blocks:
        return "block " + std::to_string(blockHeight) + "x" + std::to_string(blockWidth);
      case SparseLayout::Channels:
        return "channel";
      case SparseLayout::Csr:
        break;
    }
    return "csr";
  }
};

}  // namespace ss
