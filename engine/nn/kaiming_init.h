#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "sparse/sparse_format.h"
#include "sparse/weight_matrix.h"

namespace ss {

// He et al. 2015 for ReLU networks: weights drawn from N(0, 2 / fan_in), fan_in being the dense layer's inputs
// (a conv's C*k*k). Dense: every weight, in storage order (allocating a deferred matrix first).
void initKaimingDense(WeightMatrix& weights, int fanIn, Rng& rng);
// Born sparse: only the weights at `positions` (ascending) are drawn, from the same distribution over the same
// dense fan-in, so each active weight starts as it would have in the dense layer before masking; no dense tensor
// is made.
void initKaimingSparse(WeightMatrix& weights, int fanIn, const std::vector<int64_t>& positions,
                       const SparseFormat& format, Rng& rng);

}  // namespace ss
