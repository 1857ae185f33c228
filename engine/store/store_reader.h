#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/run_records.h"

struct sqlite3;

namespace ss {

// Reads a run store: what a view, a report or a comparison needs. Opening one is cheap (one connection, no
// writer thread, nothing marked or written unless the file holds no store yet), so a window may keep one open
// and read from it as often as it redraws; in WAL mode every read sees the newest commit without waiting for
// a writer. RunStore adds recording and changing runs.
class StoreReader {
 public:
  // Creates the file and schema if needed (a new store is empty, not an error); maxBytes > 0 caps the file.
  explicit StoreReader(const std::string& path, int64_t maxBytes = 0);
  virtual ~StoreReader();
  StoreReader(const StoreReader&) = delete;
  StoreReader& operator=(const StoreReader&) = delete;

  const std::string& path() const { return path_; }

  std::vector<RunSummary> listRuns(const RunFilter& filter = {}) const;
  // Throws InputError naming the run when the store has no such run.
  RunSummary run(int64_t runId) const;
  std::string projectJson(int64_t runId) const;
  std::vector<EpochRecord> epochs(int64_t runId) const;
  std::vector<StepRecord> steps(int64_t runId) const;
  // The memory model's lines as the run (or its newest part) began; empty for runs of older stores.
  std::vector<MemoryLineRecord> memoryLines(int64_t runId) const;
  // Mask history in step order, then layer; fromStep > 0 reads only what was logged at or after it, so a view
  // that follows a run reads what is new, not the whole history again.
  std::vector<MaskChangeEvent> maskChanges(int64_t runId, int64_t fromStep = 0) const;
  // The same without positions (left empty): what plots and totals need, without decoding millions of positions
  // for every change of a large layer.
  std::vector<MaskChangeEvent> maskChangeCounts(int64_t runId) const;
  // One layer's change at a step: the mutation that made a snapshot, if one did.
  std::optional<MaskChangeEvent> maskChange(int64_t runId, int64_t step, const std::string& layer) const;
  std::vector<int64_t> removedExamples(int64_t runId) const;  // original indices, ascending
  // By original index: the run's final statistics, or while it runs those of its newest epoch.
  std::vector<ExampleStatRecord> exampleStats(int64_t runId) const;
  std::vector<ExampleStatsAtEpoch> exampleStatsHistory(int64_t runId) const;  // in epoch order
  // Mask snapshots in step order, then layer, from fromStep on. The infos leave the masks unread: a table of a
  // run's snapshots costs nothing like decoding them all, which for a large layer is megabytes each.
  std::vector<MaskSnapshotInfo> maskSnapshotInfos(int64_t runId, int64_t fromStep = 0) const;
  std::vector<MaskSnapshotRecord> maskSnapshots(int64_t runId, int64_t fromStep = 0) const;
  // One layer's snapshot at a step; throws InputError naming them when the run has none.
  MaskSnapshotRecord maskSnapshot(int64_t runId, int64_t step, const std::string& layer) const;
  std::optional<CheckpointRecord> latestCheckpoint(int64_t runId) const;  // decompressed
  int64_t checkpointBytes(int64_t runId) const;                           // as stored, compressed

  // "ok", or SQLite's description of the damage.
  std::string integrityCheck() const;

 protected:
  // Whether the file refuses writes (read-only file or mount): then the store is only read.
  bool writeProtected() const;

  std::string path_;
  sqlite3* db_ = nullptr;  // reads, and the synchronous writes of RunStore
};

}  // namespace ss
