#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ss {

enum class RunStatus { Running, Finished, Failed, Cancelled, Interrupted };
const char* toString(RunStatus s);
RunStatus runStatusFromString(const std::string& s);  // throws InputError on an unknown name

struct EpochRecord {
  int epoch = 0;     // 1-based
  int64_t step = 0;  // global step at the end of the epoch
  double trainLoss = 0, trainAccuracy = 0;
  double testLoss = 0, testAccuracy = 0;
  double lr = 0, density = 1.0;
  double samplesPerSecond = 0;
  double epochSeconds = 0;
  int64_t examplesInUse = 0;
  int64_t memoryBytes = 0;
};

struct StepRecord {
  int epoch = 0;
  int64_t step = 0;
  double loss = 0, accuracy = 0, lr = 0;
  double samplesPerSecond = 0;
};

// One layer's mask change by a sparse training algorithm. Positions are flat row-major indices into
// the layer's weight matrix (rows x cols), for the GUI's mask viewer.
struct MaskChangeEvent {
  std::string layer;
  int epoch = 0;
  int64_t step = 0;
  int rows = 0, cols = 0;
  int64_t dropped = 0, grown = 0, activeAfter = 0;
  std::vector<int64_t> droppedPositions, grownPositions;
};

// Data efficiency removed examples from training after an epoch; rows are training-set rows, and
// originalIndices their positions in the data file.
struct ExamplesRemovedEvent {
  int epoch = 0;
  std::vector<int64_t> rows, originalIndices;
  int64_t remaining = 0;
  int64_t unforgettable = 0;  // examples in use before removal that were learned and never forgotten
};

// One training example's forgetting statistics at the end of a run, by its index in the data file.
struct ExampleStatRecord {
  int64_t originalIndex = 0;
  int32_t presentations = 0, forgettingEvents = 0;
  int32_t firstLearnedEpoch = -1, removedAtEpoch = -1;
};

struct RunSummary {
  int64_t id = 0;
  std::string name;
  std::string status;
  std::string message;  // failure reason, if any
  uint64_t seed = 0;
  int threads = 0;
  std::string startedAt, endedAt;  // ISO 8601 UTC
  int epochsLogged = 0;
  std::optional<double> finalTestAccuracy;
};

}  // namespace ss
