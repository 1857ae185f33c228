#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "core/chunked_bytes.h"
#include "store/run_records.h"
#include "store/sqlite_statement.h"
#include "store/store_connection.h"

namespace ss {

// Writes metric rows on its own thread and SQLite connection. Each wake-up commits everything queued
// so far in one transaction, so a fast training loop costs one commit per batch, not per step. A
// failed commit is kept and thrown as RunError from the next call of the owning thread.
class StoreWriter {
 public:
  StoreWriter(const std::string& path, bool readOnly, int64_t maxBytes);
  ~StoreWriter();  // commits what is queued, then stops; never throws
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  void enqueue(int64_t runId, const EpochRecord& record);
  void enqueue(int64_t runId, const StepRecord& record);
  void enqueue(int64_t runId, const MaskChangeEvent& record);
  void enqueue(int64_t runId, const ExamplesRemovedEvent& record);
  void enqueue(int64_t runId, const std::vector<ExampleStatRecord>& records);
  // `bytes` compressed on the writer thread, a piece at a time, and written into the row through SQLite's blob I/O,
  // so the store never holds the checkpoint whole beside its pieces; each run keeps its newest kKeptCheckpoints, and
  // only the final one once it has that.
  void enqueue(int64_t runId, CheckpointRecord record, ChunkedBytes bytes);
  // Coded on the caller's thread: the queue then holds a few bytes per active weight instead of twelve (a position
  // and a float), which for the snapshots of a large layer is the difference between megabytes and a model's worth.
  void enqueue(int64_t runId, const MaskSnapshotRecord& record);
  void enqueue(int64_t runId, ExampleStatsAtEpoch record);  // compressed on the writer thread
  static constexpr int kKeptCheckpoints = 2;
  void flush();  // returns once the queue is empty and committed

 private:
  // A checkpoint on its way: raw as queued, compressed before the transaction that writes it (so a retry after a
  // busy store finds it still whole).
  struct QueuedCheckpoint {
    CheckpointRecord record;  // its own bytes empty
    ChunkedBytes bytes;
    int64_t rawBytes = -1;  // -1 until compressed
  };
  struct CodedSnapshot {
    MaskSnapshotInfo info;
    std::vector<uint8_t> mask, magnitudes;  // encodeSnapshotMask, encodeMagnitudes
  };
  struct Row {
    int64_t runId;
    std::variant<EpochRecord, StepRecord, MaskChangeEvent, ExamplesRemovedEvent, std::vector<ExampleStatRecord>,
                 QueuedCheckpoint, CodedSnapshot, ExampleStatsAtEpoch>
        record;
  };

  void push(Row row);
  void throwPendingError();  // call with mutex_ held
  void writeLoop();
  void commit(const std::vector<Row>& batch);
  void insert(const Row& row);
  void insertCheckpoint(int64_t runId, const QueuedCheckpoint& c);

  std::string path_;
  Connection db_;
  Statement begin_, commit_, insertEpoch_, insertStep_, insertMaskEvent_, insertRemoved_, insertExampleStat_;
  Statement insertCheckpoint_, pruneCheckpoints_, insertMaskSnapshot_, insertStatsHistory_;

  std::mutex mutex_;
  std::condition_variable wake_;  // rows queued or stop requested
  std::condition_variable idle_;  // a batch finished
  std::vector<Row> queue_;
  bool writing_ = false;
  bool stopping_ = false;
  int checkpointsQueued_ = 0;  // queued or being written
  std::string error_;          // the first failure not yet reported to the owning thread
  std::thread thread_;
};

}  // namespace ss
