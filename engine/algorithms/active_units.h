#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "sparse/unit_layout.h"

namespace ss {

// A layer's active units, ascending, each with the key its scorer gives the scores of its active entries (inactive
// positions score zero): what a mutation ranks, one key per active unit and nothing per position of the layer.
struct ActiveUnits {
  std::vector<int64_t> units;
  std::vector<double> keys;
};

// The active units of ascending `positions` (a layer of `cols` columns), scores[i] belonging to positions[i]; with
// no scores, every key is 0. Both vectors are sized exactly (a first pass counts the units), so a layer at density d
// holds at most 8 d bytes per position in each.
ActiveUnits activeUnits(const UnitLayout& layout, int cols, const std::vector<int64_t>& positions,
                        std::span<const float> scores = {});

// How many of ascending units fall in each set, as (set, count) in ascending order of set, sets without any left out.
std::vector<std::pair<int64_t, int64_t>> countPerSet(const UnitLayout& layout, const std::vector<int64_t>& units);

// The active units of each set with their keys. Sets that are ranges of units are slices of `active`; the few sets of
// a block layout with edges are gathered once.
class ActiveSets {
 public:
  struct Slice {
    std::span<const int64_t> units;  // ascending
    std::span<const double> keys;
  };

  ActiveSets(const UnitLayout& layout, const ActiveUnits& active);
  Slice of(int64_t set) const;
  int64_t inactiveIn(int64_t set) const { return layout_.setSize(set) - int64_t(of(set).units.size()); }
  const ActiveUnits& all() const { return active_; }

 private:
  const UnitLayout& layout_;
  const ActiveUnits& active_;
  std::vector<ActiveUnits> gathered_;  // per set, when sets are not ranges
};

}  // namespace ss
