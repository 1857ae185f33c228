#pragma once

#include <vector>

namespace reference {

// Forgetting events (Toneva et al. 2019) from the training forward passes themselves: an event is a
// presentation classified wrongly right after one classified correctly.
class ForgettingTracker {
 public:
  explicit ForgettingTracker(int examples);

  void record(int example, bool correct);
  // An example never classified correctly counts as forgotten at every presentation (the maximum).
  int forgettingCount(int example) const;
  // The training examples left after removing the `remove` with the lowest counts; ties go by example
  // index (the lower first removed), a deterministic choice Toneva et al.'s sort leaves open.
  std::vector<int> keptAfterRemoving(int remove) const;

 private:
  std::vector<int> presentations_;
  std::vector<int> forgotten_;
  std::vector<bool> everCorrect_;
  std::vector<bool> lastCorrect_;
};

}  // namespace reference
