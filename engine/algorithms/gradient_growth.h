#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "sparse/best_units.h"

namespace ss {

// RigL's growth: in each set of a layer's units, the `quota` units outside `kept` (the active units the drop keeps)
// with the largest key for |dense gradient| (the scheme's unit ranking: |g| for a position, the L2 norm for a block
// or a row, the best pattern's norm for a kernel, which then grows with that pattern; ties: the lower unit; NaN
// lowest). The gradient is handed over in row chunks, in order, and scored as it passes, so that only a chunk, the
// kept units and the candidates exist at a time. The same choice as ArgTopK over the whole gradient: a dropped unit
// may so win its place back, as in the paper.
class GradientGrowth {
 public:
  // `quotas`: (set, units to grow) in ascending order of set; `cols`: the layer's columns, as every chunk must have.
  GradientGrowth(std::unique_ptr<const UnitLayout> layout, int cols, std::vector<int64_t> kept,
                 std::vector<std::pair<int64_t, int64_t>> quotas);
  GradientGrowth(const GradientGrowth&) = delete;
  GradientGrowth& operator=(const GradientGrowth&) = delete;

  void addRows(int firstRow, const Eigen::Ref<const Matrix>& rows);
  const UnitLayout& layout() const { return *layout_; }
  // The positions of the grown units, ascending. Call once, after the last rows.
  std::vector<int64_t> grownPositions();
  // Bytes RigL holds for a layer from the drop to the install, beyond the gradient's chunk and a row of block sums:
  // the kept and dropped units, a candidate per unit to grow and the quotas of the sets that grow.
  static int64_t bytesFor(int64_t activeUnits, int64_t count, int64_t sets);

 private:
  std::unique_ptr<const UnitLayout> layout_;
  int cols_;
  BestUnits best_;
  std::unique_ptr<UnitScorer> scorer_;
};

}  // namespace ss
