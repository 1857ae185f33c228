#pragma once

#include "core/tensor.h"

namespace ss {

// sums[r] = the sum of row r of a panel (rows() values): a layer's bias gradient, its dY summed over the batch
// and, for a conv, over the positions.
void sumRowsOfPanel(const Matrix& panel, float* sums);

}  // namespace ss
