#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

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
  // Compressed on the writer thread; each run keeps its newest kKeptCheckpoints, and only the final one once
  // it has that.
  void enqueue(int64_t runId, CheckpointRecord record);
  void enqueue(int64_t runId, MaskSnapshotRecord record);
  void enqueue(int64_t runId, ExampleStatsAtEpoch record);  // compressed on the writer thread
  static constexpr int kKeptCheckpoints = 2;
  void flush();  // returns once the queue is empty and committed

 private:
  struct Row {
    int64_t runId;
    std::variant<EpochRecord, StepRecord, MaskChangeEvent, ExamplesRemovedEvent, std::vector<ExampleStatRecord>,
                 CheckpointRecord, MaskSnapshotRecord, ExampleStatsAtEpoch>
        record;
  };

  void push(Row row);
  void throwPendingError();  // call with mutex_ held
  void writeLoop();
  void commit(const std::vector<Row>& batch);
  void insert(const Row& row);
  void insertCheckpoint(int64_t runId, const CheckpointRecord& c);

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
