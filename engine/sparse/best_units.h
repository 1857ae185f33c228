#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "sparse/unit_layout.h"

namespace ss {

// Keeps, in each group of units, the `quota` units of highest key handed to it (ties: the lower unit), the choice
// selectTopK over the group's keys would make, and yields the positions they hold: project()'s top units per class
// and RigL's growth per set. Only the candidates are held (16 bytes each), never a key per unit of the layer.
class BestUnits : public UnitSink {
 public:
  struct Groups {
    std::function<int64_t(int64_t unit)> groupOf;
    std::function<int64_t(int64_t group)> quota;
    // Each group is a range of consecutive units, the groups in order (UnitLayout::setsAreRanges): one group is
    // open at a time. Otherwise every group stays open to the end, so there must be few.
    bool ranges = true;
  };

  // `expectedPositions`: how many positions the kept units hold, when known, so that the result is allocated once.
  BestUnits(const UnitLayout& layout, Groups groups, int64_t expectedPositions = 0);

  void take(int64_t unit, double key, int choice) override;
  // The positions of the kept units, ascending. Call once, after the last unit.
  std::vector<int64_t> positions();

  struct Candidate {
    double key;
    int64_t unit : 56;  // a pattern index fits in the other 8 bits, which keeps a candidate at 16 bytes
    int64_t choice : 8;
  };

 private:
  struct Group {
    int64_t id = 0, quota = 0;
    std::vector<Candidate> heap;  // the worst kept candidate at the front
  };
  static bool better(const Candidate& a, const Candidate& b) {
    return a.key > b.key || (a.key == b.key && a.unit < b.unit);
  }
  Group& groupFor(int64_t id);
  Group& open(Group& group, int64_t id);
  void close(Group& group);

  const UnitLayout& layout_;
  Groups groups_;
  std::vector<Group> open_;
  std::vector<int64_t> positions_;
};
static_assert(sizeof(BestUnits::Candidate) == 16);

}  // namespace ss
