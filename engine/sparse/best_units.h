#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "sparse/unit_layout.h"

namespace ss {

// Keeps, in each group of units (a class for project(), a set for RigL's growth), the units of highest key handed
// to it up to the group's quota (ties: the lower unit), the choice selectTopK over the group's keys would make, and
// yields the positions they hold. Only the candidates are held (a ScoredUnit each), never a key per unit of the layer.
// Groups that are ranges of units (UnitLayout::setsAreRanges) are open one at a time; other layouts have few groups,
// all open to the end.
class BestUnits : public UnitSink {
 public:
  // project()'s choice at a density the scheme has checked: keptInClass units of each class. `expectedPositions`:
  // how many positions they hold, so that the result is allocated once.
  static BestUnits perClass(const UnitLayout& layout, double density, int64_t expectedPositions);
  // RigL's growth: in each set its quota ((set, count) ascending; other sets grow none), among the units not in
  // `excluded` (ascending).
  static BestUnits perSet(const UnitLayout& layout, std::vector<std::pair<int64_t, int64_t>> quotas,
                          std::vector<int64_t> excluded);

  void take(std::span<const ScoredUnit> units) override;
  // The positions of the kept units, ascending. Call once, after the last unit.
  std::vector<int64_t> positions();

 private:
  struct Group {
    int64_t id = 0, quota = 0, lastUnit = 0;
    std::vector<ScoredUnit> heap;  // the worst kept candidate at the front
  };
  BestUnits(const UnitLayout& layout, bool bySet, bool ranges);
  static bool better(const ScoredUnit& a, const ScoredUnit& b) {
    return a.key > b.key || (a.key == b.key && a.unit < b.unit);
  }
  void offer(Group& group, const ScoredUnit& candidate);
  Group& groupOf(int64_t unit);
  Group& open(Group& group, int64_t id);
  void close(Group& group);

  const UnitLayout& layout_;
  bool bySet_, ranges_;
  double density_ = 0.0;                                // perClass
  std::vector<std::pair<int64_t, int64_t>> setQuotas_;  // perSet
  std::vector<int64_t> excluded_;
  size_t passedExcluded_ = 0;  // excluded units below the last unit taken
  std::vector<Group> open_;
  std::vector<int64_t> positions_;
};

}  // namespace ss
