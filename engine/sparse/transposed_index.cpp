#include "sparse/transposed_index.h"

namespace ss {

TransposedIndex TransposedIndex::build(int rows, int cols, const std::vector<int32_t>& rowOf,
                                       const std::vector<int32_t>& columnOf) {
  TransposedIndex t;
  t.colStart.assign(size_t(cols) + 1, 0);
  for (int32_t c : columnOf) ++t.colStart[size_t(c) + 1];
  for (int c = 0; c < cols; ++c) t.colStart[size_t(c) + 1] += t.colStart[size_t(c)];
  t.rowOfEntry = IndexArray(rows);
  t.rowOfEntry.resize(columnOf.size());
  t.entryOf.resize(columnOf.size());
  // Entries come in row order, so each column's list fills in ascending rows.
  std::vector<int32_t> fill(t.colStart.begin(), t.colStart.end() - 1);
  for (size_t e = 0; e < columnOf.size(); ++e) {
    const int32_t at = fill[size_t(columnOf[e])]++;
    t.rowOfEntry.set(size_t(at), rowOf[e]);
    t.entryOf[size_t(at)] = int32_t(e);
  }
  return t;
}

int64_t TransposedIndex::bytes() const {
  return int64_t((colStart.size() + entryOf.size()) * sizeof(int32_t)) + rowOfEntry.bytes();
}

int64_t TransposedIndex::bytesFor(int rows, int cols, int64_t entries) {
  return (int64_t(cols) + 1) * int64_t(sizeof(int32_t)) +
         entries * (IndexArray::bytesPerIndex(rows) + int64_t(sizeof(int32_t)));
}

}  // namespace ss
