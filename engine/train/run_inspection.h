#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/store_reader.h"

namespace ss {

struct LayerSnapshotSummary {
  std::string layer;
  int rows = 0, cols = 0;
  int64_t active = 0;
  int64_t step = 0;  // of the snapshot it comes from
  double density() const { return rows && cols ? double(active) / (double(rows) * double(cols)) : 0.0; }
};

// What `sparsescope show` prints and the reports and run browser read: a run's summary with the figures
// derived from its rows.
struct RunDetails {
  RunSummary summary;
  std::optional<EpochRecord> lastEpoch, bestEpoch;  // best by test accuracy
  int64_t maskChanges = 0, weightsDropped = 0, weightsGrown = 0;
  int64_t examplesRemoved = 0;
  std::optional<CheckpointRecord> checkpoint;  // newest; bytes left empty
  int64_t checkpointStoredBytes = 0;
  std::optional<uint64_t> weightsDigest;      // of the newest checkpoint
  std::vector<LayerSnapshotSummary> layers;   // each layer's newest mask snapshot
  std::vector<MemoryLineRecord> memoryLines;  // the memory model's lines and its dense twin's (empty: older store)
};

// Reads one run; throws InputError when the store has no such run, RunError when its checkpoint is damaged.
RunDetails inspectRun(const StoreReader& store, int64_t runId);

}  // namespace ss
