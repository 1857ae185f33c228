#include "sparse/sparse_kernels.h"

#include <algorithm>

#if defined(__AVX512F__)
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

inline void accumulateSlice(const int32_t* index, const float* values, int32_t begin, int32_t end, const float* in,
                            int width, int offset, float* out) {
  Vec a0 = {}, a1 = {}, a2 = {}, a3 = {}, a4 = {}, a5 = {}, a6 = {}, a7 = {};
  for (int32_t e = begin; e < end; ++e) {
    const float v = values[e];
    const Vec* src = reinterpret_cast<const Vec*>(in + int64_t(index[e]) * width + offset);
    a0 += v * src[0];
    a1 += v * src[1];
    a2 += v * src[2];
    a3 += v * src[3];
    a4 += v * src[4];
    a5 += v * src[5];
    a6 += v * src[6];
    a7 += v * src[7];
  }
  Vec* dst = reinterpret_cast<Vec*>(out + offset);
  dst[0] = a0;
  dst[1] = a1;
  dst[2] = a2;
  dst[3] = a3;
  dst[4] = a4;
  dst[5] = a5;
  dst[6] = a6;
  dst[7] = a7;
}

// One vector at a time, for the part of the width past the last whole slice.
inline void accumulateVector(const int32_t* index, const float* values, int32_t begin, int32_t end, const float* in,
                             int width, int offset, float* out) {
  Vec a = {};
  for (int32_t e = begin; e < end; ++e)
    a += values[e] * *reinterpret_cast<const Vec*>(in + int64_t(index[e]) * width + offset);
  *reinterpret_cast<Vec*>(out + offset) = a;
}

inline void accumulateTail(const int32_t* index, const float* values, int32_t begin, int32_t end, const float* in,
                           int width, int offset, float* out) {
  const int n = width - offset;
  std::fill(out + offset, out + width, 0.0f);
  for (int32_t e = begin; e < end; ++e) {
    const float v = values[e];
    const float* src = in + int64_t(index[e]) * width + offset;
    for (int k = 0; k < n; ++k) out[offset + k] += v * src[k];
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

}  // namespace

void gatherProduct(const int32_t* rowStart, const int32_t* index, const float* values, int rows, const float* in,
                   int width, float* out) {
  // Slice-major order: every output row works through one batch slice before the next slice starts,
  // so for a wide panel (a conv's im2col, batch x positions wide) the slice of every input row stays
  // in cache while all filters use it. For a linear layer (width = batch) there is one slice.
  const int slices = width / kSlice, tail = width - slices * kSlice;
  const int64_t work = int64_t(slices + (tail > 0)) * rows;
#pragma omp parallel for schedule(static)
  for (int64_t w = 0; w < work; ++w) {
    const int slice = int(w / rows), r = int(w % rows);
    float* o = out + int64_t(r) * width;
    const int32_t begin = rowStart[r], end = rowStart[r + 1];
    if (slice < slices) {
      accumulateSlice(index, values, begin, end, in, width, slice * kSlice, o);
      continue;
    }
    int offset = slices * kSlice;
    for (; offset + kLanes <= width; offset += kLanes)
      accumulateVector(index, values, begin, end, in, width, offset, o);
    if (offset < width) accumulateTail(index, values, begin, end, in, width, offset, o);
  }
}

void scatterProduct(const int32_t* rowStart, const int32_t* index, const float* values, int rows, const float* in,
                    int width, float* out) {
  constexpr int kTile = 16;
  const int tiles = (width + kTile - 1) / kTile;
#pragma omp parallel for schedule(static)
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

void sampledProduct(const int32_t* rowStart, const int32_t* index, int rows, const float* a, const float* b, int width,
                    float* grads) {
  const int vectors = width / kLanes, whole = vectors * kLanes;
#pragma omp parallel for schedule(static)
  for (int r = 0; r < rows; ++r) {
    const float* ar = a + int64_t(r) * width;
    const Vec* av = reinterpret_cast<const Vec*>(ar);
    for (int32_t e = rowStart[r]; e < rowStart[r + 1]; ++e) {
      const float* bc = b + int64_t(index[e]) * width;
      const Vec* bv = reinterpret_cast<const Vec*>(bc);
      // Two accumulators halve the dependency chain of the FMAs.
      Vec s0 = {}, s1 = {};
      int k = 0;
      for (; k + 1 < vectors; k += 2) {
        s0 += av[k] * bv[k];
        s1 += av[k + 1] * bv[k + 1];
      }
      if (k < vectors) s0 += av[k] * bv[k];
      float sum = horizontalSum(s0 + s1);
      for (int t = whole; t < width; ++t) sum += ar[t] * bc[t];
      grads[e] = sum;
    }
  }
}

}  // namespace ss
