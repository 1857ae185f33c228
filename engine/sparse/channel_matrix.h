#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "sparse/mask.h"

namespace ss {

// A channel mask's active weights: the kept output rows (neurons, filters) as one dense kept x cols
// sub-matrix, plus the row numbers, with no per-weight index at all. The products are Eigen GEMMs on
// the sub-matrix, so a channel-sparse layer runs at dense speed on its kept share.
struct ChannelMatrix {
  int rows = 0, cols = 0;
  std::vector<int32_t> keptRows;     // ascending
  std::vector<float> values, grads;  // kept x cols, row-major: row-major order of the active positions

  // Whether every row of the mask is all on or all off.
  static bool fits(const Mask& mask);
  // A null or empty `dense` gives zero values. The mask must fit.
  static ChannelMatrix fromMask(const Mask& mask, const Matrix& dense);
  int kept() const { return int(keptRows.size()); }
  int64_t activeCount() const { return int64_t(values.size()); }
  int64_t indexBytes() const { return int64_t(keptRows.size() * sizeof(int32_t)); }
  static int64_t indexBytesFor(int cols, int64_t active) { return active / cols * int64_t(sizeof(int32_t)); }
  Matrix toDense() const;
  Mask mask() const;

  // The products on panels (row-major, one feature per row, the batch along it), as WeightMatrix has them;
  // `compact` is a working buffer (kept x width) the caller keeps between steps. The gradient goes to
  // `gradient` (one value per stored weight): the grads, or a thread's partial sum of them.
  void multiply(const Matrix& in, Matrix& out) const;
  void multiplyToRows(const Matrix& in, const Vector& bias, Matrix& outT) const;
  void gradientInto(const Matrix& dOut, const Matrix& in, Matrix& compact, float* gradient) const;
  void multiplyTransposed(const Matrix& dOut, Matrix& dIn, Matrix& compact) const;
  void multiplyTransposedToRows(const Matrix& dOut, Matrix& dInT, Matrix& compact) const;

 private:
  void gatherKeptRows(const Matrix& panel, Matrix& compact) const;
};

}  // namespace ss
