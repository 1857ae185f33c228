#include "algorithms/unit_mutation.h"

#include <algorithm>
#include <unordered_map>

#include "algorithms/random_unit_growth.h"
#include "sparse/random_positions.h"
#include "sparse/scheme.h"

namespace ss {

namespace {
// Appends to `kept` (when given) the `keep` highest-keyed of `units` (ties: the lower unit) and the others to
// `dropped`, both in the order of `units`.
void splitBest(std::span<const int64_t> units, std::span<const double> keys, int64_t keep, std::vector<int64_t>* kept,
               std::vector<int64_t>& dropped) {
  std::vector<int64_t> order;
  selectTopK(keys.data(), int64_t(keys.size()), keep, order);
  size_t next = 0;  // order[0, keep) is ascending
  for (size_t i = 0; i < units.size(); ++i) {
    if (next < size_t(keep) && order[next] == int64_t(i)) {
      ++next;
      if (kept) kept->push_back(units[i]);
    } else {
      dropped.push_back(units[i]);
    }
  }
}

// The `count` lowest-keyed active units as the greedy walk from the lowest up takes them when a set stops dropping
// once it has lost as many units as it has inactive ones.
std::vector<int64_t> dropLowestWithinLimits(const UnitLayout& layout, const ActiveUnits& active, const ActiveSets& sets,
                                            int64_t count) {
  std::vector<int64_t> order(active.units.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = int64_t(i);
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    const double ka = active.keys[size_t(a)], kb = active.keys[size_t(b)];
    return ka < kb || (ka == kb && active.units[size_t(a)] > active.units[size_t(b)]);
  });
  std::unordered_map<int64_t, int64_t> droppedIn;  // per set
  std::vector<int64_t> dropped;
  for (int64_t i : order) {
    if (count <= 0) break;
    const int64_t unit = active.units[size_t(i)];
    const int64_t set = layout.setOf(unit);
    int64_t& n = droppedIn[set];
    if (n >= sets.inactiveIn(set)) continue;
    ++n;
    dropped.push_back(unit);
    --count;
  }
  std::sort(dropped.begin(), dropped.end());
  return dropped;
}

// Grows, in each set (ascending), as many random units as the set dropped.
std::vector<int64_t> growAsDropped(const UnitLayout& layout, const ActiveSets& sets,
                                   const std::vector<int64_t>& dropped, Rng& rng) {
  std::vector<int64_t> grown;
  for (const auto& [set, n] : countPerSet(layout, dropped)) growRandomUnits(layout, sets, set, n, rng, grown);
  std::sort(grown.begin(), grown.end());
  return grown;
}
}  // namespace

KeptAndDropped keepBestUnits(const ActiveUnits& active, int64_t keep) {
  keep = std::clamp<int64_t>(keep, 0, int64_t(active.units.size()));
  KeptAndDropped out;
  out.kept.reserve(size_t(keep));
  out.dropped.reserve(active.units.size() - size_t(keep));
  splitBest(active.units, active.keys, keep, &out.kept, out.dropped);
  return out;
}

UnitChange swapUnits(const UnitLayout& layout, const ActiveUnits& active, int64_t count, Rng& rng) {
  const ActiveSets sets(layout, active);
  const int64_t n = int64_t(active.units.size());
  count = std::clamp<int64_t>(count, 0, n);
  // The plain lowest `count` are the greedy walk's choice whenever no set loses more than it can regrow.
  UnitChange change;
  change.dropped = keepBestUnits(active, n - count).dropped;
  for (const auto& [set, dropped] : countPerSet(layout, change.dropped))
    if (dropped > sets.inactiveIn(set)) {
      change.dropped = dropLowestWithinLimits(layout, active, sets, count);
      break;
    }
  change.grownPositions = growAsDropped(layout, sets, change.dropped, rng);
  return change;
}

UnitChange pruneAndGrowUnits(const UnitLayout& layout, const ActiveUnits& active, const std::vector<int64_t>& keep,
                             const std::vector<int64_t>& growTo, Rng& rng) {
  const ActiveSets sets(layout, active);
  UnitChange change;
  for (int64_t set = 0; set < layout.setCount(); ++set) {
    const ActiveSets::Slice slice = sets.of(set);
    const int64_t activeIn = int64_t(slice.units.size());
    int64_t kept = std::clamp<int64_t>(keep[size_t(set)], 0, activeIn);
    const int64_t target = std::clamp<int64_t>(growTo[size_t(set)], kept, layout.setSize(set));
    kept = std::max(kept, target - sets.inactiveIn(set));
    splitBest(slice.units, slice.keys, kept, nullptr, change.dropped);
    growRandomUnits(layout, sets, set, target - kept, rng, change.grownPositions);
  }
  std::sort(change.dropped.begin(), change.dropped.end());
  std::sort(change.grownPositions.begin(), change.grownPositions.end());
  return change;
}

std::vector<int64_t> positionsAfter(const UnitLayout& layout, const std::vector<int64_t>& positions,
                                    const UnitChange& change) {
  const auto survives = [&](int64_t p) {
    return !std::binary_search(change.dropped.begin(), change.dropped.end(), layout.unitOf(p));
  };
  std::vector<int64_t> kept;
  kept.reserve(size_t(std::count_if(positions.begin(), positions.end(), survives)));
  std::copy_if(positions.begin(), positions.end(), std::back_inserter(kept), survives);
  return mergePositions(kept, change.grownPositions);
}

}  // namespace ss
