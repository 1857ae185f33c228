#include "sparse/sparse_kernels.h"

#include <algorithm>

#include "core/threads.h"
#include "sparse/panel_transpose.h"

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace ss {

namespace {

// One output row's batch slice lives in kVectors vector registers while every active weight of the
// row adds into it: 8 x 16 floats with AVX-512, 8 x 8 floats with AVX2. GCC's vector extensions make
// the register allocation explicit (a plain float array was kept on the stack), and aligned(4) lets
// them load from any float address.
#if defined(__AVX512F__)
typedef float Vec __attribute__((vector_size(64), aligned(4)));
constexpr int kLanes = 16;
#else
typedef float Vec __attribute__((vector_size(32), aligned(4)));
constexpr int kLanes = 8;
#endif
constexpr int kVectors = 8;
constexpr int kSlice = kLanes * kVectors;

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

// The weight of entry e: where it is stored, or through a permutation (the transposed index visits
// the CSR's entries in column order).
struct StoredOrder {
  const float* values;
  float operator()(int32_t e) const { return values[e]; }
};
struct PermutedOrder {
  const float* values;
  const int32_t* valueOf;
  float operator()(int32_t e) const { return values[valueOf[e]]; }
};

// The helpers below are forced inline: instantiated for every row layout, they outgrow GCC's inlining budget
// for the file, and a call per row and slice (dotVectors returning a vector in memory) cost the CSR
// forward 7% and more. Inlined, every layout's loops compile as the CSR-only kernels did.

// Calls f.template operator()<N>() with N = count, 1 to kVectors (nothing for 0), so that loops over N
// vectors are unrolled and the vectors kept in registers.
template <typename F>
[[gnu::always_inline]] inline void withVectorCount(int count, F&& f) {
  static_assert(kVectors == 8);
  switch (count) {
    case 8:
      f.template operator()<8>();
      break;
    case 7:
      f.template operator()<7>();
      break;
    case 6:
      f.template operator()<6>();
      break;
    case 5:
      f.template operator()<5>();
      break;
    case 4:
      f.template operator()<4>();
      break;
    case 3:
      f.template operator()<3>();
      break;
    case 2:
      f.template operator()<2>();
      break;
    case 1:
      f.template operator()<1>();
      break;
    default:
      break;
  }
}

// dst[0, N * kLanes) = start + sum over the row's entries e of weight(e) * in[column(e) * width + [0, N * kLanes)],
// accumulated in N vector registers (8 make a whole slice). `in` points at the first column.
template <int N, typename Row, typename Weight>
[[gnu::always_inline]] inline void accumulateVectors(Row row, Weight weight, const float* in, int width, float start,
                                                     float* dst) {
  Vec a[N];
  for (int k = 0; k < N; ++k) a[k] = Vec{} + start;
  for (int32_t e = row.begin; e < row.end; ++e) {
    const float v = weight(e);
    const Vec* src = reinterpret_cast<const Vec*>(in + int64_t(row.column(e)) * width);
    for (int k = 0; k < N; ++k) a[k] += v * src[k];
  }
  Vec* out = reinterpret_cast<Vec*>(dst);
  for (int k = 0; k < N; ++k) out[k] = a[k];
}

// The same for the last n < kLanes columns.
template <typename Row, typename Weight>
[[gnu::always_inline]] inline void accumulateTail(Row row, Weight weight, const float* in, int width, int n,
                                                  float start, float* dst) {
  std::fill(dst, dst + n, start);
  for (int32_t e = row.begin; e < row.end; ++e) {
    const float v = weight(e);
    const float* src = in + int64_t(row.column(e)) * width;
    for (int k = 0; k < n; ++k) dst[k] += v * src[k];
  }
}

// One output row's columns [from, from + n), n <= kSlice: dst[k] = start + sum of weight(e) * in[column(e), from + k].
// The whole vectors go in one pass over the row's entries, the last n % kLanes columns in another.
template <typename Row, typename Weight>
[[gnu::always_inline]] inline void accumulatePiece(Row row, Weight weight, const float* in, int width, int from, int n,
                                                   float start, float* dst) {
  const int vectors = n / kLanes;
  withVectorCount(vectors, [&]<int N>() { accumulateVectors<N>(row, weight, in + from, width, start, dst); });
  const int done = vectors * kLanes;
  if (done < n) accumulateTail(row, weight, in + from + done, width, n - done, start, dst + done);
}

template <typename Rows, typename Weight>
void gatherRows(const Rows& index, Weight weight, int rows, const float* in, int width, const float* bias, float* out) {
  // Slice-major order: every output row works through one batch slice before the next slice starts,
  // so for a wide panel (a conv's im2col, batch x positions wide) the slice of every input row stays
  // in cache while all filters use it. For a linear layer (width = batch) there is one slice.
  const int pieces = (width + kSlice - 1) / kSlice;
  const int64_t work = int64_t(pieces) * rows;
  splitAcrossThreads(work, worthThreads(index, rows, width), [&](int64_t begin, int64_t end) {
    for (int64_t w = begin; w < end; ++w) {
      const int piece = int(w / rows), r = int(w % rows);
      const int from = piece * kSlice, n = std::min(kSlice, width - from);
      accumulatePiece(index.row(r), weight, in, width, from, n, bias ? bias[r] : 0.0f, out + int64_t(r) * width + from);
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
        accumulatePiece(index.row(r), weight, in, width, from, n, bias ? bias[r] : 0.0f, block + j * kSlice);
      }
      transposeTile(block, kSlice, outT + int64_t(from) * rows + r0, rows, count, n);
    }
  });
}

[[gnu::always_inline]] inline float horizontalSum(Vec v) {
#if defined(__AVX512F__)
  return _mm512_reduce_add_ps((__m512)v);
#else
  float sum = 0.0f;
  for (int k = 0; k < kLanes; ++k) sum += v[k];
  return sum;
#endif
}

// The four horizontal sums of d0..d3, written to (or added into) dst[0..3]. With AVX the four
// reductions share their shuffles: halves folded, then three rounds of pairwise adds.
[[gnu::always_inline]] inline void storeSums(Vec d0, Vec d1, Vec d2, Vec d3, float* dst, bool add) {
#if defined(__AVX__)
#if defined(__AVX512F__)
  const auto fold = [](Vec v) {
    const __m512 z = (__m512)v;
    return _mm256_add_ps(_mm512_castps512_ps256(z), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(z), 1)));
  };
#else
  const auto fold = [](Vec v) { return (__m256)v; };
#endif
  const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(fold(d0), fold(d1)), _mm256_hadd_ps(fold(d2), fold(d3)));
  __m128 sums = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  if (add) sums = _mm_add_ps(sums, _mm_loadu_ps(dst));
  _mm_storeu_ps(dst, sums);
#else
  const float sums[4] = {horizontalSum(d0), horizontalSum(d1), horizontalSum(d2), horizontalSum(d3)};
  for (int k = 0; k < 4; ++k) dst[k] = add ? dst[k] + sums[k] : sums[k];
#endif
}

// dot(a, b) over N vectors, with a already in registers; two chains halve the FMA latency.
template <int N>
[[gnu::always_inline]] inline Vec dotVectors(const Vec* a, const Vec* b) {
  Vec even = a[0] * b[0], odd = {};
  for (int k = 1; k < N; ++k) {
    if (k % 2)
      odd += a[k] * b[k];
    else
      even += a[k] * b[k];
  }
  return even + odd;
}

// grads[e] (= or +=) dot(a[0, N * kLanes), b[column(e)][0, N * kLanes)) for the entries of one row; aRow and
// b point at the first column. a's vectors are loaded into registers once for the whole row, and four
// entries go at a time so their FMA chains overlap and their reductions share shuffles.
template <int N, typename Row>
[[gnu::always_inline]] inline void dotVectorsOfRow(Row entries, const float* aRow, const float* b, int width,
                                                   float* grads, bool add) {
  Vec a[N];
  for (int k = 0; k < N; ++k) a[k] = reinterpret_cast<const Vec*>(aRow)[k];
  const auto row = [&](int32_t e) { return reinterpret_cast<const Vec*>(b + int64_t(entries.column(e)) * width); };
  const int32_t end = entries.end;
  int32_t e = entries.begin;
  for (; e + 4 <= end; e += 4)
    storeSums(dotVectors<N>(a, row(e)), dotVectors<N>(a, row(e + 1)), dotVectors<N>(a, row(e + 2)),
              dotVectors<N>(a, row(e + 3)), grads + e, add);
  for (; e < end; ++e) {
    const float sum = horizontalSum(dotVectors<N>(a, row(e)));
    grads[e] = add ? grads[e] + sum : sum;
  }
}

// grads[e] (= or +=) dot(a[r, [from, to)), b[column(e), [from, to))) for the entries of row r: whole
// slices, then the remaining whole vectors, then scalars.
template <typename Rows>
[[gnu::always_inline]] inline void dotRange(const Rows& index, int r, const float* a, const float* b, int width,
                                            int from, int to, float* grads, bool add) {
  const auto entries = index.row(r);
  const float* aRow = a + int64_t(r) * width;
  int k = from;
  for (; k + kSlice <= to; k += kSlice, add = true)
    dotVectorsOfRow<kVectors>(entries, aRow + k, b + k, width, grads, add);
  const int vectors = (to - k) / kLanes;
  withVectorCount(vectors, [&]<int N>() { dotVectorsOfRow<N>(entries, aRow + k, b + k, width, grads, add); });
  if (vectors > 0) add = true;
  k += vectors * kLanes;
  if (k == to) return;
  for (int32_t e = entries.begin; e < entries.end; ++e) {
    const float* bRow = b + int64_t(entries.column(e)) * width;
    float sum = 0.0f;
    for (int j = k; j < to; ++j) sum += aRow[j] * bRow[j];
    grads[e] = add ? grads[e] + sum : sum;
  }
}

}  // namespace

template <typename Rows>
void gatherProduct(const Rows& index, const float* values, const int32_t* valueOf, int rows, const float* in, int width,
                   const float* bias, float* out) {
  if (valueOf)
    gatherRows(index, PermutedOrder{values, valueOf}, rows, in, width, bias, out);
  else
    gatherRows(index, StoredOrder{values}, rows, in, width, bias, out);
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
    for (int64_t r = begin; r < end; ++r) dotRange(index, int(r), a, b, width, 0, width, grads, false);
  });
}

#define SS_SPARSE_KERNELS_FOR(...)                                                                                    \
  template void gatherProduct(const __VA_ARGS__&, const float*, const int32_t*, int, const float*, int, const float*, \
                              float*);                                                                                \
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
