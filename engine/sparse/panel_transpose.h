#pragma once

#include "core/tensor.h"

namespace ss {

// dst = src^T for row-major matrices, in cache-sized tiles: the sparse layers turn batch-row
// activations into feature-row panels and back every step, and Eigen's plain strided copy cost as
// much as the sparse products themselves.
void transposeInto(const Matrix& src, Matrix& dst);

}  // namespace ss
