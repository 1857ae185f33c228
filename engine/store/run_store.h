#pragma once

#include <memory>
#include <string>
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
  explicit RunStore(const std::string& path);  // creates the file and schema if needed
  ~RunStore();                                 // flushes everything queued
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  const std::string& path() const { return path_; }

  // Synchronous: returns the new run's id once its row is committed.
  int64_t beginRun(const std::string& name, const std::string& projectJson, uint64_t seed, int threads);
  void logEpoch(int64_t runId, const EpochRecord& r);
  void logStep(int64_t runId, const StepRecord& r);
  void logMaskChange(int64_t runId, const MaskChangeEvent& e);
  void logExamplesRemoved(int64_t runId, const ExamplesRemovedEvent& e);
  void logExampleStats(int64_t runId, const std::vector<ExampleStatRecord>& stats);
  // Synchronous: flushes the queue, then records the end (time, status, message, final accuracy).
  void endRun(int64_t runId, RunStatus status, const std::string& message, std::optional<double> finalTestAccuracy);
  void flush();  // waits until everything queued is committed

  std::vector<RunSummary> listRuns() const;
  std::vector<EpochRecord> epochs(int64_t runId) const;
  std::vector<StepRecord> steps(int64_t runId) const;
  std::vector<MaskChangeEvent> maskChanges(int64_t runId) const;     // in step order, then layer
  std::vector<int64_t> removedExamples(int64_t runId) const;         // original indices, ascending
  std::vector<ExampleStatRecord> exampleStats(int64_t runId) const;  // by original index

 private:
  std::string path_;
  sqlite3* db_ = nullptr;  // reads and synchronous writes; the writer has its own connection
  std::unique_ptr<StoreWriter> writer_;
};

}  // namespace ss
