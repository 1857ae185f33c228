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
  for (int r = 0; r < m.rows; ++r) {
    for (int c = 0; c < m.cols; ++c) {
      if (!mask.at(r, c)) continue;
      m.column.push_back(c);
      m.values.push_back(dense(r, c));
    }
    m.rowStart[size_t(r) + 1] = int32_t(m.column.size());
  }
  m.grads.assign(m.values.size(), 0.0f);
  if (transposedIndex) m.buildTransposedIndex();
  return m;
}

void CsrMatrix::buildTransposedIndex() {
  hasTransposedIndex = true;
  colStart.assign(size_t(cols) + 1, 0);
  for (size_t e = 0; e < column.size(); ++e) ++colStart[size_t(column[e]) + 1];
  for (int c = 0; c < cols; ++c) colStart[size_t(c) + 1] += colStart[size_t(c)];
  rowOfEntryT = IndexArray(rows);
  rowOfEntryT.resize(values.size());
  entryOfT.resize(values.size());
  std::vector<int32_t> fill(colStart.begin(), colStart.end() - 1);
  for (int r = 0; r < rows; ++r)
    for (int32_t e = rowStart[size_t(r)]; e < rowStart[size_t(r) + 1]; ++e) {
      const int32_t at = fill[size_t(column[size_t(e)])]++;
      rowOfEntryT.set(size_t(at), r);
      entryOfT[size_t(at)] = e;
    }
}

Matrix CsrMatrix::toDense() const {
  Matrix d = Matrix::Zero(rows, cols);
  for (int r = 0; r < rows; ++r)
    for (int32_t e = rowStart[size_t(r)]; e < rowStart[size_t(r) + 1]; ++e) d(r, column[size_t(e)]) = values[size_t(e)];
  return d;
}

Mask CsrMatrix::mask() const {
  Mask m(rows, cols);
  for (int r = 0; r < rows; ++r)
    for (int32_t e = rowStart[size_t(r)]; e < rowStart[size_t(r) + 1]; ++e) m.set(r, column[size_t(e)], true);
  return m;
}

int64_t CsrMatrix::indexBytes() const {
  const auto bytes = [](const std::vector<int32_t>& v) { return int64_t(v.size() * sizeof(int32_t)); };
  return bytes(rowStart) + column.bytes() + bytes(colStart) + rowOfEntryT.bytes() + bytes(entryOfT);
}

}  // namespace ss
