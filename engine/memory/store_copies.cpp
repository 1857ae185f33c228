#include "memory/store_copies.h"

#include <algorithm>

#include "data/example_tracker.h"
#include "memory/memory_model.h"

namespace ss {

namespace {
// SQLite's default page cache (cache_size -2000, in KiB) of the writer's connection, which the store leaves as it
// is: writing a checkpoint of more than that fills it.
constexpr int64_t kWriterPageCacheBytes = 2000 * 1024;

// A LEB128 varint's length for the mean gap between active weights.
int64_t meanGapVarintBytes(int64_t size, int64_t active) {
  int64_t gap = size / std::max<int64_t>(active, 1), bytes = 1;
  while (gap >= 128) {
    gap >>= 7;
    ++bytes;
  }
  return bytes;
}
}  // namespace

int64_t codedMaskBytes(const WeightStorage& s) {
  if (!s.sparse && !s.masked) return 0;
  const int64_t size = int64_t(s.rows) * s.cols;
  return std::min((size + 7) / 8, s.active * meanGapVarintBytes(size, s.active));
}

int64_t checkpointExampleBytes(int64_t trainExamples) {
  return trainExamples * int64_t(sizeof(int64_t) + sizeof(ExampleStats));
}

int64_t maskSnapshotTakenBytes(const WeightStorage& s) {
  return s.active * int64_t(sizeof(int64_t) + sizeof(float));
}

int64_t maskSnapshotQueuedBytes(const WeightStorage& s) {
  return codedMaskBytes(s) + s.active;
}

int64_t storeCopiesBytes(int64_t checkpoint, int64_t snapshots) {
  return std::max(checkpoint, snapshots) + kWriterPageCacheBytes;
}

}  // namespace ss
