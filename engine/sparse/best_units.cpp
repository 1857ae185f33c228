#include "sparse/best_units.h"

#include <algorithm>

namespace ss {

BestUnits::BestUnits(const UnitLayout& layout, bool bySet, bool ranges)
    : layout_(layout), bySet_(bySet), ranges_(ranges) {}

BestUnits BestUnits::perClass(const UnitLayout& layout, double density, int64_t expectedPositions) {
  BestUnits best(layout, false, layout.classesAreRanges());
  best.density_ = density;
  best.positions_.reserve(size_t(std::max<int64_t>(expectedPositions, 0)));
  return best;
}

BestUnits BestUnits::perSet(const UnitLayout& layout, std::vector<std::pair<int64_t, int64_t>> quotas,
                            std::vector<int64_t> excluded) {
  BestUnits best(layout, true, layout.setsAreRanges());
  best.setQuotas_ = std::move(quotas);
  best.excluded_ = std::move(excluded);
  return best;
}

// The group of a unit past the open range group, or of any unit in a layout whose groups are not ranges. Classes
// that are ranges are the sets (UnitLayout), so a range group ends where its set does.
BestUnits::Group& BestUnits::groupOf(int64_t unit) {
  const int64_t id = bySet_ ? layout_.setOf(unit) : layout_.classOf(unit);
  if (!open_.empty() && open_.back().id == id) return open_.back();
  if (ranges_ && !open_.empty()) {
    close(open_.back());
    return open(open_.back(), id);
  }
  for (Group& group : open_)
    if (group.id == id) return group;
  return open(open_.emplace_back(), id);
}

BestUnits::Group& BestUnits::open(Group& group, int64_t id) {
  group.id = id;
  if (bySet_) {
    const auto it = std::lower_bound(setQuotas_.begin(), setQuotas_.end(), std::pair<int64_t, int64_t>{id, 0});
    group.quota = it != setQuotas_.end() && it->first == id ? it->second : 0;
  } else {
    group.quota = std::max<int64_t>(layout_.keptInClass(id, density_), 0);
  }
  if (ranges_) group.lastUnit = layout_.unitInSet(id, layout_.setSize(id) - 1);
  group.heap.reserve(size_t(group.quota));
  return group;
}

// The scorers hand over every weight of a dense gradient, nearly all of them rejected: the loop keeps that path to
// a few comparisons (an excluded unit, the open range group, the worst kept candidate) and leaves the rest to offer().
void BestUnits::take(std::span<const ScoredUnit> units) {
  for (const ScoredUnit& candidate : units) {
    while (passedExcluded_ < excluded_.size() && excluded_[passedExcluded_] < candidate.unit) ++passedExcluded_;
    if (passedExcluded_ < excluded_.size() && excluded_[passedExcluded_] == candidate.unit) continue;
    Group& group =
        ranges_ && !open_.empty() && candidate.unit <= open_.back().lastUnit ? open_.back() : groupOf(candidate.unit);
    if (int64_t(group.heap.size()) == group.quota && (group.quota == 0 || !better(candidate, group.heap.front())))
      continue;
    offer(group, candidate);
  }
}

void BestUnits::offer(Group& group, const ScoredUnit& candidate) {
  const auto worstFirst = [](const ScoredUnit& a, const ScoredUnit& b) { return better(a, b); };
  if (int64_t(group.heap.size()) < group.quota) {
    group.heap.push_back(candidate);
    std::push_heap(group.heap.begin(), group.heap.end(), worstFirst);
    return;
  }
  std::pop_heap(group.heap.begin(), group.heap.end(), worstFirst);
  group.heap.back() = candidate;
  std::push_heap(group.heap.begin(), group.heap.end(), worstFirst);
}

void BestUnits::close(Group& group) {
  std::sort(group.heap.begin(), group.heap.end(),
            [](const ScoredUnit& a, const ScoredUnit& b) { return a.unit < b.unit; });
  for (const ScoredUnit& c : group.heap) layout_.appendPositions({c.unit, int(c.choice)}, positions_);
  group.heap.clear();  // a range layout opens the next group in the same storage
}

std::vector<int64_t> BestUnits::positions() {
  for (Group& group : open_) close(group);
  open_.clear();
  // Units of a range layout hold ascending positions in unit order; blocks of one row group interleave, and groups
  // that stay open interleave too.
  if (!std::is_sorted(positions_.begin(), positions_.end())) std::sort(positions_.begin(), positions_.end());
  return std::move(positions_);
}

}  // namespace ss
