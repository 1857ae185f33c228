#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ss::ui {

// What one snapshot of a layer shows, by flat row-major positions (all ascending): the active weights, those the
// mutation that made the snapshot grew (active too) and dropped (no longer active), and |w| of the active ones in
// the order of `active` (empty when not known). Views of the caller's lists: nothing here is the layer's size.
struct LayerMask {
  int64_t rows = 0, cols = 0;
  std::span<const int64_t> active, grown, dropped;
  std::span<const float> magnitudes;
};

// The part of a layer that is drawn: rows [row0, row1) and columns [col0, col1).
struct WeightWindow {
  int64_t row0 = 0, row1 = 0, col0 = 0, col1 = 0;
  int64_t rows() const { return row1 - row0; }
  int64_t cols() const { return col1 - col0; }
  bool operator==(const WeightWindow&) const = default;
};

// A window cut into blocks of blockRows x blockCols weights, one cell each, with what its weights are. The last
// block along an axis may be cut short by the window's edge; weightsIn counts only what lies inside.
struct MaskRaster {
  WeightWindow window;
  int64_t blockRows = 1, blockCols = 1;
  int cellRows = 0, cellCols = 0;
  // Per cell, row-major. Grown weights are counted in `active` as well; dropped ones are not. 32 bits: a block
  // with more active weights would need its positions alone to take 16 GB.
  std::vector<int32_t> active, grown, dropped;
  std::vector<float> magnitudeSum;  // |w| of the cell's active weights, summed; empty without magnitudes

  bool perWeight() const { return blockRows == 1 && blockCols == 1; }
  size_t cell(int cellRow, int cellCol) const { return size_t(cellRow) * size_t(cellCols) + size_t(cellCol); }
  int64_t weightsIn(int cellRow, int cellCol) const;
};

// How many cells an axis of `extent` weights is drawn in: one per weight up to perWeightLimit, beyond that
// blocks so that there are at most blockedCells, each large enough to see.
struct CellBudget {
  int64_t perWeightLimit = 1024;
  int64_t blockedCells = 256;
  int64_t blockSize(int64_t extent) const;
};

// Counts the window's weights into cells, walking each list of positions once (only the window's rows of it),
// so a layer of billions of weights costs its active positions, never its size.
MaskRaster rasterise(const LayerMask& mask, const WeightWindow& window, const CellBudget& budget);

}  // namespace ss::ui
