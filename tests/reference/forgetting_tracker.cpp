#include "forgetting_tracker.h"

#include <algorithm>
#include <numeric>

namespace reference {

ForgettingTracker::ForgettingTracker(int examples)
    : presentations_(examples, 0),
      forgotten_(examples, 0),
      everCorrect_(examples, false),
      lastCorrect_(examples, false) {}

void ForgettingTracker::record(int example, bool correct) {
  if (lastCorrect_[example] && !correct) ++forgotten_[example];
  lastCorrect_[example] = correct;
  everCorrect_[example] = everCorrect_[example] || correct;
  ++presentations_[example];
}

int ForgettingTracker::forgettingCount(int example) const {
  return everCorrect_[example] ? forgotten_[example] : presentations_[example];
}

std::vector<int> ForgettingTracker::keptAfterRemoving(int remove) const {
  std::vector<int> order(presentations_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [this](int a, int b) { return forgettingCount(a) < forgettingCount(b); });
  std::vector<int> kept(order.begin() + std::min<std::size_t>(remove, order.size()), order.end());
  std::sort(kept.begin(), kept.end());
  return kept;
}

}  // namespace reference
