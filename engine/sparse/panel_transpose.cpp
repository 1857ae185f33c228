#include "sparse/panel_transpose.h"

#include <algorithm>

#include "core/threads.h"

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace ss {

namespace {

using Index = Eigen::Index;

inline void transposeScalar(const float* s, Index sStride, float* d, Index dStride, Index r0, Index r1, Index c0,
                            Index c1) {
  for (Index r = r0; r < r1; ++r)
    for (Index c = c0; c < c1; ++c) d[c * dStride + r] = s[r * sStride + c];
}

#if defined(__AVX__)
// The 8x8 block at (r, c) of s into d: eight row loads, three rounds of shuffles, eight row stores,
// instead of 64 scalar moves with a strided side.
inline void transpose8x8(const float* s, Index sStride, float* d, Index dStride, Index r, Index c) {
  __m256 in[8];
  for (int i = 0; i < 8; ++i) in[i] = _mm256_loadu_ps(s + (r + i) * sStride + c);
  __m256 t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(in[2 * i], in[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(in[2 * i], in[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i) {
    u[4 * i + 0] = _mm256_shuffle_ps(t[4 * i + 0], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i + 0], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    _mm256_storeu_ps(d + (c + i) * dStride + r, _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
    _mm256_storeu_ps(d + (c + i + 4) * dStride + r, _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
  }
}
#endif

#if defined(__AVX512F__)
// GCC 12's AVX-512 unpack and shuffle intrinsics start from _mm512_undefined_ps() and warn that it is
// uninitialised once inlined (GCC bug 105593); the value is never read.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
// The 16x16 block at (r, c) of s into d: sixteen row loads, four rounds of shuffles (within 128-bit lanes, then of
// whole lanes), sixteen row stores. Per float half the shuffles of two 8x8 blocks' rounds, and whole cache lines
// stored: the MLP's input panel (64 x 784 per thread) took 6 us through 8x8 blocks, 2.5 times a copy of it.
inline void transpose16x16(const float* s, Index sStride, float* d, Index dStride, Index r, Index c) {
  __m512 a[16], b[16];
  for (int i = 0; i < 16; ++i) a[i] = _mm512_loadu_ps(s + (r + i) * sStride + c);
  // Pairs of rows interleaved by floats, then groups of four rows by float pairs: b[4g + k], lane L, holds
  // column 4L + k of rows 4g .. 4g + 3.
  for (int i = 0; i < 8; ++i) {
    b[2 * i] = _mm512_unpacklo_ps(a[2 * i], a[2 * i + 1]);
    b[2 * i + 1] = _mm512_unpackhi_ps(a[2 * i], a[2 * i + 1]);
  }
  const auto pd = [](__m512 v) { return _mm512_castps_pd(v); };
  for (int g = 0; g < 4; ++g) {
    a[4 * g + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(pd(b[4 * g]), pd(b[4 * g + 2])));
    a[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(pd(b[4 * g]), pd(b[4 * g + 2])));
    a[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(pd(b[4 * g + 1]), pd(b[4 * g + 3])));
    a[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(pd(b[4 * g + 1]), pd(b[4 * g + 3])));
  }
  // Lanes regrouped twice (0x88 takes lanes 0 and 2 of each source, 0xDD lanes 1 and 3) until each vector
  // holds one column's sixteen rows.
  for (int k = 0; k < 4; ++k) {
    b[k] = _mm512_shuffle_f32x4(a[k], a[4 + k], 0x88);
    b[4 + k] = _mm512_shuffle_f32x4(a[k], a[4 + k], 0xDD);
    b[8 + k] = _mm512_shuffle_f32x4(a[8 + k], a[12 + k], 0x88);
    b[12 + k] = _mm512_shuffle_f32x4(a[8 + k], a[12 + k], 0xDD);
  }
  for (int k = 0; k < 4; ++k) {
    _mm512_storeu_ps(d + (c + k) * dStride + r, _mm512_shuffle_f32x4(b[k], b[8 + k], 0x88));
    _mm512_storeu_ps(d + (c + 8 + k) * dStride + r, _mm512_shuffle_f32x4(b[k], b[8 + k], 0xDD));
    _mm512_storeu_ps(d + (c + 4 + k) * dStride + r, _mm512_shuffle_f32x4(b[4 + k], b[12 + k], 0x88));
    _mm512_storeu_ps(d + (c + 12 + k) * dStride + r, _mm512_shuffle_f32x4(b[4 + k], b[12 + k], 0xDD));
  }
}
#pragma GCC diagnostic pop
#endif

// Rows [r0, r1) x columns [c0, c1) of s into d: 8x8 blocks, then the edges one float at a time.
inline void transposeRegion(const float* s, Index sStride, float* d, Index dStride, Index r0, Index r1, Index c0,
                            Index c1) {
#if defined(__AVX__)
  const Index rEnd = r0 + (r1 - r0) / 8 * 8, cEnd = c0 + (c1 - c0) / 8 * 8;
  for (Index r = r0; r < rEnd; r += 8)
    for (Index c = c0; c < cEnd; c += 8) transpose8x8(s, sStride, d, dStride, r, c);
  transposeScalar(s, sStride, d, dStride, r0, rEnd, cEnd, c1);  // right edge
  transposeScalar(s, sStride, d, dStride, rEnd, r1, c0, c1);    // bottom edge
#else
  transposeScalar(s, sStride, d, dStride, r0, r1, c0, c1);
#endif
}

}  // namespace

void transposeTile(const float* src, Index srcStride, float* dst, Index dstStride, Index rows, Index cols) {
#if defined(__AVX512F__)
  const Index rEnd = rows / 16 * 16, cEnd = cols / 16 * 16;
  for (Index r = 0; r < rEnd; r += 16)
    for (Index c = 0; c < cEnd; c += 16) transpose16x16(src, srcStride, dst, dstStride, r, c);
  transposeRegion(src, srcStride, dst, dstStride, 0, rEnd, cEnd, cols);  // right edge
  transposeRegion(src, srcStride, dst, dstStride, rEnd, rows, 0, cols);  // bottom edge
#else
  transposeRegion(src, srcStride, dst, dstStride, 0, rows, 0, cols);
#endif
}

namespace {

// The rows x cols matrix at s into the cols x rows one at d, in tiles that stay in L1 (four 8x8 blocks a side).
void transposeBand(const float* s, Index sStride, float* d, Index dStride, Index rows, Index cols) {
  constexpr Index kTile = 32;
  for (Index r0 = 0; r0 < rows; r0 += kTile)
    for (Index c0 = 0; c0 < cols; c0 += kTile)
      transposeTile(s + r0 * sStride + c0, sStride, d + c0 * dStride + r0, dStride, std::min(kTile, rows - r0),
                    std::min(kTile, cols - c0));
}

}  // namespace

void transposeInto(const Matrix& src, Matrix& dst) {
  const Index rows = src.rows(), cols = src.cols();
  dst.resize(cols, rows);
  constexpr Index kBand = 32;
  const float* s = src.data();
  float* d = dst.data();
  const Index bands = (rows + kBand - 1) / kBand;
  splitAcrossThreads(bands, rows * cols > 65536, [&](int64_t begin, int64_t end) {
    const Index r0 = begin * kBand, r1 = std::min(rows, end * kBand);
    transposeBand(s + r0 * cols, cols, d + r0, rows, r1 - r0, cols);
  });
}

void transposeRowsInto(const Matrix& src, Index first, Index count, Matrix& dst) {
  const Index cols = src.cols();
  dst.resize(cols, count);
  transposeBand(src.data() + first * cols, cols, dst.data(), count, count, cols);
}

void transposeIntoRows(const Matrix& src, Matrix& dst, Index first) {
  transposeBand(src.data(), src.cols(), dst.data() + first * dst.cols(), dst.cols(), src.rows(), src.cols());
}

}  // namespace ss
