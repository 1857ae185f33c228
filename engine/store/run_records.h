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
  int64_t memoryBytes = 0;   // the memory model's training peak
  int64_t rssBytes = 0;      // the process's resident set, measured at the epoch's end
  int64_t peakRssBytes = 0;  // its high-water mark since the run's base (0 in rows of older stores)
  int64_t baseRssBytes = 0;  // the resident set before the run read its data: the measured need is peak - base
};

// One line of the memory model as the run store keeps it: bytes of the run's model and of its dense twin.
struct MemoryLineRecord {
  std::string line;
  int64_t bytes = 0, denseBytes = 0;
};

// What the process measured while it trained a run (the newest part of a resumed one).
struct MeasuredMemory {
  int64_t baseBytes = 0;  // resident set before the data was read
  int64_t peakBytes = 0;  // the highest resident set after that
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

// A checkpoint as the store keeps it: the trainer's encoded bytes (train/checkpoint.h), compressed on writing.
struct CheckpointRecord {
  int64_t id = 0;    // assigned by the store; newer checkpoints have larger ids
  int epoch = 0;     // the epoch it was taken in (at an epoch's end: that epoch)
  int64_t step = 0;  // steps trained
  std::string kind;  // periodic | cancel | final
  std::vector<uint8_t> bytes;
};

// Every example's statistics at the end of one epoch.
struct ExampleStatsAtEpoch {
  int epoch = 0;
  std::vector<ExampleStatRecord> stats;
};

// Which layer a mask snapshot is of, when it was taken and how many of its weights were active: what tables and
// lists need, read without the mask itself.
struct MaskSnapshotInfo {
  std::string layer;
  int epoch = 0;
  int64_t step = 0;
  int rows = 0, cols = 0;
  int64_t active = 0;
  bool hasMagnitudes = false;  // kept its active weights' |w| (snapshots since store schema 4)
};

// One layer's whole mask at a step: at the start, after mutations, at the end. Its active weights' flat row-major
// positions, ascending, in memory as on disk (position-coded there): nothing the size of the layer, which for a
// sparse layer too large to hold dense is the point.
struct MaskSnapshotRecord : MaskSnapshotInfo {
  std::vector<int64_t> positions;
  // |w| of the active weights, in the order of `positions`; empty in snapshots of older stores.
  std::vector<float> magnitudes;
};

struct RunSummary {
  int64_t id = 0;
  std::string name;
  std::string status;
  std::string message;  // failure reason, if any
  uint64_t seed = 0;
  int threads = 0;
  std::string startedAt, endedAt;  // ISO 8601 UTC
  std::string host, engineVersion;
  int epochsLogged = 0;
  std::optional<double> finalTestAccuracy;
  // From the project as run, for filters and tables.
  std::string algorithm, scheme;
  double target = 0;
  int epochs = 0;
  double elapsedSeconds = 0;  // the logged epochs' training and evaluation time
  // The sweep the run belongs to (empty: none), and its place there apart from sparsity and seed: the labels
  // of its other axis values ("mest-em-s"), the curve a sweep summary draws it on.
  std::string sweepId, sweepSeries;
  std::optional<MeasuredMemory> measuredMemory;  // once the run (or its newest part) has ended
};

// Which runs `listRuns` returns; empty fields do not filter.
struct RunFilter {
  std::string status;
  std::string nameContains;
  std::string algorithm;
};

// Where a resumed run continues: logged rows after this point are dropped, since the run will log them again.
struct ResumePoint {
  int epoch = 1;              // the epoch the run continues in
  int64_t step = 0;           // steps already trained
  bool epochStarted = false;  // the epoch's start-of-epoch mutation has already been logged
};

}  // namespace ss
