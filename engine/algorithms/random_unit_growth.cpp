#include "algorithms/random_unit_growth.h"

#include <algorithm>
#include <unordered_map>

#include "sparse/random_positions.h"

namespace ss {

namespace {
// The rank in the set of its k-th inactive unit: k plus the number of active units ranked before it. The active
// ranks a_0 < a_1 < ... leave a_i - i inactive ones before a_i, a count that never falls along i.
int64_t inactiveRank(const UnitLayout& layout, std::span<const int64_t> active, int64_t k) {
  size_t lo = 0, hi = active.size();
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (layout.rankInSet(active[mid]) - int64_t(mid) <= k)
      lo = mid + 1;
    else
      hi = mid;
  }
  return k + int64_t(lo);
}
}  // namespace

void growRandomUnits(const UnitLayout& layout, const ActiveSets& sets, int64_t set, int64_t count, Rng& rng,
                     std::vector<int64_t>& grown) {
  const int64_t inactive = sets.inactiveIn(set);
  count = std::clamp<int64_t>(count, 0, inactive);
  if (count == 0) return;
  if (layout.drawsPositions()) {
    const std::vector<int64_t> drawn = randomPositionsOutside(layout.setSize(set), sets.all().units, count, rng);
    grown.insert(grown.end(), drawn.begin(), drawn.end());
    return;
  }
  const std::span<const int64_t> active = sets.of(set).units;
  std::unordered_map<int64_t, int64_t> moved;  // slot -> the inactive unit's index a swap left there
  moved.reserve(size_t(count));
  const auto at = [&moved](int64_t slot) {
    const auto it = moved.find(slot);
    return it == moved.end() ? slot : it->second;
  };
  for (int64_t i = 0; i < count; ++i) {
    const int64_t j = i + rng.below(inactive - i);
    const int64_t chosen = at(j);
    moved[j] = at(i);
    const int64_t unit = layout.unitInSet(set, inactiveRank(layout, active, chosen));
    layout.appendPositions({unit, layout.randomChoice(unit, rng)}, grown);
  }
}

}  // namespace ss
