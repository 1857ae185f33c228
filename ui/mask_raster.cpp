#include "mask_raster.h"

#include <algorithm>
#include <cmath>

namespace ss::ui {

int64_t CellBudget::blockSize(int64_t extent) const {
  if (extent <= perWeightLimit) return 1;
  return (extent + blockedCells - 1) / blockedCells;
}

int64_t MaskRaster::weightsIn(int cellRow, int cellCol) const {
  const int64_t rows = std::min(blockRows, window.rows() - cellRow * blockRows);
  const int64_t cols = std::min(blockCols, window.cols() - cellCol * blockCols);
  return rows * cols;
}

namespace {

// Calls add(cell, k) for every position of the list inside the raster's window, k being its index in the list.
// The window's rows are visited in order, each from the first position at or after its first column, so the walk
// skips what lies left or right of the window instead of testing it.
template <typename Add>
void forEachInWindow(std::span<const int64_t> positions, int64_t layerCols, const MaskRaster& r, Add add) {
  auto it = positions.begin();
  for (int64_t row = r.window.row0; row < r.window.row1 && it != positions.end(); ++row) {
    const int64_t rowStart = row * layerCols;
    it = std::lower_bound(it, positions.end(), rowStart + r.window.col0);
    const int cellRow = int((row - r.window.row0) / r.blockRows);
    for (; it != positions.end() && *it < rowStart + r.window.col1; ++it)
      add(r.cell(cellRow, int((*it - rowStart - r.window.col0) / r.blockCols)), size_t(it - positions.begin()));
  }
}

}  // namespace

MaskRaster rasterise(const LayerMask& mask, const WeightWindow& window, const CellBudget& budget) {
  MaskRaster r;
  r.window = {std::clamp<int64_t>(window.row0, 0, mask.rows), std::clamp<int64_t>(window.row1, 0, mask.rows),
              std::clamp<int64_t>(window.col0, 0, mask.cols), std::clamp<int64_t>(window.col1, 0, mask.cols)};
  if (r.window.rows() <= 0 || r.window.cols() <= 0) {
    r.window = {};
    return r;
  }
  r.blockRows = budget.blockSize(r.window.rows());
  r.blockCols = budget.blockSize(r.window.cols());
  r.cellRows = int((r.window.rows() + r.blockRows - 1) / r.blockRows);
  r.cellCols = int((r.window.cols() + r.blockCols - 1) / r.blockCols);
  const size_t cells = size_t(r.cellRows) * size_t(r.cellCols);
  r.active.assign(cells, 0);
  r.grown.assign(cells, 0);
  r.dropped.assign(cells, 0);
  const bool withMagnitudes = !mask.magnitudes.empty() && mask.magnitudes.size() == mask.active.size();
  if (withMagnitudes) r.magnitudeSum.assign(cells, 0.0f);
  forEachInWindow(mask.active, mask.cols, r, [&](size_t cell, size_t k) {
    ++r.active[cell];
    if (withMagnitudes) r.magnitudeSum[cell] += std::abs(mask.magnitudes[k]);
  });
  forEachInWindow(mask.grown, mask.cols, r, [&](size_t cell, size_t) { ++r.grown[cell]; });
  forEachInWindow(mask.dropped, mask.cols, r, [&](size_t cell, size_t) { ++r.dropped[cell]; });
  return r;
}

}  // namespace ss::ui
