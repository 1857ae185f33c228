#include "sparse/block_matrix.h"

#include <algorithm>

namespace ss {

namespace {
int segmentsOf(int cols, int width) {
  return (cols + width - 1) / width;
}
int groupsOf(int rows, int height) {
  return (rows + height - 1) / height;
}
}  // namespace

bool BlockMatrix::fits(const Mask& mask, int height, int width) {
  if (height < 1 || width < 1 || width >= 65536 || mask.rows < 1 || mask.cols < 1) return false;
  for (int r = 0; r < mask.rows; ++r) {
    const int top = r / height * height;
    for (int c = 0; c < mask.cols; ++c)
      if (mask.at(r, c) != mask.at(top, c / width * width)) return false;
  }
  return true;
}

BlockMatrix BlockMatrix::fromMask(const Mask& mask, const Matrix& dense, int height, int width, bool transposedIndex) {
  BlockMatrix w;
  w.rows = mask.rows;
  w.cols = mask.cols;
  w.height = height;
  w.width = width;
  const int groups = groupsOf(w.rows, height), segments = segmentsOf(w.cols, width);
  w.segment = IndexArray(segments);
  w.entryStart.assign(size_t(groups) + 1, 0);
  w.blockStart.assign(size_t(groups) + 1, 0);
  const size_t nnz = size_t(mask.activeCount());
  w.values.reserve(nnz);
  const bool withValues = dense.size() > 0;
  for (int g = 0; g < groups; ++g) {
    const int top = g * height, bottom = std::min(w.rows, top + height);
    const size_t firstBlock = w.segment.size();
    for (int s = 0; s < segments; ++s)
      if (mask.at(top, s * width)) w.segment.push_back(s);
    for (int r = top; r < bottom; ++r)
      for (size_t b = firstBlock; b < w.segment.size(); ++b) {
        const int left = w.segment[b] * width, right = std::min(w.cols, left + width);
        for (int c = left; c < right; ++c) w.values.push_back(withValues ? dense(r, c) : 0.0f);
      }
    w.blockStart[size_t(g) + 1] = int32_t(w.segment.size());
    w.entryStart[size_t(g) + 1] = int32_t(w.values.size());
  }
  w.grads.assign(w.values.size(), 0.0f);
  setTransposedIndex(w, transposedIndex);
  return w;
}

int64_t BlockMatrix::indexBytes() const {
  return int64_t((entryStart.size() + blockStart.size()) * sizeof(int32_t)) + segment.bytes() + transposedBytes();
}

int64_t BlockMatrix::indexBytesFor(int rows, int cols, int height, int width, int64_t active, bool transposedIndex) {
  const int64_t pointers = 2 * (int64_t(groupsOf(rows, height)) + 1) * int64_t(sizeof(int32_t));
  const int64_t blockArea = int64_t(height) * width;
  const int64_t blocks = (active + blockArea - 1) / blockArea;
  return pointers + blocks * IndexArray::bytesPerIndex(segmentsOf(cols, width)) +
         (transposedIndex ? TransposedIndex::bytesFor(rows, cols, active) : 0);
}

}  // namespace ss
