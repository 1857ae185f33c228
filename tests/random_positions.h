#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "sparse/random_positions.h"

// Ascending positions of a layer of `size` entries at `density`, drawn as a sparse layer's start is
// (ss::randomPositions), so a sparse layer of billions of entries costs only its positions to make.
inline std::vector<int64_t> randomPositions(int64_t size, double density, uint64_t seed) {
  ss::Rng rng(seed);
  const int64_t count = std::llround(std::clamp(density, 0.0, 1.0) * double(std::max<int64_t>(size, 0)));
  return ss::randomPositions(std::max<int64_t>(size, 0), count, rng);
}
