#include "store/run_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <random>

#include "core/error.h"
#include "core/version.h"
#include "store/sqlite_statement.h"
#include "store/store_connection.h"
#include "store/store_schema.h"
#include "store/store_writer.h"

namespace ss {

namespace {

std::string nowUtc() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string hostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

// The UUID names a run across merged stores, so it must differ between runs with the same seed:
// it comes from the OS's entropy, not from the run's RNG.
std::string newUuid() {
  std::random_device entropy;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string uuid;
  for (int word = 0; word < 4; ++word) {
    uint32_t bits = entropy();
    for (int nibble = 0; nibble < 8; ++nibble, bits >>= 4) uuid += kHex[bits & 0xf];
  }
  return uuid;
}

bool processIsGone(int64_t pid) {
  return pid > 0 && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

// A run still "running" on this host whose process no longer exists was killed or crashed.
void markInterruptedRuns(sqlite3* db, const std::string& path) {
  const std::string host = hostName();
  std::vector<int64_t> orphans;
  Statement running(db, "SELECT id, pid FROM runs WHERE status = 'running' AND host = ?1", path,
                    "cannot check for interrupted runs");
  running.bindText(1, host);
  while (running.step()) {
    const int64_t pid = running.intAt(1);
    if (pid != getpid() && processIsGone(pid)) orphans.push_back(running.intAt(0));
  }
  Statement mark(db, "UPDATE runs SET status = 'interrupted', message = ?2 WHERE id = ?1 AND status = 'running'", path,
                 "cannot mark interrupted runs");
  for (int64_t id : orphans) {
    mark.bindInt(1, id).bindText(2, "the process ended while the run was going (killed or crashed)").run();
  }
}

}  // namespace

RunStore::RunStore(const std::string& path) : path_(path) {
  const bool readOnly = isWriteProtected(path_);
  Connection db = openStoreConnection(path_, readOnly);
  ensureStoreSchema(db.get(), path_, readOnly);
  if (!readOnly) markInterruptedRuns(db.get(), path_);
  writer_ = std::make_unique<StoreWriter>(path_, readOnly);
  db_ = db.release();
}

RunStore::~RunStore() {
  writer_.reset();
  sqlite3_close_v2(db_);
}

int64_t RunStore::beginRun(const std::string& name, const std::string& projectJson, uint64_t seed, int threads) {
  Statement insert(db_,
                   "INSERT INTO runs (uuid, name, project_json, engine_version, seed, threads, host, pid, "
                   "started_at, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'running')",
                   path_, "cannot begin run '" + name + "'");
  // SQLite integers are signed: the seed is stored bit for bit and converted back on reading.
  insert.bindText(1, newUuid())
      .bindText(2, name)
      .bindText(3, projectJson)
      .bindText(4, kEngineVersion)
      .bindInt(5, static_cast<int64_t>(seed))
      .bindInt(6, threads)
      .bindText(7, hostName())
      .bindInt(8, getpid())
      .bindText(9, nowUtc())
      .run();
  return sqlite3_last_insert_rowid(db_);
}

void RunStore::logEpoch(int64_t runId, const EpochRecord& r) {
  writer_->enqueue(runId, r);
}

void RunStore::logStep(int64_t runId, const StepRecord& r) {
  writer_->enqueue(runId, r);
}

void RunStore::logMaskChange(int64_t runId, const MaskChangeEvent& e) {
  writer_->enqueue(runId, e);
}

void RunStore::logExamplesRemoved(int64_t runId, const ExamplesRemovedEvent& e) {
  writer_->enqueue(runId, e);
}

void RunStore::logExampleStats(int64_t runId, const std::vector<ExampleStatRecord>& stats) {
  writer_->enqueue(runId, stats);
}

void RunStore::endRun(int64_t runId, RunStatus status, const std::string& message,
                      std::optional<double> finalTestAccuracy) {
  flush();
  Statement update(db_,
                   "UPDATE runs SET status = ?2, message = ?3, ended_at = ?4, final_test_accuracy = ?5 "
                   "WHERE id = ?1",
                   path_, "cannot end run " + std::to_string(runId));
  update.bindInt(1, runId)
      .bindText(2, toString(status))
      .bindText(3, message)
      .bindText(4, nowUtc())
      .bindOptionalDouble(5, finalTestAccuracy)
      .run();
  if (sqlite3_changes(db_) == 0) throw RunError(path_ + ": cannot end run " + std::to_string(runId) + ": no such run");
}

void RunStore::flush() {
  writer_->flush();
}

std::vector<RunSummary> RunStore::listRuns() const {
  Statement query(db_,
                  "SELECT r.id, r.name, r.status, r.message, r.seed, r.threads, r.started_at, r.ended_at, "
                  "(SELECT count(*) FROM epoch_metrics e WHERE e.run_id = r.id), r.final_test_accuracy "
                  "FROM runs r ORDER BY r.id",
                  path_, "cannot list runs");
  std::vector<RunSummary> runs;
  while (query.step()) {
    RunSummary& run = runs.emplace_back();
    run.id = query.intAt(0);
    run.name = query.textAt(1);
    run.status = query.textAt(2);
    run.message = query.textAt(3);
    run.seed = static_cast<uint64_t>(query.intAt(4));
    run.threads = static_cast<int>(query.intAt(5));
    run.startedAt = query.textAt(6);
    run.endedAt = query.textAt(7);
    run.epochsLogged = static_cast<int>(query.intAt(8));
    run.finalTestAccuracy = query.optionalDoubleAt(9);
  }
  return runs;
}

std::vector<EpochRecord> RunStore::epochs(int64_t runId) const {
  Statement query(db_,
                  "SELECT epoch, step, train_loss, train_accuracy, test_loss, test_accuracy, lr, density, "
                  "samples_per_second, epoch_seconds, examples_in_use, memory_bytes "
                  "FROM epoch_metrics WHERE run_id = ?1 ORDER BY epoch",
                  path_, "cannot read the epochs of run " + std::to_string(runId));
  query.bindInt(1, runId);
  std::vector<EpochRecord> rows;
  while (query.step()) {
    EpochRecord& r = rows.emplace_back();
    r.epoch = static_cast<int>(query.intAt(0));
    r.step = query.intAt(1);
    r.trainLoss = query.doubleAt(2);
    r.trainAccuracy = query.doubleAt(3);
    r.testLoss = query.doubleAt(4);
    r.testAccuracy = query.doubleAt(5);
    r.lr = query.doubleAt(6);
    r.density = query.doubleAt(7);
    r.samplesPerSecond = query.doubleAt(8);
    r.epochSeconds = query.doubleAt(9);
    r.examplesInUse = query.intAt(10);
    r.memoryBytes = query.intAt(11);
  }
  return rows;
}

std::vector<StepRecord> RunStore::steps(int64_t runId) const {
  Statement query(db_,
                  "SELECT step, epoch, loss, accuracy, lr, samples_per_second "
                  "FROM step_metrics WHERE run_id = ?1 ORDER BY step",
                  path_, "cannot read the steps of run " + std::to_string(runId));
  query.bindInt(1, runId);
  std::vector<StepRecord> rows;
  while (query.step()) {
    StepRecord& r = rows.emplace_back();
    r.step = query.intAt(0);
    r.epoch = static_cast<int>(query.intAt(1));
    r.loss = query.doubleAt(2);
    r.accuracy = query.doubleAt(3);
    r.lr = query.doubleAt(4);
    r.samplesPerSecond = query.doubleAt(5);
  }
  return rows;
}

std::vector<MaskChangeEvent> RunStore::maskChanges(int64_t runId) const {
  Statement query(db_,
                  "SELECT step, layer, epoch, rows, cols, dropped, grown, active_after, dropped_positions, "
                  "grown_positions FROM mask_events WHERE run_id = ?1 ORDER BY step, layer",
                  path_, "cannot read the mask changes of run " + std::to_string(runId));
  query.bindInt(1, runId);
  std::vector<MaskChangeEvent> rows;
  while (query.step()) {
    MaskChangeEvent& e = rows.emplace_back();
    e.step = query.intAt(0);
    e.layer = query.textAt(1);
    e.epoch = static_cast<int>(query.intAt(2));
    e.rows = static_cast<int>(query.intAt(3));
    e.cols = static_cast<int>(query.intAt(4));
    e.dropped = query.intAt(5);
    e.grown = query.intAt(6);
    e.activeAfter = query.intAt(7);
    e.droppedPositions = query.int32ArrayAt(8);
    e.grownPositions = query.int32ArrayAt(9);
  }
  return rows;
}

std::vector<int64_t> RunStore::removedExamples(int64_t runId) const {
  Statement query(db_, "SELECT original_index FROM removed_examples WHERE run_id = ?1 ORDER BY original_index", path_,
                  "cannot read the removed examples of run " + std::to_string(runId));
  query.bindInt(1, runId);
  std::vector<int64_t> indices;
  while (query.step()) indices.push_back(query.intAt(0));
  return indices;
}

std::vector<ExampleStatRecord> RunStore::exampleStats(int64_t runId) const {
  Statement query(db_,
                  "SELECT original_index, presentations, forgetting_events, first_learned_epoch, removed_at_epoch "
                  "FROM example_stats WHERE run_id = ?1 ORDER BY original_index",
                  path_, "cannot read the example statistics of run " + std::to_string(runId));
  query.bindInt(1, runId);
  std::vector<ExampleStatRecord> rows;
  while (query.step()) {
    ExampleStatRecord& x = rows.emplace_back();
    x.originalIndex = query.intAt(0);
    x.presentations = static_cast<int32_t>(query.intAt(1));
    x.forgettingEvents = static_cast<int32_t>(query.intAt(2));
    x.firstLearnedEpoch = static_cast<int32_t>(query.intAt(3));
    x.removedAtEpoch = static_cast<int32_t>(query.intAt(4));
  }
  return rows;
}

}  // namespace ss
