#include "sparse/csr_matrix.h"

#include <stdexcept>
#include <string>

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

CsrMatrix CsrMatrix::fromPositions(int rows, int cols, const std::vector<int64_t>& positions, std::vector<float> values,
                                   bool transposedIndex) {
  if (!values.empty() && values.size() != positions.size())
    throw std::invalid_argument("CsrMatrix::fromPositions: " + std::to_string(values.size()) + " values for " +
                                std::to_string(positions.size()) + " positions");
  CsrMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.rowStart.assign(size_t(rows) + 1, 0);
  m.column = IndexArray(cols);
  m.column.resize(positions.size());
  const int64_t size = int64_t(rows) * cols;
  int64_t previous = -1;
  for (size_t e = 0; e < positions.size(); ++e) {
    const int64_t p = positions[e];
    if (p <= previous || p >= size)
      throw std::invalid_argument("CsrMatrix::fromPositions: position " + std::to_string(p) +
                                  " is not ascending within a " + std::to_string(rows) + "x" + std::to_string(cols) +
                                  " matrix");
    previous = p;
    m.column.set(e, int32_t(p % cols));
    ++m.rowStart[size_t(p / cols) + 1];
  }
  for (int r = 0; r < rows; ++r) m.rowStart[size_t(r) + 1] += m.rowStart[size_t(r)];
  m.values = values.empty() ? std::vector<float>(positions.size(), 0.0f) : std::move(values);
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
