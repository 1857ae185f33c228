#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/run_records.h"

struct sqlite3;

namespace ss {

class StoreWriter;

// One SQLite file (WAL mode) holding every run. Opening it marks runs whose process died while they
// were "running" as interrupted. Logging calls return at once: rows go to a writer thread that commits
// them in batched transactions, so the training loop never waits on the disk. A commit failure (full
// disk, read-only file) is kept and rethrown as RunError from the next call, naming the file.
class RunStore {
 public:
  // Creates the file and schema if needed. maxBytes > 0 caps the file's size; reaching it fails like a full disk
  // (for users who budget disk per study, and for the tests that prove a full disk loses nothing).
  explicit RunStore(const std::string& path, int64_t maxBytes = 0);
  ~RunStore();  // flushes everything queued
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  const std::string& path() const { return path_; }

  // Synchronous: returns the new run's id once its row is committed.
  int64_t beginRun(const std::string& name, const std::string& projectJson, uint64_t seed, int threads);
  void logEpoch(int64_t runId, const EpochRecord& r);
  void logStep(int64_t runId, const StepRecord& r);
  void logMaskChange(int64_t runId, const MaskChangeEvent& e);
  void logExamplesRemoved(int64_t runId, const ExamplesRemovedEvent& e);
  void logExampleStats(int64_t runId, const std::vector<ExampleStatRecord>& stats);  // final: a row each
  void logExampleStatsAtEpoch(int64_t runId, int epoch, const std::vector<ExampleStatRecord>& stats);
  void logCheckpoint(int64_t runId, CheckpointRecord checkpoint);
  void logMaskSnapshot(int64_t runId, MaskSnapshotRecord snapshot);
  // Synchronous: flushes the queue, then records the end (time, status, message, final accuracy).
  void endRun(int64_t runId, RunStatus status, const std::string& message, std::optional<double> finalTestAccuracy);
  void flush();  // waits until everything queued is committed

  std::vector<RunSummary> listRuns(const RunFilter& filter = {}) const;
  // Throws InputError naming the run when the store has no such run.
  RunSummary run(int64_t runId) const;
  std::string projectJson(int64_t runId) const;
  std::vector<EpochRecord> epochs(int64_t runId) const;
  std::vector<StepRecord> steps(int64_t runId) const;
  // Mask history in step order, then layer; fromStep > 0 reads only what was logged at or after it, so a view
  // that follows a run reads what is new, not the whole history again.
  std::vector<MaskChangeEvent> maskChanges(int64_t runId, int64_t fromStep = 0) const;
  std::vector<int64_t> removedExamples(int64_t runId) const;  // original indices, ascending
  // By original index: the run's final statistics, or while it runs those of its newest epoch.
  std::vector<ExampleStatRecord> exampleStats(int64_t runId) const;
  std::vector<ExampleStatsAtEpoch> exampleStatsHistory(int64_t runId) const;  // in epoch order
  std::vector<MaskSnapshotRecord> maskSnapshots(int64_t runId, int64_t fromStep = 0) const;
  std::optional<CheckpointRecord> latestCheckpoint(int64_t runId) const;  // decompressed
  int64_t checkpointBytes(int64_t runId) const;                           // as stored, compressed

  // Makes an interrupted, cancelled or failed run "running" again in this process and drops what it logged after
  // the checkpoint it continues from, in one transaction. Throws InputError when the run cannot be resumed.
  void reopenForResume(int64_t runId, const ResumePoint& point);
  // Deletes a run and everything logged for it; a run still going in a live process is refused.
  void deleteRun(int64_t runId);
  // Folds the write-ahead log back and rebuilds the file without free pages; returns the bytes before and after.
  std::pair<int64_t, int64_t> compact();
  // "ok", or SQLite's description of the damage.
  std::string integrityCheck() const;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;  // reads and synchronous writes; the writer has its own connection
  std::unique_ptr<StoreWriter> writer_;
};

}  // namespace ss
