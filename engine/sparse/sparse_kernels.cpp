#include "sparse/sparse_kernels.h"

#include <algorithm>

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
// caches, more than the second core saves. fc2 of the MLP at density 0.1 (3000 weights x 128) took
// 10 us alone and 11 us on two threads; fc1 at 0.05 (12000 x 128) 57 us alone, 33 us on two.
constexpr int64_t kParallelWork = int64_t(1) << 19;

bool worthThreads(const int32_t* rowStart, int rows, int width) {
  return (int64_t(rowStart[rows]) + rows) * width >= kParallelWork;
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

// dst[0, kSlice) = start + sum over e in [begin, end) of weight(e) * in[index[e] * width + [0, kSlice)], with
// the slice in eight vector registers. `in` points at the slice's first column.
template <typename Index, typename Weight>
inline void accumulateSlice(const Index* index, Weight weight, int32_t begin, int32_t end, const float* in, int width,
                            float start, float* dst) {
  const Vec init = Vec{} + start;
  Vec a0 = init, a1 = init, a2 = init, a3 = init, a4 = init, a5 = init, a6 = init, a7 = init;
  for (int32_t e = begin; e < end; ++e) {
    const float v = weight(e);
    const Vec* src = reinterpret_cast<const Vec*>(in + int64_t(index[e]) * width);
    a0 += v * src[0];
    a1 += v * src[1];
    a2 += v * src[2];
    a3 += v * src[3];
    a4 += v * src[4];
    a5 += v * src[5];
    a6 += v * src[6];
    a7 += v * src[7];
  }
  Vec* out = reinterpret_cast<Vec*>(dst);
  out[0] = a0;
  out[1] = a1;
  out[2] = a2;
  out[3] = a3;
  out[4] = a4;
  out[5] = a5;
  out[6] = a6;
  out[7] = a7;
}

// The same for one vector, for the part of the width past the last whole slice.
template <typename Index, typename Weight>
inline void accumulateVector(const Index* index, Weight weight, int32_t begin, int32_t end, const float* in, int width,
                             float start, float* dst) {
  Vec a = Vec{} + start;
  for (int32_t e = begin; e < end; ++e) a += weight(e) * *reinterpret_cast<const Vec*>(in + int64_t(index[e]) * width);
  *reinterpret_cast<Vec*>(dst) = a;
}

// The same for the last n < kLanes columns.
template <typename Index, typename Weight>
inline void accumulateTail(const Index* index, Weight weight, int32_t begin, int32_t end, const float* in, int width,
                           int n, float start, float* dst) {
  std::fill(dst, dst + n, start);
  for (int32_t e = begin; e < end; ++e) {
    const float v = weight(e);
    const float* src = in + int64_t(index[e]) * width;
    for (int k = 0; k < n; ++k) dst[k] += v * src[k];
  }
}

// One output row's columns [from, from + n), n <= kSlice: dst[k] = start + sum of weight(e) * in[index[e], from + k].
template <typename Index, typename Weight>
inline void accumulatePiece(const Index* index, Weight weight, int32_t begin, int32_t end, const float* in, int width,
                            int from, int n, float start, float* dst) {
  if (n == kSlice) {
    accumulateSlice(index, weight, begin, end, in + from, width, start, dst);
    return;
  }
  int k = 0;
  for (; k + kLanes <= n; k += kLanes)
    accumulateVector(index, weight, begin, end, in + from + k, width, start, dst + k);
  if (k < n) accumulateTail(index, weight, begin, end, in + from + k, width, n - k, start, dst + k);
}

template <typename Index, typename Weight>
void gatherRows(const int32_t* rowStart, const Index* index, Weight weight, int rows, const float* in, int width,
                float* out) {
  // Slice-major order: every output row works through one batch slice before the next slice starts,
  // so for a wide panel (a conv's im2col, batch x positions wide) the slice of every input row stays
  // in cache while all filters use it. For a linear layer (width = batch) there is one slice.
  const int pieces = (width + kSlice - 1) / kSlice;
  const int64_t work = int64_t(pieces) * rows;
#pragma omp parallel for schedule(static) if (worthThreads(rowStart, rows, width))
  for (int64_t w = 0; w < work; ++w) {
    const int piece = int(w / rows), r = int(w % rows);
    const int from = piece * kSlice, n = std::min(kSlice, width - from);
    accumulatePiece(index, weight, rowStart[r], rowStart[r + 1], in, width, from, n, 0.0f,
                    out + int64_t(r) * width + from);
  }
}

// The same product written transposed, bias added: blocks of 16 output rows are computed into an L1
// buffer and transposed from there, so each batch row of the result receives whole cache lines.
template <typename Index, typename Weight>
void gatherRowsTransposed(const int32_t* rowStart, const Index* index, Weight weight, int rows, const float* in,
                          int width, const float* bias, float* outT) {
  constexpr int kBlockRows = 16;
  const int pieces = (width + kSlice - 1) / kSlice, blocks = (rows + kBlockRows - 1) / kBlockRows;
  const int64_t work = int64_t(pieces) * blocks;
#pragma omp parallel for schedule(static) if (worthThreads(rowStart, rows, width))
  for (int64_t w = 0; w < work; ++w) {
    const int piece = int(w / blocks), r0 = int(w % blocks) * kBlockRows;
    const int from = piece * kSlice, n = std::min(kSlice, width - from), count = std::min(kBlockRows, rows - r0);
    alignas(64) float block[kBlockRows * kSlice];
    for (int j = 0; j < count; ++j) {
      const int r = r0 + j;
      accumulatePiece(index, weight, rowStart[r], rowStart[r + 1], in, width, from, n, bias ? bias[r] : 0.0f,
                      block + j * kSlice);
    }
    transposeTile(block, kSlice, outT + int64_t(from) * rows + r0, rows, count, n);
  }
}

inline float horizontalSum(Vec v) {
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
inline void storeSums(Vec d0, Vec d1, Vec d2, Vec d3, float* dst, bool add) {
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

// dot(a, b) over one slice, with a's slice already in registers; two chains halve the FMA latency.
inline Vec dotSlice(const Vec* a, const Vec* b) {
  Vec even = a[0] * b[0], odd = a[1] * b[1];
  even += a[2] * b[2];
  odd += a[3] * b[3];
  even += a[4] * b[4];
  odd += a[5] * b[5];
  even += a[6] * b[6];
  odd += a[7] * b[7];
  return even + odd;
}

// grads[e] (= or +=) dot(a[offset, +kSlice), b[index[e]][offset, +kSlice)) for the entries of one row.
// a's slice is loaded into registers once for the whole row, and four entries go at a time so their
// FMA chains overlap and their reductions share shuffles.
template <typename Index>
inline void dotSlices(const Index* index, int32_t begin, int32_t end, const float* aRow, const float* b, int width,
                      int offset, float* grads, bool add) {
  const Vec* ap = reinterpret_cast<const Vec*>(aRow + offset);
  const Vec a[kVectors] = {ap[0], ap[1], ap[2], ap[3], ap[4], ap[5], ap[6], ap[7]};
  const auto row = [&](int32_t e) { return reinterpret_cast<const Vec*>(b + int64_t(index[e]) * width + offset); };
  int32_t e = begin;
  for (; e + 4 <= end; e += 4)
    storeSums(dotSlice(a, row(e)), dotSlice(a, row(e + 1)), dotSlice(a, row(e + 2)), dotSlice(a, row(e + 3)), grads + e,
              add);
  for (; e < end; ++e) {
    const float sum = horizontalSum(dotSlice(a, row(e)));
    grads[e] = add ? grads[e] + sum : sum;
  }
}

// The same past the last whole slice: a vector at a time, then scalars.
inline float dotRemainder(const float* a, const float* b, int from, int width) {
  Vec s = {};
  int k = from;
  for (; k + kLanes <= width; k += kLanes)
    s += *reinterpret_cast<const Vec*>(a + k) * *reinterpret_cast<const Vec*>(b + k);
  float sum = horizontalSum(s);
  for (; k < width; ++k) sum += a[k] * b[k];
  return sum;
}

}  // namespace

template <typename Index>
void gatherProduct(const int32_t* rowStart, const Index* index, const float* values, const int32_t* valueOf, int rows,
                   const float* in, int width, float* out) {
  if (valueOf)
    gatherRows(rowStart, index, PermutedOrder{values, valueOf}, rows, in, width, out);
  else
    gatherRows(rowStart, index, StoredOrder{values}, rows, in, width, out);
}

template <typename Index>
void gatherProductTransposed(const int32_t* rowStart, const Index* index, const float* values, const int32_t* valueOf,
                             int rows, const float* in, int width, const float* bias, float* outT) {
  if (valueOf)
    gatherRowsTransposed(rowStart, index, PermutedOrder{values, valueOf}, rows, in, width, bias, outT);
  else
    gatherRowsTransposed(rowStart, index, StoredOrder{values}, rows, in, width, bias, outT);
}

template <typename Index>
void scatterProduct(const int32_t* rowStart, const Index* index, const float* values, int rows, const float* in,
                    int width, float* out) {
  constexpr int kTile = 16;
  const int tiles = (width + kTile - 1) / kTile;
#pragma omp parallel for schedule(static) if (worthThreads(rowStart, rows, width))
  for (int t = 0; t < tiles; ++t) {
    const int offset = t * kTile, n = std::min(kTile, width - offset);
    for (int r = 0; r < rows; ++r) {
      const float* src = in + int64_t(r) * width + offset;
      for (int32_t e = rowStart[r]; e < rowStart[r + 1]; ++e) {
        const float v = values[e];
        float* dst = out + int64_t(index[e]) * width + offset;
#pragma omp simd
        for (int k = 0; k < n; ++k) dst[k] += v * src[k];
      }
    }
  }
}

template <typename Index>
void sampledProduct(const int32_t* rowStart, const Index* index, int rows, const float* a, const float* b, int width,
                    float* grads) {
  const int slices = width / kSlice, whole = slices * kSlice;
#pragma omp parallel for schedule(static) if (worthThreads(rowStart, rows, width))
  for (int r = 0; r < rows; ++r) {
    const float* ar = a + int64_t(r) * width;
    const int32_t begin = rowStart[r], end = rowStart[r + 1];
    for (int s = 0; s < slices; ++s) dotSlices(index, begin, end, ar, b, width, s * kSlice, grads, s > 0);
    if (whole == width) continue;
    for (int32_t e = begin; e < end; ++e) {
      const float sum = dotRemainder(ar, b + int64_t(index[e]) * width, whole, width);
      grads[e] = slices > 0 ? grads[e] + sum : sum;
    }
  }
}

template void gatherProduct(const int32_t*, const uint16_t*, const float*, const int32_t*, int, const float*, int,
                            float*);
template void gatherProduct(const int32_t*, const int32_t*, const float*, const int32_t*, int, const float*, int,
                            float*);
template void gatherProductTransposed(const int32_t*, const uint16_t*, const float*, const int32_t*, int, const float*,
                                      int, const float*, float*);
template void gatherProductTransposed(const int32_t*, const int32_t*, const float*, const int32_t*, int, const float*,
                                      int, const float*, float*);
template void scatterProduct(const int32_t*, const uint16_t*, const float*, int, const float*, int, float*);
template void scatterProduct(const int32_t*, const int32_t*, const float*, int, const float*, int, float*);
template void sampledProduct(const int32_t*, const uint16_t*, int, const float*, const float*, int, float*);
template void sampledProduct(const int32_t*, const int32_t*, int, const float*, const float*, int, float*);

}  // namespace ss
