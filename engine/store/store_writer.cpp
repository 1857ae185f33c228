#include "store/store_writer.h"

#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <thread>
#include <type_traits>

#include "core/compression.h"
#include "core/error.h"
#include "sparse/position_coding.h"
#include "store/mask_snapshot_blobs.h"

namespace ss {

StoreWriter::StoreWriter(const std::string& path, bool readOnly, int64_t maxBytes)
    : path_(path),
      db_(openStoreConnection(path, readOnly, maxBytes)),
      begin_(db_.get(), "BEGIN IMMEDIATE", path, "cannot log metrics"),
      commit_(db_.get(), "COMMIT", path, "cannot log metrics"),
      insertEpoch_(db_.get(),
                   "INSERT OR REPLACE INTO epoch_metrics (run_id, epoch, step, train_loss, train_accuracy, "
                   "test_loss, test_accuracy, lr, density, samples_per_second, epoch_seconds, examples_in_use, "
                   "memory_bytes, rss_bytes, peak_rss_bytes, base_rss_bytes) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                   path, "cannot log an epoch"),
      insertStep_(db_.get(),
                  "INSERT OR REPLACE INTO step_metrics (run_id, step, epoch, loss, accuracy, lr, "
                  "samples_per_second) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                  path, "cannot log a step"),
      insertMaskEvent_(db_.get(),
                       "INSERT OR REPLACE INTO mask_events (run_id, step, layer, epoch, rows, cols, dropped, grown, "
                       "active_after, dropped_positions, grown_positions, positions_format) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'positions')",
                       path, "cannot log a mask change"),
      insertRemoved_(db_.get(),
                     "INSERT OR REPLACE INTO removed_examples (run_id, original_index, epoch) VALUES (?1, ?2, ?3)",
                     path, "cannot log removed examples"),
      insertExampleStat_(db_.get(),
                         "INSERT OR REPLACE INTO example_stats (run_id, original_index, presentations, "
                         "forgetting_events, first_learned_epoch, removed_at_epoch) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                         path, "cannot log example statistics"),
      insertCheckpoint_(db_.get(),
                        "INSERT INTO checkpoints (run_id, step, epoch, kind, created_at, raw_bytes, payload) "
                        "VALUES (?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?5, ?6)",
                        path, "cannot save a checkpoint"),
      // The newest few are enough to resume; once the final checkpoint exists it is the only one kept.
      pruneCheckpoints_(db_.get(),
                        "DELETE FROM checkpoints WHERE run_id = ?1 AND id NOT IN (SELECT id FROM checkpoints "
                        "WHERE run_id = ?1 AND (?3 = 0 OR kind = 'final') ORDER BY id DESC LIMIT ?2)",
                        path, "cannot prune old checkpoints"),
      insertMaskSnapshot_(db_.get(),
                          "INSERT OR REPLACE INTO mask_snapshots (run_id, step, layer, epoch, rows, cols, active, "
                          "mask, mask_format, magnitudes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                          path, "cannot log a mask snapshot"),
      insertStatsHistory_(db_.get(),
                          "INSERT OR REPLACE INTO example_stats_history (run_id, epoch, stats) VALUES (?1, ?2, ?3)",
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

void StoreWriter::enqueue(int64_t runId, CheckpointRecord record, ChunkedBytes bytes) {
  {
    // At most one checkpoint waits for the disk: when the writer falls behind (a saturated machine, where its
    // low priority leaves it little CPU), training pauses here instead of piling checkpoints up in memory
    // that a kill would lose.
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return checkpointsQueued_ == 0 || !error_.empty(); });
    ++checkpointsQueued_;
  }
  push(Row{runId, QueuedCheckpoint{std::move(record), std::move(bytes)}});
}

void StoreWriter::enqueue(int64_t runId, ExampleStatsAtEpoch record) {
  push(Row{runId, std::move(record)});
}

void StoreWriter::enqueue(int64_t runId, const MaskSnapshotRecord& record) {
  push(Row{runId, CodedSnapshot{record, encodeSnapshotMask(record.positions, record.rows, record.cols),
                                encodeMagnitudes(record.magnitudes)}});
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
  // Logging must not take CPU from training: on a machine whose cores all train, OpenMP's threads wait at
  // every barrier for one that the writer pushed off its core. At nice 19 the writer yields to training
  // almost always, yet is never starved outright (SCHED_IDLE was: on a saturated machine checkpoints then
  // waited in memory until the run ended, and a kill lost them).
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19);
  std::vector<Row> batch;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything is written
    batch.swap(queue_);
    writing_ = true;
    const int committedCheckpoints = int(std::count_if(
        batch.begin(), batch.end(), [](const Row& r) { return std::holds_alternative<QueuedCheckpoint>(r.record); }));
    lock.unlock();

    std::string failure;
    try {
      for (Row& row : batch)
        if (auto* c = std::get_if<QueuedCheckpoint>(&row.record); c && c->rawBytes < 0) {
          c->rawBytes = int64_t(c->bytes.size());
          c->bytes = compressChunks(std::move(c->bytes));
        }
      commit(batch);
    } catch (const std::exception& e) {
      failure = e.what();
    } catch (...) {
      failure = path_ + ": cannot log metrics: unknown error";
    }
    batch.clear();

    lock.lock();
    writing_ = false;
    checkpointsQueued_ -= committedCheckpoints;
    if (!failure.empty() && error_.empty()) error_ = std::move(failure);
    idle_.notify_all();
  }
}

void StoreWriter::commit(const std::vector<Row>& batch) {
  retryWhileBusy(db_.get(), [&] {
    begin_.run();
    for (const Row& row : batch) insert(row);
    commit_.run();
  });
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
        .bindInt(14, e->rssBytes)
        .bindInt(15, e->peakRssBytes)
        .bindInt(16, e->baseRssBytes)
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
        .bindBlob(10, encodePositions(m->droppedPositions, int64_t(m->rows) * m->cols))
        .bindBlob(11, encodePositions(m->grownPositions, int64_t(m->rows) * m->cols))
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
  if (const auto* c = std::get_if<QueuedCheckpoint>(&row.record)) {
    insertCheckpoint(row.runId, *c);
    return;
  }
  if (const auto* snapshot = std::get_if<CodedSnapshot>(&row.record)) {
    const MaskSnapshotInfo& m = snapshot->info;
    insertMaskSnapshot_.bindInt(1, row.runId)
        .bindInt(2, m.step)
        .bindText(3, m.layer)
        .bindInt(4, m.epoch)
        .bindInt(5, m.rows)
        .bindInt(6, m.cols)
        .bindInt(7, m.active)
        .bindBlob(8, snapshot->mask)
        .bindText(9, toString(SnapshotMaskFormat::Positions))
        .bindBlob(10, snapshot->magnitudes)
        .run();
    return;
  }
  if (const auto* h = std::get_if<ExampleStatsAtEpoch>(&row.record)) {
    static_assert(std::is_trivially_copyable_v<ExampleStatRecord> && sizeof(ExampleStatRecord) == 24);
    const auto* bytes = reinterpret_cast<const uint8_t*>(h->stats.data());
    const std::vector<uint8_t> raw(bytes, bytes + h->stats.size() * sizeof(ExampleStatRecord));
    insertStatsHistory_.bindInt(1, row.runId).bindInt(2, h->epoch).bindBlob(3, compressBytes(raw)).run();
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

void StoreWriter::insertCheckpoint(int64_t runId, const QueuedCheckpoint& c) {
  insertCheckpoint_.bindInt(1, runId)
      .bindInt(2, c.record.step)
      .bindInt(3, c.record.epoch)
      .bindText(4, c.record.kind)
      .bindInt(5, c.rawBytes)
      .bindZeroBlob(6, int64_t(c.bytes.size()))
      .run();
  writeBlobPieces(db_.get(), "checkpoints", "payload", sqlite3_last_insert_rowid(db_.get()), c.bytes.chunks(), path_,
                  "cannot save a checkpoint");
  pruneCheckpoints_.bindInt(1, runId).bindInt(2, kKeptCheckpoints).bindInt(3, c.record.kind == "final").run();
}

}  // namespace ss
