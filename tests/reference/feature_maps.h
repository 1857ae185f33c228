#pragma once

#include <Eigen/Core>

namespace reference {

template <typename Scalar>
using RowMatrixOf = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A batch of feature maps, one channel per row: row c holds channel c of every image, image after image,
// each row by row (column (n * height + y) * width + x), so batch norm's per-channel sums are row sums
// and a convolution is one product with the im2col matrix.
template <typename Scalar>
struct FeatureMaps {
  int batch = 0;
  int height = 0;
  int width = 0;
  RowMatrixOf<Scalar> values;  // channels x (batch * height * width)

  int channels() const { return int(values.rows()); }
};

}  // namespace reference
