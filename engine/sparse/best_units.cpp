#include "sparse/best_units.h"

#include <algorithm>

namespace ss {

BestUnits::BestUnits(const UnitLayout& layout, Groups groups, int64_t expectedPositions)
    : layout_(layout), groups_(std::move(groups)) {
  positions_.reserve(size_t(std::max<int64_t>(expectedPositions, 0)));
}

BestUnits::Group& BestUnits::groupFor(int64_t id) {
  if (!open_.empty() && open_.back().id == id) return open_.back();
  if (groups_.ranges && !open_.empty()) {
    close(open_.back());
    return open(open_.back(), id);
  }
  for (Group& group : open_)
    if (group.id == id) return group;
  return open(open_.emplace_back(), id);
}

BestUnits::Group& BestUnits::open(Group& group, int64_t id) {
  group.id = id;
  group.quota = std::max<int64_t>(groups_.quota(id), 0);
  group.heap.reserve(size_t(group.quota));
  return group;
}

void BestUnits::take(int64_t unit, double key, int choice) {
  Group& group = groupFor(groups_.groupOf(unit));
  if (group.quota == 0) return;
  const Candidate candidate{key, unit, choice};
  const auto worstFirst = [](const Candidate& a, const Candidate& b) { return better(a, b); };
  if (int64_t(group.heap.size()) < group.quota) {
    group.heap.push_back(candidate);
    std::push_heap(group.heap.begin(), group.heap.end(), worstFirst);
  } else if (better(candidate, group.heap.front())) {
    std::pop_heap(group.heap.begin(), group.heap.end(), worstFirst);
    group.heap.back() = candidate;
    std::push_heap(group.heap.begin(), group.heap.end(), worstFirst);
  }
}

void BestUnits::close(Group& group) {
  std::sort(group.heap.begin(), group.heap.end(),
            [](const Candidate& a, const Candidate& b) { return a.unit < b.unit; });
  for (const Candidate& c : group.heap) layout_.appendPositions({c.unit, int(c.choice)}, positions_);
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
