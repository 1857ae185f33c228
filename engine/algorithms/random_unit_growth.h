#pragma once

#include <cstdint>
#include <vector>

#include "algorithms/active_units.h"
#include "core/rng.h"

namespace ss {

// Grows `count` random units of `set` among those inactive in `sets` (never more than there are) and appends the
// positions they hold, unsorted.
//
// A structured layout draws them as the shuffle the group path made: a partial Fisher-Yates shuffle over the set's
// inactive units in order (one rng.below per unit grown), each grown unit then drawing its random scores
// (UnitLayout::randomChoice). The list is never made: the shuffle keeps only the slots it has disturbed, and the
// k-th inactive unit is found from the set's active ones by binary search, so the memory is of the order of `count`,
// not of the set. A layout that drawsPositions() draws the positions themselves (sparse/random_positions.h).
void growRandomUnits(const UnitLayout& layout, const ActiveSets& sets, int64_t set, int64_t count, Rng& rng,
                     std::vector<int64_t>& grown);

}  // namespace ss
