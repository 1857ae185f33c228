#include "sparse/csr_matrix.h"

namespace ss {

CsrMatrix CsrMatrix::fromMask(const Mask& mask, const Matrix& dense, bool transposedIndex) {
  CsrMatrix m;
  m.rows = mask.rows;
  m.cols = mask.cols;
  m.rowStart.assign(size_t(m.rows) + 1, 0);
  m.column = IndexArray(m.cols);
  const int64_t nnz = mask.activeCount();
  m.column.reserve(size_t(nnz));
  m.values.reserve(size_t(nnz));
  const bool withValues = dense.size() > 0;
  for (int r = 0; r < m.rows; ++r) {
    for (int c = 0; c < m.cols; ++c) {
      if (!mask.at(r, c)) continue;
      m.column.push_back(c);
      m.values.push_back(withValues ? dense(r, c) : 0.0f);
    }
    m.rowStart[size_t(r) + 1] = int32_t(m.column.size());
  }
  m.grads.assign(m.values.size(), 0.0f);
  setTransposedIndex(m, transposedIndex);
  return m;
}

Matrix CsrMatrix::toDense() const {
  return denseOf(*this);
}

Mask CsrMatrix::mask() const {
  return maskOf(*this);
}

int64_t CsrMatrix::indexBytes() const {
  return int64_t(rowStart.size() * sizeof(int32_t)) + column.bytes() + transposedBytes();
}

}  // namespace ss
