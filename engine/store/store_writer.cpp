#include "store/store_writer.h"

#include <sqlite3.h>

#include <exception>

#include "core/error.h"

namespace ss {

StoreWriter::StoreWriter(const std::string& path, bool readOnly)
    : path_(path),
      db_(openStoreConnection(path, readOnly)),
      begin_(db_.get(), "BEGIN IMMEDIATE", path, "cannot log metrics"),
      commit_(db_.get(), "COMMIT", path, "cannot log metrics"),
      insertEpoch_(db_.get(),
                   "INSERT OR REPLACE INTO epoch_metrics (run_id, epoch, step, train_loss, train_accuracy, "
                   "test_loss, test_accuracy, lr, density, samples_per_second, epoch_seconds, examples_in_use, "
                   "memory_bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                   path, "cannot log an epoch"),
      insertStep_(db_.get(),
                  "INSERT OR REPLACE INTO step_metrics (run_id, step, epoch, loss, accuracy, lr, "
                  "samples_per_second) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                  path, "cannot log a step"),
      insertMaskEvent_(db_.get(),
                       "INSERT OR REPLACE INTO mask_events (run_id, step, layer, epoch, rows, cols, dropped, grown, "
                       "active_after, dropped_positions, grown_positions) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                       path, "cannot log a mask change"),
      insertRemoved_(db_.get(),
                     "INSERT OR REPLACE INTO removed_examples (run_id, original_index, epoch) VALUES (?1, ?2, ?3)",
                     path, "cannot log removed examples"),
      insertExampleStat_(db_.get(),
                         "INSERT OR REPLACE INTO example_stats (run_id, original_index, presentations, "
                         "forgetting_events, first_learned_epoch, removed_at_epoch) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                         path, "cannot log example statistics"),
      thread_(&StoreWriter::writeLoop, this) {}

StoreWriter::~StoreWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void StoreWriter::enqueue(int64_t runId, const EpochRecord& record) {
  push(Row{runId, record});
}

void StoreWriter::enqueue(int64_t runId, const StepRecord& record) {
  push(Row{runId, record});
}

void StoreWriter::enqueue(int64_t runId, const MaskChangeEvent& record) {
  push(Row{runId, record});
}

void StoreWriter::enqueue(int64_t runId, const ExamplesRemovedEvent& record) {
  push(Row{runId, record});
}

void StoreWriter::enqueue(int64_t runId, const std::vector<ExampleStatRecord>& records) {
  push(Row{runId, records});
}

void StoreWriter::push(Row row) {
  {
    std::lock_guard lock(mutex_);
    throwPendingError();
    queue_.push_back(std::move(row));
  }
  wake_.notify_one();
}

void StoreWriter::flush() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && !writing_; });
  throwPendingError();
}

void StoreWriter::throwPendingError() {
  if (error_.empty()) return;
  const std::string message = std::move(error_);
  error_.clear();
  throw RunError(message);
}

void StoreWriter::writeLoop() {
  std::vector<Row> batch;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything is written
    batch.swap(queue_);
    writing_ = true;
    lock.unlock();

    std::string failure;
    try {
      commit(batch);
    } catch (const std::exception& e) {
      failure = e.what();
    } catch (...) {
      failure = path_ + ": cannot log metrics: unknown error";
    }
    batch.clear();

    lock.lock();
    writing_ = false;
    if (!failure.empty() && error_.empty()) error_ = std::move(failure);
    idle_.notify_all();
  }
}

void StoreWriter::commit(const std::vector<Row>& batch) {
  begin_.run();
  try {
    for (const Row& row : batch) insert(row);
    commit_.run();
  } catch (...) {
    // SQLite may already have rolled back (a full disk does); otherwise undo the partial batch.
    if (!sqlite3_get_autocommit(db_.get())) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void StoreWriter::insert(const Row& row) {
  if (const auto* e = std::get_if<EpochRecord>(&row.record)) {
    insertEpoch_.bindInt(1, row.runId)
        .bindInt(2, e->epoch)
        .bindInt(3, e->step)
        .bindDouble(4, e->trainLoss)
        .bindDouble(5, e->trainAccuracy)
        .bindDouble(6, e->testLoss)
        .bindDouble(7, e->testAccuracy)
        .bindDouble(8, e->lr)
        .bindDouble(9, e->density)
        .bindDouble(10, e->samplesPerSecond)
        .bindDouble(11, e->epochSeconds)
        .bindInt(12, e->examplesInUse)
        .bindInt(13, e->memoryBytes)
        .run();
    return;
  }
  if (const auto* m = std::get_if<MaskChangeEvent>(&row.record)) {
    insertMaskEvent_.bindInt(1, row.runId)
        .bindInt(2, m->step)
        .bindText(3, m->layer)
        .bindInt(4, m->epoch)
        .bindInt(5, m->rows)
        .bindInt(6, m->cols)
        .bindInt(7, m->dropped)
        .bindInt(8, m->grown)
        .bindInt(9, m->activeAfter)
        .bindInt32Array(10, m->droppedPositions)
        .bindInt32Array(11, m->grownPositions)
        .run();
    return;
  }
  if (const auto* r = std::get_if<ExamplesRemovedEvent>(&row.record)) {
    for (int64_t index : r->originalIndices)
      insertRemoved_.bindInt(1, row.runId).bindInt(2, index).bindInt(3, r->epoch).run();
    return;
  }
  if (const auto* stats = std::get_if<std::vector<ExampleStatRecord>>(&row.record)) {
    for (const ExampleStatRecord& x : *stats)
      insertExampleStat_.bindInt(1, row.runId)
          .bindInt(2, x.originalIndex)
          .bindInt(3, x.presentations)
          .bindInt(4, x.forgettingEvents)
          .bindInt(5, x.firstLearnedEpoch)
          .bindInt(6, x.removedAtEpoch)
          .run();
    return;
  }
  const auto& s = std::get<StepRecord>(row.record);
  insertStep_.bindInt(1, row.runId)
      .bindInt(2, s.step)
      .bindInt(3, s.epoch)
      .bindDouble(4, s.loss)
      .bindDouble(5, s.accuracy)
      .bindDouble(6, s.lr)
      .bindDouble(7, s.samplesPerSecond)
      .run();
}

}  // namespace ss
