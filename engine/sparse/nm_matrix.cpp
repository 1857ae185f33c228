#include "sparse/nm_matrix.h"

namespace ss {

namespace {
int activeIn(const Mask& mask, int r, int from, int to) {
  int count = 0;
  for (int c = from; c < to; ++c) count += mask.at(r, c);
  return count;
}
}  // namespace

bool NmMatrix::fits(const Mask& mask, int n, int m) {
  if (n < 1 || m <= n || m > 256 || mask.rows < 1 || mask.cols < 1) return false;
  const int fullRuns = mask.cols / m, lastRun = mask.cols % m;
  const int lastKept = lastRun ? activeIn(mask, 0, fullRuns * m, mask.cols) : 0;
  if (lastKept > n) return false;
  for (int r = 0; r < mask.rows; ++r) {
    for (int g = 0; g < fullRuns; ++g)
      if (activeIn(mask, r, g * m, (g + 1) * m) != n) return false;
    if (lastRun && activeIn(mask, r, fullRuns * m, mask.cols) != lastKept) return false;
  }
  return true;
}

NmMatrix NmMatrix::fromMask(const Mask& mask, const Matrix& dense, int n, int m, bool transposedIndex) {
  NmMatrix w;
  w.rows = mask.rows;
  w.cols = mask.cols;
  w.n = n;
  w.m = m;
  const size_t nnz = size_t(mask.activeCount());
  w.perRow = int32_t(nnz / size_t(mask.rows));
  w.position.reserve(nnz);
  w.values.reserve(nnz);
  const bool withValues = dense.size() > 0;
  for (int r = 0; r < w.rows; ++r)
    for (int c = 0; c < w.cols; ++c) {
      if (!mask.at(r, c)) continue;
      w.position.push_back(uint8_t(c % m));
      w.values.push_back(withValues ? dense(r, c) : 0.0f);
    }
  w.grads.assign(w.values.size(), 0.0f);
  setTransposedIndex(w, transposedIndex);
  return w;
}

int64_t NmMatrix::indexBytesFor(int rows, int cols, int64_t active, bool transposedIndex) {
  return active + (transposedIndex ? TransposedIndex::bytesFor(rows, cols, active) : 0);
}

}  // namespace ss
