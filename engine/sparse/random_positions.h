#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"

namespace ss {

// `count` distinct positions drawn uniformly from [0, size), ascending: an unstructured random mask as the
// positions it keeps, in memory and time of the order of `count`, never of `size`. Every set of `count`
// positions is equally likely, as with the top `count` of `size` uniform scores.
std::vector<int64_t> randomPositions(int64_t size, int64_t count, Rng& rng);

// `count` distinct positions of [0, size) outside `excluded` (ascending), drawn uniformly, ascending: the random
// growth of an unstructured mask. Throws std::invalid_argument when fewer than `count` positions are free.
std::vector<int64_t> randomPositionsOutside(int64_t size, const std::vector<int64_t>& excluded, int64_t count,
                                            Rng& rng);

// The union of two ascending lists of distinct positions that share none, ascending.
std::vector<int64_t> mergePositions(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

}  // namespace ss
