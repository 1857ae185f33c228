#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/tensor.h"
#include "sparse/mask.h"
#include "sparse/transposed_index.h"

namespace ss {

// What the CSR, N:M and block layouts share: the active weights of a rows x cols matrix and their
// gradients, side by side in row-major order of the active positions (so an optimizer sees two equal flat
// arrays, and state keeps its order whatever the layout), and optionally a transposed index. Each layout
// adds its own row index and withRows(f), which calls f with its row_entries.h view for the kernels.
struct RowOrderedLayout {
  int rows = 0, cols = 0;
  std::vector<float> values, grads;
  std::optional<TransposedIndex> transposed;

  int64_t activeCount() const { return int64_t(values.size()); }
  int64_t transposedBytes() const { return transposed ? transposed->bytes() : 0; }
};

// The row and column of every entry of a layout, in storage order.
struct EntryPlaces {
  std::vector<int32_t> row, column;
};

template <typename Layout>
EntryPlaces entryPlaces(const Layout& layout) {
  EntryPlaces p;
  p.row.reserve(layout.values.size());
  p.column.reserve(layout.values.size());
  layout.withRows([&](const auto& index) {
    for (int r = 0; r < layout.rows; ++r) {
      const auto entries = index.row(r);
      for (int32_t e = entries.begin; e < entries.end; ++e) {
        p.row.push_back(r);
        p.column.push_back(entries.column(e));
      }
    }
  });
  return p;
}

template <typename Layout>
Matrix denseOf(const Layout& layout) {
  const EntryPlaces p = entryPlaces(layout);
  Matrix d = Matrix::Zero(layout.rows, layout.cols);
  for (size_t e = 0; e < p.row.size(); ++e) d(p.row[e], p.column[e]) = layout.values[e];
  return d;
}

template <typename Layout>
Mask maskOf(const Layout& layout) {
  const EntryPlaces p = entryPlaces(layout);
  Mask m(layout.rows, layout.cols);
  for (size_t e = 0; e < p.row.size(); ++e) m.set(p.row[e], p.column[e], true);
  return m;
}

// Builds (or drops) the layout's transposed index from its row index.
template <typename Layout>
void setTransposedIndex(Layout& layout, bool keep) {
  if (!keep) {
    layout.transposed.reset();
    return;
  }
  const EntryPlaces p = entryPlaces(layout);
  layout.transposed = TransposedIndex::build(layout.rows, layout.cols, p.row, p.column);
}

}  // namespace ss
