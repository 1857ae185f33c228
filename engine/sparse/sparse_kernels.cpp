#include "sparse/sparse_kernels.h"

#include <algorithm>

#include "core/threads.h"
#include "sparse/panel_transpose.h"
#include "sparse/register_blocks.h"

namespace ss {

namespace {

using namespace blocks;

// A product smaller than this (multiply-adds plus output writes) runs on one thread: splitting it costs
// a fork and join (3 us on the 2-core test machine) and moves its input and output between the cores'
// caches, more than the second core saves. Measured in the MLP's whole step, where a layer's input and
// output are already spread over both cores: fc2 at density 0.1 (3000 weights x 128) on two threads made
// the step 5% faster (its backward 31 -> 25 us); fc3 (100 weights) stays alone.
constexpr int64_t kParallelWork = int64_t(1) << 17;

template <typename Rows>
bool worthThreads(const Rows& index, int rows, int width) {
  return (index.entryCount(rows) + rows) * width >= kParallelWork;
}

// Where entry e's input row of a panel starts: row column(e), from `first` on.
template <typename Row>
[[gnu::always_inline]] inline auto rowSource(Row row, const float* first, int width) {
  return [row, first, width](int32_t e) { return first + int64_t(row.column(e)) * width; };
}

// One entry per group (1:4, 1:8): entry e is group e - begin, so its input row is that group's first plus its
// position, and the group's part advances by a fixed stride from entry to entry. Through column(e), whose 32-bit
// sum had to be widened before the multiply, fc1's weight gradient at 1:8 (300 x 784, 64 lanes, one thread) took
// 5-6% longer than CSR's at the same density; this way 2-3%.
[[gnu::always_inline]] inline auto rowSource(NmRows<true>::Row row, const float* first, int width) {
  const int64_t groupStride = int64_t(row.m) * width;
  return [row, first, width, groupStride](int32_t e) {
    return first + int64_t(e - row.begin) * groupStride + int64_t(row.position[e]) * width;
  };
}

template <typename Rows, typename Weight>
void gatherRows(const Rows& index, Weight weight, int rows, const float* in, int width, const float* bias, float* out,
                RowEnd rowEnd) {
  // Slice-major order: every output row works through one batch slice before the next slice starts,
  // so for a wide panel (a conv's im2col, batch x positions wide) the slice of every input row stays
  // in cache while all filters use it. For a linear layer (width = batch) there is one slice.
  const int pieces = (width + kSlice - 1) / kSlice;
  const int64_t work = int64_t(pieces) * rows;
  splitAcrossThreads(work, worthThreads(index, rows, width), [&](int64_t begin, int64_t end) {
    for (int64_t w = begin; w < end; ++w) {
      const int piece = int(w / rows), r = int(w % rows);
      const int from = piece * kSlice, n = std::min(kSlice, width - from);
      const int64_t at = int64_t(r) * width + from;
      accumulatePiece(index.row(r), weight, rowSource(index.row(r), in + from, width), n, bias ? bias[r] : 0.0f,
                      out + at, rowEnd.at(at));
    }
  });
}

// The same product written transposed, bias added: blocks of 16 output rows are computed into an L1
// buffer and transposed from there, so each batch row of the result receives whole cache lines.
template <typename Rows, typename Weight>
void gatherRowsTransposed(const Rows& index, Weight weight, int rows, const float* in, int width, const float* bias,
                          float* outT) {
  constexpr int kBlockRows = 16;
  const int pieces = (width + kSlice - 1) / kSlice, blocks = (rows + kBlockRows - 1) / kBlockRows;
  const int64_t work = int64_t(pieces) * blocks;
  splitAcrossThreads(work, worthThreads(index, rows, width), [&](int64_t begin, int64_t end) {
    alignas(64) float block[kBlockRows * kSlice];
    for (int64_t w = begin; w < end; ++w) {
      const int piece = int(w / blocks), r0 = int(w % blocks) * kBlockRows;
      const int from = piece * kSlice, n = std::min(kSlice, width - from);
      const int count = std::min(kBlockRows, rows - r0);
      for (int j = 0; j < count; ++j) {
        const int r = r0 + j;
        accumulatePiece(index.row(r), weight, rowSource(index.row(r), in + from, width), n, bias ? bias[r] : 0.0f,
                        block + j * kSlice);
      }
      transposeTile(block, kSlice, outT + int64_t(from) * rows + r0, rows, count, n);
    }
  });
}

}  // namespace

template <typename Rows>
void gatherProduct(const Rows& index, const float* values, const int32_t* valueOf, int rows, const float* in, int width,
                   const float* bias, float* out, const float* keepWherePositive, float* rectified) {
  const RowEnd rowEnd{keepWherePositive, rectified};
  if (valueOf)
    gatherRows(index, PermutedOrder{values, valueOf}, rows, in, width, bias, out, rowEnd);
  else
    gatherRows(index, StoredOrder{values}, rows, in, width, bias, out, rowEnd);
}

template <typename Rows>
void gatherProductTransposed(const Rows& index, const float* values, const int32_t* valueOf, int rows, const float* in,
                             int width, const float* bias, float* outT) {
  if (valueOf)
    gatherRowsTransposed(index, PermutedOrder{values, valueOf}, rows, in, width, bias, outT);
  else
    gatherRowsTransposed(index, StoredOrder{values}, rows, in, width, bias, outT);
}

template <typename Rows>
void scatterProduct(const Rows& index, const float* values, int rows, const float* in, int width, float* out) {
  constexpr int kTile = 16;
  const int tiles = (width + kTile - 1) / kTile;
  splitAcrossThreads(tiles, worthThreads(index, rows, width), [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int offset = int(t) * kTile, n = std::min(kTile, width - offset);
      for (int r = 0; r < rows; ++r) {
        const float* src = in + int64_t(r) * width + offset;
        const auto entries = index.row(r);
        for (int32_t e = entries.begin; e < entries.end; ++e) {
          const float v = values[e];
          float* dst = out + int64_t(entries.column(e)) * width + offset;
#pragma omp simd
          for (int k = 0; k < n; ++k) dst[k] += v * src[k];
        }
      }
    }
  });
}

template <typename Rows>
void sampledProduct(const Rows& index, int rows, const float* a, const float* b, int width, float* grads) {
  splitAcrossThreads(rows, worthThreads(index, rows, width), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const auto entries = index.row(int(r));
      dotRange(entries, a + r * width, rowSource(entries, b, width), 0, width, grads, false);
    }
  });
}

#define SS_SPARSE_KERNELS_FOR(...)                                                                                    \
  template void gatherProduct(const __VA_ARGS__&, const float*, const int32_t*, int, const float*, int, const float*, \
                              float*, const float*, float*);                                                          \
  template void gatherProductTransposed(const __VA_ARGS__&, const float*, const int32_t*, int, const float*, int,     \
                                        const float*, float*);                                                        \
  template void scatterProduct(const __VA_ARGS__&, const float*, int, const float*, int, float*);                     \
  template void sampledProduct(const __VA_ARGS__&, int, const float*, const float*, int, float*);

SS_SPARSE_KERNELS_FOR(CsrRows<uint16_t>)
SS_SPARSE_KERNELS_FOR(CsrRows<int32_t>)
SS_SPARSE_KERNELS_FOR(NmRows<true>)
SS_SPARSE_KERNELS_FOR(NmRows<false>)
SS_SPARSE_KERNELS_FOR(BlockRows<uint16_t, true>)
SS_SPARSE_KERNELS_FOR(BlockRows<uint16_t, false>)
SS_SPARSE_KERNELS_FOR(BlockRows<int32_t, true>)
SS_SPARSE_KERNELS_FOR(BlockRows<int32_t, false>)

}  // namespace ss
