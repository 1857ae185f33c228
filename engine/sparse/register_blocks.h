#pragma once

// The register-blocked inner loops that the sparse kernels share (sparse_kernels.cpp on panels, sparse_conv.cpp on
// one example's padded planes). They differ only in where an active entry's input row starts, so every helper
// takes a `source(e)`: the address, for entry e, of the first float this call reads. Internal to the kernels'
// .cpp files.

#include <algorithm>
#include <cstdint>

#include "core/relu.h"

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace ss::blocks {

// One output row's slice lives in kVectors vector registers while every active weight of the row adds into it:
// 8 x 16 floats with AVX-512, 8 x 8 floats with AVX2. GCC's vector extensions make the register allocation
// explicit (a plain float array was kept on the stack), and aligned(4) lets them load from any float address.
#if defined(__AVX512F__)
typedef float Vec __attribute__((vector_size(64), aligned(4)));
constexpr int kLanes = 16;
#else
typedef float Vec __attribute__((vector_size(32), aligned(4)));
constexpr int kLanes = 8;
#endif
constexpr int kVectors = 8;
constexpr int kSlice = kLanes * kVectors;

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
// for a file, and a call per row and slice (dotVectors returning a vector in memory) cost the CSR
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

// What a gather does with an output row's sums besides storing them in dst: with `keep`, each float is stored only
// where keep[k] > 0 and 0 elsewhere, as a ReLU's backward would pass it (keep is the ReLU's output at dst's place);
// with `rectified`, max(sum, 0) is stored there too, as the ReLU after the layer would compute it (core/relu.h).
struct RowEnd {
  const float* keep = nullptr;
  float* rectified = nullptr;
  RowEnd at(int64_t offset) const { return {keep ? keep + offset : nullptr, rectified ? rectified + offset : nullptr}; }
};

// dst[0, N * kLanes) = start + sum over the row's entries e of weight(e) * source(e)[0, N * kLanes), accumulated
// in N vector registers (8 make a whole slice), then `end` as above.
template <int N, typename Row, typename Weight, typename Source>
[[gnu::always_inline]] inline void accumulateVectors(Row row, Weight weight, Source source, float start, float* dst,
                                                     RowEnd end) {
  Vec a[N];
  for (int k = 0; k < N; ++k) a[k] = Vec{} + start;
  for (int32_t e = row.begin; e < row.end; ++e) {
    const float v = weight(e);
    const Vec* src = reinterpret_cast<const Vec*>(source(e));
    for (int k = 0; k < N; ++k) a[k] += v * src[k];
  }
  if (end.keep)
    for (int k = 0; k < N; ++k) a[k] = reinterpret_cast<const Vec*>(end.keep)[k] > Vec{} ? a[k] : Vec{};
  Vec* out = reinterpret_cast<Vec*>(dst);
  for (int k = 0; k < N; ++k) out[k] = a[k];
  if (end.rectified)  // as std::max(a, 0): a NaN passes
    for (int k = 0; k < N; ++k) reinterpret_cast<Vec*>(end.rectified)[k] = a[k] < Vec{} ? Vec{} : a[k];
}

// dst[k] = start + sum of weight(e) * source(e)[k] for k in [from, from + n), n < kLanes; `end` as above.
template <typename Row, typename Weight, typename Source>
[[gnu::always_inline]] inline void accumulateTail(Row row, Weight weight, Source source, int from, int n, float start,
                                                  float* dst, RowEnd end) {
  std::fill(dst + from, dst + from + n, start);
  for (int32_t e = row.begin; e < row.end; ++e) {
    const float v = weight(e);
    const float* src = source(e);
    for (int k = from; k < from + n; ++k) dst[k] += v * src[k];
  }
  if (end.keep) passWherePositive(end.keep, dst, dst, from, from + n);
  if (end.rectified) rectify(dst, end.rectified, from, from + n);
}

// One output row's n <= kSlice floats: dst[k] = start + sum of weight(e) * source(e)[k], then `end` as above. The
// whole vectors go in one pass over the row's entries, the last n % kLanes floats in another.
template <typename Row, typename Weight, typename Source>
[[gnu::always_inline]] inline void accumulatePiece(Row row, Weight weight, Source source, int n, float start,
                                                   float* dst, RowEnd end = {}) {
  const int vectors = n / kLanes;
  withVectorCount(vectors, [&]<int N>() { accumulateVectors<N>(row, weight, source, start, dst, end); });
  const int done = vectors * kLanes;
  if (done < n) accumulateTail(row, weight, source, done, n - done, start, dst, end);
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

// grads[e] (= or +=) dot(a[0, N * kLanes), source(e)[0, N * kLanes)) for the entries of one row. a's vectors are
// loaded into registers once for the whole row, and four entries go at a time so their FMA chains overlap and
// their reductions share shuffles.
template <int N, typename Row, typename Source>
[[gnu::always_inline]] inline void dotVectorsOfRow(Row entries, const float* aRow, Source source, float* grads,
                                                   bool add) {
  Vec a[N];
  for (int k = 0; k < N; ++k) a[k] = reinterpret_cast<const Vec*>(aRow)[k];
  const auto row = [&](int32_t e) { return reinterpret_cast<const Vec*>(source(e)); };
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

// grads[e] (= or +=) dot(aRow[from, to), source(e)[from, to)) for the entries of one row: whole slices, then the
// remaining whole vectors, then scalars.
template <typename Row, typename Source>
[[gnu::always_inline]] inline void dotRange(Row entries, const float* aRow, Source source, int from, int to,
                                            float* grads, bool add) {
  int k = from;
  const auto shifted = [&](int by) { return [&source, by](int32_t e) { return source(e) + by; }; };
  for (; k + kSlice <= to; k += kSlice, add = true)
    dotVectorsOfRow<kVectors>(entries, aRow + k, shifted(k), grads, add);
  const int vectors = (to - k) / kLanes;
  withVectorCount(vectors, [&]<int N>() { dotVectorsOfRow<N>(entries, aRow + k, shifted(k), grads, add); });
  if (vectors > 0) add = true;
  k += vectors * kLanes;
  if (k == to) return;
  for (int32_t e = entries.begin; e < entries.end; ++e) {
    const float* bRow = source(e);
    float sum = 0.0f;
    for (int j = k; j < to; ++j) sum += aRow[j] * bRow[j];
    grads[e] = add ? grads[e] + sum : sum;
  }
}

}  // namespace ss::blocks
