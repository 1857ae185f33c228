#include "data/example_tracker.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ss {

void ExampleTracker::record(const std::vector<int64_t>& rows, const std::vector<uint8_t>& correct, int epoch) {
  for (size_t i = 0; i < rows.size(); ++i) {
    ExampleStats& s = stats_[size_t(rows[i])];
    const bool right = correct[i] != 0;
    if (s.presentations > 0 && s.lastCorrect && !right) ++s.forgettingEvents;
    if (right && s.firstLearnedEpoch < 0) s.firstLearnedEpoch = epoch;
    s.lastCorrect = right;
    ++s.presentations;
  }
}

int64_t ExampleTracker::forgettingScore(int64_t row) const {
  const ExampleStats& s = stats_[size_t(row)];
  return s.firstLearnedEpoch < 0 ? s.presentations : s.forgettingEvents;
}

int64_t ExampleTracker::unforgettableCount(const std::vector<int64_t>& rows) const {
  int64_t n = 0;
  for (int64_t r : rows) {
    const ExampleStats& s = stats_[size_t(r)];
    n += s.firstLearnedEpoch >= 0 && s.forgettingEvents == 0;
  }
  return n;
}

std::vector<int64_t> ExampleTracker::selectForRemoval(const std::vector<int64_t>& rowsInUse, int64_t count,
                                                      int64_t keepLowest) const {
  std::vector<int64_t> order = rowsInUse;
  std::stable_sort(order.begin(), order.end(), [this](int64_t a, int64_t b) {
    const int64_t sa = forgettingScore(a), sb = forgettingScore(b);
    return sa != sb ? sa < sb : a < b;
  });
  const size_t begin = size_t(std::clamp<int64_t>(keepLowest, 0, int64_t(order.size())));
  const size_t end = std::min(order.size(), begin + size_t(std::max<int64_t>(0, count)));
  std::vector<int64_t> chosen(order.begin() + ptrdiff_t(begin), order.begin() + ptrdiff_t(end));
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

void ExampleTracker::markRemoved(const std::vector<int64_t>& rows, int epoch) {
  for (int64_t r : rows) stats_[size_t(r)].removedAtEpoch = epoch;
}

void ExampleTracker::restore(std::vector<ExampleStats> stats) {
  if (stats.size() != stats_.size())
    throw std::invalid_argument("ExampleTracker::restore: " + std::to_string(stats.size()) + " examples given, " +
                                std::to_string(stats_.size()) + " tracked");
  stats_ = std::move(stats);
}

}  // namespace ss
