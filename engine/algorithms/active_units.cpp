#include "algorithms/active_units.h"

#include <algorithm>
#include <map>

namespace ss {

namespace {
// Hands ascending positions with their scores to the layout's scorer, one row at a time.
void scoreEntries(const UnitLayout& layout, int cols, const std::vector<int64_t>& positions,
                  std::span<const float> scores, UnitSink& sink) {
  const std::unique_ptr<UnitScorer> scorer = layout.scorer(sink);
  std::vector<int> columns;
  std::vector<float> values;
  for (size_t i = 0; i < positions.size();) {
    const int row = int(positions[i] / cols);
    columns.clear();
    values.clear();
    for (; i < positions.size() && positions[i] / cols == row; ++i) {
      columns.push_back(int(positions[i] % cols));
      values.push_back(scores.empty() ? 0.0f : scores[i]);
    }
    scorer->addRow(row, columns, values);
  }
  scorer->finish();
}

struct Counter : UnitSink {
  int64_t count = 0;
  void take(std::span<const ScoredUnit> units) override { count += int64_t(units.size()); }
};

struct Collector : UnitSink {
  ActiveUnits& out;
  explicit Collector(ActiveUnits& o) : out(o) {}
  void take(std::span<const ScoredUnit> units) override {
    for (const ScoredUnit& u : units) {
      out.units.push_back(u.unit);
      out.keys.push_back(u.key);
    }
  }
};
}  // namespace

ActiveUnits activeUnits(const UnitLayout& layout, int cols, const std::vector<int64_t>& positions,
                        std::span<const float> scores) {
  Counter counter;
  scoreEntries(layout, cols, positions, {}, counter);
  ActiveUnits out;
  out.units.reserve(size_t(counter.count));
  out.keys.reserve(size_t(counter.count));
  Collector collector(out);
  scoreEntries(layout, cols, positions, scores, collector);
  return out;
}

std::vector<std::pair<int64_t, int64_t>> countPerSet(const UnitLayout& layout, const std::vector<int64_t>& units) {
  std::vector<std::pair<int64_t, int64_t>> out;
  if (!layout.setsAreRanges()) {
    std::map<int64_t, int64_t> bySet;
    for (int64_t unit : units) ++bySet[layout.setOf(unit)];
    return {bySet.begin(), bySet.end()};
  }
  for (int64_t unit : units) {
    const int64_t set = layout.setOf(unit);
    if (out.empty() || out.back().first != set) out.push_back({set, 0});
    ++out.back().second;
  }
  return out;
}

ActiveSets::ActiveSets(const UnitLayout& layout, const ActiveUnits& active) : layout_(layout), active_(active) {
  if (layout.setsAreRanges()) return;
  gathered_.resize(size_t(layout.setCount()));
  for (size_t i = 0; i < active.units.size(); ++i) {
    ActiveUnits& set = gathered_[size_t(layout.setOf(active.units[i]))];
    set.units.push_back(active.units[i]);
    set.keys.push_back(active.keys[i]);
  }
}

ActiveSets::Slice ActiveSets::of(int64_t set) const {
  if (!gathered_.empty()) return {gathered_[size_t(set)].units, gathered_[size_t(set)].keys};
  const auto& units = active_.units;
  const auto first = std::lower_bound(units.begin(), units.end(), layout_.unitInSet(set, 0));
  const auto last = std::upper_bound(first, units.end(), layout_.unitInSet(set, layout_.setSize(set) - 1));
  const size_t begin = size_t(first - units.begin()), count = size_t(last - first);
  return {std::span(units).subspan(begin, count), std::span(active_.keys).subspan(begin, count)};
}

}  // namespace ss
