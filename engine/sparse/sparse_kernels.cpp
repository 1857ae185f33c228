#include "sparse/sparse_kernels.h"

#include <algorithm>

namespace ss {

namespace {

// Batch slice held in vector registers while one output row accumulates: 128 floats are eight
// AVX-512 registers; with AVX2 the 64-float slice fills eight of the sixteen ymm registers.
#if defined(__AVX512F__)
constexpr int kSlice = 128;
#else
constexpr int kSlice = 64;
#endif

template <int Slice>
inline void accumulateSlice(const int32_t* index, const float* values, int32_t begin, int32_t end, const float* in,
                            int width, int offset, float* out) {
  float acc[Slice] = {};
  for (int32_t e = begin; e < end; ++e) {
    const float v = values[e];
    const float* src = in + int64_t(index[e]) * width + offset;
#pragma omp simd
    for (int k = 0; k < Slice; ++k) acc[k] += v * src[k];
  }
#pragma omp simd
  for (int k = 0; k < Slice; ++k) out[offset + k] = acc[k];
}

inline void accumulateTail(const int32_t* index, const float* values, int32_t begin, int32_t end, const float* in,
                           int width, int offset, float* out) {
  const int n = width - offset;
  std::fill(out + offset, out + width, 0.0f);
  for (int32_t e = begin; e < end; ++e) {
    const float v = values[e];
    const float* src = in + int64_t(index[e]) * width + offset;
#pragma omp simd
    for (int k = 0; k < n; ++k) out[offset + k] += v * src[k];
  }
}

}  // namespace

void gatherProduct(const int32_t* rowStart, const int32_t* index, const float* values, int rows, const float* in,
                   int width, float* out) {
#pragma omp parallel for schedule(dynamic, 4)
  for (int r = 0; r < rows; ++r) {
    float* o = out + int64_t(r) * width;
    const int32_t begin = rowStart[r], end = rowStart[r + 1];
    int offset = 0;
    for (; offset + kSlice <= width; offset += kSlice) accumulateSlice<kSlice>(index, values, begin, end, in, width, offset, o);
    for (; offset + 16 <= width; offset += 16) accumulateSlice<16>(index, values, begin, end, in, width, offset, o);
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
#pragma omp parallel for schedule(dynamic, 4)
  for (int r = 0; r < rows; ++r) {
    const float* ar = a + int64_t(r) * width;
    for (int32_t e = rowStart[r]; e < rowStart[r + 1]; ++e) {
      const float* bc = b + int64_t(index[e]) * width;
      float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
      for (int k = 0; k < width; ++k) sum += ar[k] * bc[k];
      grads[e] = sum;
    }
  }
}

}  // namespace ss
