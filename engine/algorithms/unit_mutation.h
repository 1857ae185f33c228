#pragma once

#include <cstdint>
#include <vector>

#include "algorithms/active_units.h"
#include "core/rng.h"

namespace ss {

// The drop-and-grow steps on a layer's units (sparse/unit_layout.h), for every scheme: the active units and their
// keys in, the units dropped and the positions grown out, never a byte or a score per position of the layer.
// Ranking: a lower key drops first, ties drop the higher unit; NaN scores rank lowest (rankKey). Grown units were
// inactive before the step, drawn at random (random_unit_growth.h) or, for RigL, chosen by gradient
// (gradient_growth.h).
struct UnitChange {
  std::vector<int64_t> dropped;         // active units, ascending
  std::vector<int64_t> grownPositions;  // ascending
};

// The `keep` highest-keyed active units (ties: the lower unit) and the others, both ascending.
struct KeptAndDropped {
  std::vector<int64_t> kept, dropped;
};
KeptAndDropped keepBestUnits(const ActiveUnits& active, int64_t keep);

// SET's step, and MEST's on balanced layouts: drops the `count` lowest-keyed active units and grows as many random
// ones in the same sets, so every set keeps its active count. A set never drops more units than it has inactive ones
// to grow into; the next lowest elsewhere drop instead.
UnitChange swapUnits(const UnitLayout& layout, const ActiveUnits& active, int64_t count, Rng& rng);

// MEST's elastic step: per set i, keeps the keep[i] highest-keyed active units, then grows random units that were
// inactive before until growTo[i] are active. When a set has too few inactive units for that, it drops fewer rather
// than dropping and regrowing the same unit.
UnitChange pruneAndGrowUnits(const UnitLayout& layout, const ActiveUnits& active, const std::vector<int64_t>& keep,
                             const std::vector<int64_t>& growTo, Rng& rng);

// The positions active after the step: those of `positions` (ascending, the layer's active ones before it) in units
// not dropped, and the grown ones, ascending.
std::vector<int64_t> positionsAfter(const UnitLayout& layout, const std::vector<int64_t>& positions,
                                    const UnitChange& change);

}  // namespace ss
