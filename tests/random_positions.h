#pragma once

#include <cstdint>
#include <random>
#include <vector>

// Ascending positions of a layer of `size` entries, each present with probability `density`, drawn gap by gap
// (geometric gaps), so a sparse layer of billions of entries costs only its positions to make.
inline std::vector<int64_t> randomPositions(int64_t size, double density, uint64_t seed) {
  std::vector<int64_t> positions;
  if (density <= 0.0 || size <= 0) return positions;
  if (density >= 1.0) {
    for (int64_t p = 0; p < size; ++p) positions.push_back(p);
    return positions;
  }
  std::mt19937_64 gen(seed);
  std::geometric_distribution<int64_t> gap(density);
  positions.reserve(size_t(double(size) * density * 1.1) + 16);
  for (int64_t p = gap(gen); p < size; p += 1 + gap(gen)) positions.push_back(p);
  return positions;
}
