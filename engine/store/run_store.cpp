#include "store/run_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>

#include "core/compression.h"
#include "core/error.h"
#include "core/version.h"
#include "store/mask_bitmap.h"
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

// Gone: no such process, or a zombie (killed, but its parent has not collected it yet, which a parent that
// started it in the background may never do).
bool processIsGone(int64_t pid) {
  if (pid <= 0) return false;
  if (kill(static_cast<pid_t>(pid), 0) != 0) return errno == ESRCH;
  FILE* stat = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!stat) return false;
  char line[512] = {};
  const size_t n = std::fread(line, 1, sizeof line - 1, stat);
  std::fclose(stat);
  // "pid (command) S ...": the state follows the last ')', since the command may itself hold one.
  const char* close = std::strrchr(line, ')');
  return n > 0 && close && close[1] == ' ' && close[2] == 'Z';
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

RunStore::RunStore(const std::string& path, int64_t maxBytes) : path_(path) {
  const bool readOnly = isWriteProtected(path_);
  Connection db = openStoreConnection(path_, readOnly, maxBytes);
  ensureStoreSchema(db.get(), path_, readOnly);
  if (!readOnly) {
    try {
      markInterruptedRuns(db.get(), path_);
    } catch (const StoreFullError&) {
      // A full disk must not stop anyone reading the store; the next open with room makes the marks.
    }
  }
  writer_ = std::make_unique<StoreWriter>(path_, readOnly, maxBytes);
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
      .bindText(9, nowUtc());
  retryWhileBusy(db_, [&] { insert.run(); });
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

void RunStore::logExampleStatsAtEpoch(int64_t runId, int epoch, const std::vector<ExampleStatRecord>& stats) {
  writer_->enqueue(runId, ExampleStatsAtEpoch{epoch, stats});
}

void RunStore::logCheckpoint(int64_t runId, CheckpointRecord checkpoint) {
  writer_->enqueue(runId, std::move(checkpoint));
}

void RunStore::logMaskSnapshot(int64_t runId, MaskSnapshotRecord snapshot) {
  writer_->enqueue(runId, std::move(snapshot));
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
      .bindOptionalDouble(5, finalTestAccuracy);
  // Another process's long commit must not turn a finished run into an error.
  retryWhileBusy(db_, [&] { update.run(); });
  if (sqlite3_changes(db_) == 0) throw RunError(path_ + ": cannot end run " + std::to_string(runId) + ": no such run");
}

void RunStore::flush() {
  writer_->flush();
}

namespace {
// The summary columns, in the order readSummary expects; the project's algorithm, scheme and target come from
// its JSON as run, so filters need no copy of them.
constexpr const char* kSummarySelect =
    "SELECT r.id, r.name, r.status, r.message, r.seed, r.threads, r.started_at, r.ended_at, "
    "(SELECT count(*) FROM epoch_metrics e WHERE e.run_id = r.id), r.final_test_accuracy, "
    "coalesce(json_extract(r.project_json, '$.algorithm.name'), 'dense'), "
    "coalesce(json_extract(r.project_json, '$.sparsity.scheme'), 'unstructured'), "
    "coalesce(json_extract(r.project_json, '$.sparsity.target'), 0), "
    "coalesce(json_extract(r.project_json, '$.train.epochs'), 0), "
    "(SELECT coalesce(sum(e.epoch_seconds), 0) FROM epoch_metrics e WHERE e.run_id = r.id), r.host, "
    "r.engine_version, coalesce(json_extract(r.project_json, '$.sweep.id'), ''), "
    "coalesce(json_extract(r.project_json, '$.sweep.labels'), '{}') FROM runs r ";

// What distinguishes a sweep's runs other than their sparsity and seed, which a sweep summary plots over.
std::string sweepSeries(const std::string& labelsJson, const std::string& algorithm) {
  const nlohmann::json labels = nlohmann::json::parse(labelsJson, nullptr, false);
  std::string series;
  if (labels.is_object())
    for (const auto& [key, label] : labels.items())
      if (key != "sparsity.target" && key != "train.seed" && label.is_string())
        series += (series.empty() ? "" : " ") + label.get<std::string>();
  return series.empty() ? algorithm : series;
}

RunSummary readSummary(const Statement& query) {
  RunSummary run;
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
  run.algorithm = query.textAt(10);
  run.scheme = query.textAt(11);
  run.target = query.doubleAt(12);
  run.epochs = static_cast<int>(query.intAt(13));
  run.elapsedSeconds = query.doubleAt(14);
  run.host = query.textAt(15);
  run.engineVersion = query.textAt(16);
  run.sweepId = query.textAt(17);
  if (!run.sweepId.empty()) run.sweepSeries = sweepSeries(query.textAt(18), run.algorithm);
  return run;
}
}  // namespace

std::vector<RunSummary> RunStore::listRuns(const RunFilter& filter) const {
  const std::string sql = std::string(kSummarySelect) +
                          "WHERE (?1 = '' OR r.status = ?1) AND (?2 = '' OR instr(lower(r.name), lower(?2)) > 0) "
                          "AND (?3 = '' OR coalesce(json_extract(r.project_json, '$.algorithm.name'), 'dense') = ?3) "
                          "ORDER BY r.id";
  Statement query(db_, sql.c_str(), path_, "cannot list runs");
  query.bindText(1, filter.status).bindText(2, filter.nameContains).bindText(3, filter.algorithm);
  std::vector<RunSummary> runs;
  while (query.step()) runs.push_back(readSummary(query));
  return runs;
}

RunSummary RunStore::run(int64_t runId) const {
  const std::string sql = std::string(kSummarySelect) + "WHERE r.id = ?1";
  Statement query(db_, sql.c_str(), path_, "cannot read run " + std::to_string(runId));
  query.bindInt(1, runId);
  if (!query.step()) throw InputError(path_ + ": no run " + std::to_string(runId) + " (see 'sparsescope runs')");
  RunSummary summary = readSummary(query);
  while (query.step()) {
  }
  return summary;
}

std::string RunStore::projectJson(int64_t runId) const {
  Statement query(db_, "SELECT project_json FROM runs WHERE id = ?1", path_,
                  "cannot read the project of run " + std::to_string(runId));
  query.bindInt(1, runId);
  if (!query.step()) throw InputError(path_ + ": no run " + std::to_string(runId) + " (see 'sparsescope runs')");
  std::string json = query.textAt(0);
  while (query.step()) {
  }
  return json;
}

std::vector<EpochRecord> RunStore::epochs(int64_t runId) const {
  Statement query(db_,
                  "SELECT epoch, step, train_loss, train_accuracy, test_loss, test_accuracy, lr, density, "
                  "samples_per_second, epoch_seconds, examples_in_use, memory_bytes, coalesce(rss_bytes, 0) "
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
    r.rssBytes = query.intAt(12);
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

std::vector<MaskChangeEvent> RunStore::maskChanges(int64_t runId, int64_t fromStep) const {
  Statement query(db_,
                  "SELECT step, layer, epoch, rows, cols, dropped, grown, active_after, dropped_positions, "
                  "grown_positions FROM mask_events WHERE run_id = ?1 AND step >= ?2 ORDER BY step, layer",
                  path_, "cannot read the mask changes of run " + std::to_string(runId));
  query.bindInt(1, runId).bindInt(2, fromStep);
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
  if (rows.empty()) {
    std::vector<ExampleStatsAtEpoch> history = exampleStatsHistory(runId);
    if (!history.empty()) rows = std::move(history.back().stats);
  }
  return rows;
}

std::vector<ExampleStatsAtEpoch> RunStore::exampleStatsHistory(int64_t runId) const {
  Statement query(db_, "SELECT epoch, stats FROM example_stats_history WHERE run_id = ?1 ORDER BY epoch", path_,
                  "cannot read the example statistics of run " + std::to_string(runId));
  query.bindInt(1, runId);
  std::vector<ExampleStatsAtEpoch> history;
  while (query.step()) {
    ExampleStatsAtEpoch& h = history.emplace_back();
    h.epoch = static_cast<int>(query.intAt(0));
    const std::vector<uint8_t> raw =
        decompressBytes(query.blobAt(1), path_ + ": example statistics of run " + std::to_string(runId) + " at epoch " +
                                             std::to_string(h.epoch));
    if (raw.size() % sizeof(ExampleStatRecord) != 0)
      throw RunError(path_ + ": example statistics of run " + std::to_string(runId) + " are damaged");
    h.stats.resize(raw.size() / sizeof(ExampleStatRecord));
    std::memcpy(h.stats.data(), raw.data(), raw.size());
  }
  return history;
}

std::vector<MaskSnapshotRecord> RunStore::maskSnapshots(int64_t runId, int64_t fromStep) const {
  Statement query(db_,
                  "SELECT step, layer, epoch, rows, cols, active, bitmap FROM mask_snapshots WHERE run_id = ?1 "
                  "AND step >= ?2 ORDER BY step, layer",
                  path_, "cannot read the mask snapshots of run " + std::to_string(runId));
  query.bindInt(1, runId).bindInt(2, fromStep);
  std::vector<MaskSnapshotRecord> rows;
  while (query.step()) {
    MaskSnapshotRecord& m = rows.emplace_back();
    m.step = query.intAt(0);
    m.layer = query.textAt(1);
    m.epoch = static_cast<int>(query.intAt(2));
    m.rows = static_cast<int>(query.intAt(3));
    m.cols = static_cast<int>(query.intAt(4));
    m.active = query.intAt(5);
    const std::string what = path_ + ": mask snapshot of " + m.layer + " at step " + std::to_string(m.step);
    m.bits = decodeMaskBitmap(query.blobAt(6), m.rows, m.cols, what);
  }
  return rows;
}

std::optional<CheckpointRecord> RunStore::latestCheckpoint(int64_t runId) const {
  Statement query(db_,
                  "SELECT id, epoch, step, kind, payload FROM checkpoints WHERE run_id = ?1 ORDER BY id DESC LIMIT 1",
                  path_, "cannot read the checkpoints of run " + std::to_string(runId));
  query.bindInt(1, runId);
  if (!query.step()) return std::nullopt;
  CheckpointRecord c;
  c.id = query.intAt(0);
  c.epoch = static_cast<int>(query.intAt(1));
  c.step = query.intAt(2);
  c.kind = query.textAt(3);
  c.bytes = decompressBytes(query.blobAt(4),
                            path_ + ": checkpoint " + std::to_string(c.id) + " of run " + std::to_string(runId));
  while (query.step()) {
  }
  return c;
}

int64_t RunStore::checkpointBytes(int64_t runId) const {
  Statement query(db_, "SELECT coalesce(sum(length(payload)), 0) FROM checkpoints WHERE run_id = ?1", path_,
                  "cannot read the checkpoints of run " + std::to_string(runId));
  query.bindInt(1, runId);
  int64_t bytes = 0;
  while (query.step()) bytes = query.intAt(0);
  return bytes;
}

void RunStore::reopenForResume(int64_t runId, const ResumePoint& point) {
  const RunSummary summary = run(runId);
  if (summary.status == "finished")
    throw InputError(path_ + ": run " + std::to_string(runId) + " finished; there is nothing to resume");
  if (summary.status == "running")
    throw InputError(path_ + ": run " + std::to_string(runId) + " is still running (process on " + summary.host +
                     "); stop it first, or wait until it shows as interrupted");
  flush();
  const std::string id = std::to_string(runId), context = "cannot reopen run " + id;
  executeSql(db_, "BEGIN IMMEDIATE", path_, context);
  try {
    Statement reopen(db_,
                     "UPDATE runs SET status = 'running', message = '', ended_at = NULL, final_test_accuracy = NULL, "
                     "host = ?2, pid = ?3 WHERE id = ?1",
                     path_, context);
    reopen.bindInt(1, runId).bindText(2, hostName()).bindInt(3, getpid()).run();
    // An epoch that had not ended, steps past the checkpoint, and mask changes the resumed run makes again.
    const char* drops[] = {
        "DELETE FROM epoch_metrics WHERE run_id = ?1 AND epoch >= ?2",
        "DELETE FROM step_metrics WHERE run_id = ?1 AND step > ?3",
        "DELETE FROM mask_events WHERE run_id = ?1 AND (epoch > ?2 OR (epoch = ?2 AND (?4 = 0 OR step > ?3)))",
        ("DELETE FROM mask_snapshots WHERE run_id = ?1 AND step > 0 AND "
         "(epoch > ?2 OR (epoch = ?2 AND (?4 = 0 OR step > ?3)))"),
        "DELETE FROM removed_examples WHERE run_id = ?1 AND epoch >= ?2",
        "DELETE FROM example_stats_history WHERE run_id = ?1 AND epoch >= ?2",
        "DELETE FROM example_stats WHERE run_id = ?1",
    };
    for (const char* sql : drops) {
      Statement drop(db_, sql, path_, context);
      const int64_t values[] = {runId, point.epoch, point.step, point.epochStarted};
      for (int i = 1; i <= drop.parameterCount(); ++i) drop.bindInt(i, values[i - 1]);
      drop.run();
    }
    executeSql(db_, "COMMIT", path_, context);
  } catch (...) {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void RunStore::deleteRun(int64_t runId) {
  const RunSummary summary = run(runId);
  if (summary.status == "running")
    throw InputError(path_ + ": run " + std::to_string(runId) + " is still running (process on " + summary.host +
                     "); cancel it before deleting it");
  Statement drop(db_, "DELETE FROM runs WHERE id = ?1", path_, "cannot delete run " + std::to_string(runId));
  drop.bindInt(1, runId).run();
}

std::pair<int64_t, int64_t> RunStore::compact() {
  flush();
  auto fileBytes = [this] {
    int64_t total = 0;
    for (const std::string& f : {path_, path_ + "-wal"})
      if (FILE* file = std::fopen(f.c_str(), "rb")) {
        std::fseek(file, 0, SEEK_END);
        total += std::ftell(file);
        std::fclose(file);
      }
    return total;
  };
  const int64_t before = fileBytes();
  executeSql(db_, "PRAGMA wal_checkpoint(TRUNCATE)", path_, "cannot compact the store");
  executeSql(db_, "VACUUM", path_, "cannot compact the store (VACUUM needs free disk space about the file's size)");
  executeSql(db_, "PRAGMA wal_checkpoint(TRUNCATE)", path_, "cannot compact the store");
  return {before, fileBytes()};
}

std::string RunStore::integrityCheck() const {
  Statement query(db_, "PRAGMA integrity_check", path_, "cannot check the store's integrity");
  std::string result;
  while (query.step()) result += (result.empty() ? "" : "; ") + query.textAt(0);
  return result;
}

}  // namespace ss
