#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ss {

// Follows every training example through a run (Toneva et al. 2019, as MEST uses it): whether the
// training forward classified it correctly each time it was in a batch, under whatever mask the
// network had then. A forgetting event is a presentation that is wrong right after a correct one.
struct ExampleStats {
  int32_t presentations = 0;
  int32_t forgettingEvents = 0;
  int32_t firstLearnedEpoch = -1;  // epoch of the first correct presentation; -1: never learned
  int32_t removedAtEpoch = -1;     // -1: still in use
  bool lastCorrect = false;
};

class ExampleTracker {
 public:
  explicit ExampleTracker(int64_t exampleCount) : stats_(size_t(exampleCount)) {}

  // One training batch: rows of the training set and, per row, whether this step got it right.
  void record(const std::vector<int64_t>& rows, const std::vector<uint8_t>& correct, int epoch);

  const ExampleStats& stats(int64_t row) const { return stats_[size_t(row)]; }
  int64_t size() const { return int64_t(stats_.size()); }
  // The ranking key: forgetting events, or the presentation count for an example never learned
  // (it counts as forgotten every time, the most forgettable of all).
  int64_t forgettingScore(int64_t row) const;
  int64_t unforgettableCount(const std::vector<int64_t>& rows) const;  // learned and never forgotten

  // Of the rows in use, sorted by forgetting score ascending (ties: lower row first), skips the
  // keepLowest first and returns the next `count`: the examples to remove.
  std::vector<int64_t> selectForRemoval(const std::vector<int64_t>& rowsInUse, int64_t count, int64_t keepLowest) const;
  void markRemoved(const std::vector<int64_t>& rows, int epoch);

  // Every example's statistics, for checkpoints; restore refuses a list of another size.
  const std::vector<ExampleStats>& all() const { return stats_; }
  void restore(std::vector<ExampleStats> stats);

 private:
  std::vector<ExampleStats> stats_;
};

}  // namespace ss
