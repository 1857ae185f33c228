#include "sparse/panel_transpose.h"

#include <algorithm>

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace ss {

namespace {

inline void transposeScalar(const float* s, float* d, Eigen::Index rows, Eigen::Index cols, Eigen::Index r0,
                            Eigen::Index r1, Eigen::Index c0, Eigen::Index c1) {
  for (Eigen::Index r = r0; r < r1; ++r)
    for (Eigen::Index c = c0; c < c1; ++c) d[c * rows + r] = s[r * cols + c];
}

#if defined(__AVX__)
// The 8x8 block at (r, c) of s into d: eight row loads, three rounds of shuffles, eight row stores,
// instead of 64 scalar moves with a strided side.
inline void transpose8x8(const float* s, float* d, Eigen::Index rows, Eigen::Index cols, Eigen::Index r,
                         Eigen::Index c) {
  __m256 in[8];
  for (int i = 0; i < 8; ++i) in[i] = _mm256_loadu_ps(s + (r + i) * cols + c);
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
    _mm256_storeu_ps(d + (c + i) * rows + r, _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
    _mm256_storeu_ps(d + (c + i + 4) * rows + r, _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
  }
}
#endif

}  // namespace

void transposeInto(const Matrix& src, Matrix& dst) {
  const Eigen::Index rows = src.rows(), cols = src.cols();
  dst.resize(cols, rows);
  constexpr Eigen::Index kTile = 32;  // four 8x8 blocks a side: both tiles stay in L1
  const float* s = src.data();
  float* d = dst.data();
  const Eigen::Index rowTiles = (rows + kTile - 1) / kTile;
#pragma omp parallel for schedule(static) if (rows * cols > 65536)
  for (Eigen::Index rt = 0; rt < rowTiles; ++rt) {
    const Eigen::Index r0 = rt * kTile, r1 = std::min(rows, r0 + kTile);
    for (Eigen::Index c0 = 0; c0 < cols; c0 += kTile) {
      const Eigen::Index c1 = std::min(cols, c0 + kTile);
#if defined(__AVX__)
      const Eigen::Index rEnd = r0 + (r1 - r0) / 8 * 8, cEnd = c0 + (c1 - c0) / 8 * 8;
      for (Eigen::Index r = r0; r < rEnd; r += 8)
        for (Eigen::Index c = c0; c < cEnd; c += 8) transpose8x8(s, d, rows, cols, r, c);
      transposeScalar(s, d, rows, cols, r0, rEnd, cEnd, c1);  // right edge
      transposeScalar(s, d, rows, cols, rEnd, r1, c0, c1);    // bottom edge
#else
      transposeScalar(s, d, rows, cols, r0, r1, c0, c1);
#endif
    }
  }
}

}  // namespace ss
