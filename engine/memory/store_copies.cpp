#include "memory/store_copies.h"

#include <algorithm>

#include "data/example_tracker.h"
#include "memory/memory_model.h"

namespace ss {

namespace {
constexpr int64_t kCheckpointCopies = 5;
constexpr int64_t kSnapshotCopies = 3;
}  // namespace

int64_t checkpointMaskBytes(const WeightStorage& s) {
  return s.sparse || s.masked ? int64_t(s.rows) * s.cols : 0;
}

int64_t checkpointExampleBytes(int64_t trainExamples) {
  return trainExamples * int64_t(sizeof(int64_t) + sizeof(ExampleStats));
}

int64_t maskSnapshotBytes(const WeightStorage& s) {
  return int64_t(s.rows) * s.cols + s.active * int64_t(sizeof(float));
}

int64_t storeCopiesBytes(int64_t checkpoint, int64_t snapshots) {
  return std::max(kCheckpointCopies * checkpoint, kSnapshotCopies * snapshots);
}

}  // namespace ss
