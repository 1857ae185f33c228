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

}  // namespace

void transposeTile(const float* src, Index srcStride, float* dst, Index dstStride, Index rows, Index cols) {
#if defined(__AVX__)
  const Index rEnd = rows / 8 * 8, cEnd = cols / 8 * 8;
  for (Index r = 0; r < rEnd; r += 8)
    for (Index c = 0; c < cEnd; c += 8) transpose8x8(src, srcStride, dst, dstStride, r, c);
  transposeScalar(src, srcStride, dst, dstStride, 0, rEnd, cEnd, cols);  // right edge
  transposeScalar(src, srcStride, dst, dstStride, rEnd, rows, 0, cols);  // bottom edge
#else
  transposeScalar(src, srcStride, dst, dstStride, 0, rows, 0, cols);
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
