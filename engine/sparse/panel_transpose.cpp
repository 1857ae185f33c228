#include "sparse/panel_transpose.h"

#include <algorithm>

namespace ss {

void transposeInto(const Matrix& src, Matrix& dst) {
  const Eigen::Index rows = src.rows(), cols = src.cols();
  dst.resize(cols, rows);
  constexpr Eigen::Index kTile = 16;
  const float* s = src.data();
  float* d = dst.data();
  const Eigen::Index rowTiles = (rows + kTile - 1) / kTile;
#pragma omp parallel for schedule(static) if (rows * cols > 32768)
  for (Eigen::Index rt = 0; rt < rowTiles; ++rt) {
    const Eigen::Index r0 = rt * kTile, r1 = std::min(rows, r0 + kTile);
    for (Eigen::Index c0 = 0; c0 < cols; c0 += kTile) {
      const Eigen::Index c1 = std::min(cols, c0 + kTile);
      for (Eigen::Index r = r0; r < r1; ++r)
        for (Eigen::Index c = c0; c < c1; ++c) d[c * rows + r] = s[r * cols + c];
    }
  }
}

}  // namespace ss
