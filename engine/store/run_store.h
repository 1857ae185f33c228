#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/chunked_bytes.h"
#include "store/run_records.h"
#include "store/store_reader.h"

namespace ss {

class StoreWriter;

// One SQLite file (WAL mode) holding every run, for the process that records runs or changes the store.
// Opening it marks runs whose process died while they were "running" as interrupted. Logging calls return at once: rows
// go to a writer thread that commits them in batched transactions, so the training loop never waits on the disk. A
// commit failure (full disk, read-only file) is kept and rethrown as RunError from the next call, naming the file.
class RunStore : public StoreReader {
 public:
  // Creates the file and schema if needed. maxBytes > 0 caps the file's size; reaching it fails like a full disk
  // (for users who budget disk per study, and for the tests that prove a full disk loses nothing).
  explicit RunStore(const std::string& path, int64_t maxBytes = 0);
  ~RunStore() override;  // flushes everything queued

  // Marks runs of this host whose process is gone while they were "running" as interrupted (as opening does),
  // for a long-lived store whose list is shown again later.
  void markInterruptedRuns();

  // Synchronous: returns the new run's id once its row is committed.
  int64_t beginRun(const std::string& name, const std::string& projectJson, uint64_t seed, int threads);
  void logEpoch(int64_t runId, const EpochRecord& r);
  void logStep(int64_t runId, const StepRecord& r);
  void logMaskChange(int64_t runId, const MaskChangeEvent& e);
  void logExamplesRemoved(int64_t runId, const ExamplesRemovedEvent& e);
  void logExampleStats(int64_t runId, const std::vector<ExampleStatRecord>& stats);  // final: a row each
  void logExampleStatsAtEpoch(int64_t runId, int epoch, const std::vector<ExampleStatRecord>& stats);
  // `bytes` is the encoded checkpoint, compressed on the writer thread a piece at a time; the record's own bytes
  // are ignored. The second form takes them from the record, for callers that hold them whole.
  void logCheckpoint(int64_t runId, CheckpointRecord checkpoint, ChunkedBytes bytes);
  void logCheckpoint(int64_t runId, CheckpointRecord checkpoint);
  void logMaskSnapshot(int64_t runId, const MaskSnapshotRecord& snapshot);  // coded before it is queued
  // Synchronous: the memory model's lines as the run (or its resumed part) begins, in place of any before.
  void recordMemoryModel(int64_t runId, const std::vector<MemoryLineRecord>& lines);
  // Synchronous: flushes the queue, then records the end (time, status, message, final accuracy, and what the
  // process measured of its memory).
  void endRun(int64_t runId, RunStatus status, const std::string& message, std::optional<double> finalTestAccuracy,
              std::optional<MeasuredMemory> measured = std::nullopt);
  void flush();  // waits until everything queued is committed

  // Makes an interrupted, cancelled or failed run "running" again in this process and drops what it logged after
  // the checkpoint it continues from, in one transaction. Throws InputError when the run cannot be resumed.
  void reopenForResume(int64_t runId, const ResumePoint& point);
  // Puts a changed project in place of the run's own, for settings that change nothing the run computes (the memory
  // bound a stopped run resumes with); the caller checks that they are all that changed.
  void replaceProjectJson(int64_t runId, const std::string& projectJson);
  // Deletes a run and everything logged for it; a run still going in a live process is refused.
  void deleteRun(int64_t runId);
  // Folds the write-ahead log back and rebuilds the file without free pages; returns the bytes before and after.
  std::pair<int64_t, int64_t> compact();

 private:
  std::unique_ptr<StoreWriter> writer_;  // batched logging on its own connection; db_ takes synchronous writes
};

}  // namespace ss
