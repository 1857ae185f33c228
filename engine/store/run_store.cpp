#include "store/run_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>

#include "core/error.h"
#include "core/version.h"
#include "store/sqlite_statement.h"
#include "store/store_connection.h"
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
void markOrphanedRuns(sqlite3* db, const std::string& path) {
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

RunStore::RunStore(const std::string& path, int64_t maxBytes) : StoreReader(path, maxBytes) {
  const bool readOnly = writeProtected();
  if (!readOnly) markInterruptedRuns();
  writer_ = std::make_unique<StoreWriter>(path_, readOnly, maxBytes);
}

RunStore::~RunStore() {
  writer_.reset();
}

void RunStore::markInterruptedRuns() {
  try {
    markOrphanedRuns(db_, path_);
  } catch (const StoreFullError&) {
    // A full disk must not stop anyone reading the store; the next open with room makes the marks.
  }
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

void RunStore::logCheckpoint(int64_t runId, CheckpointRecord checkpoint, ChunkedBytes bytes) {
  checkpoint.bytes.clear();
  writer_->enqueue(runId, std::move(checkpoint), std::move(bytes));
}

void RunStore::logCheckpoint(int64_t runId, CheckpointRecord checkpoint) {
  ChunkedBytes bytes(std::move(checkpoint.bytes));
  logCheckpoint(runId, std::move(checkpoint), std::move(bytes));
}

void RunStore::logMaskSnapshot(int64_t runId, const MaskSnapshotRecord& snapshot) {
  writer_->enqueue(runId, snapshot);
}

void RunStore::recordMemoryModel(int64_t runId, const std::vector<MemoryLineRecord>& lines) {
  const std::string context = "cannot record the memory model of run " + std::to_string(runId);
  Statement clear(db_, "DELETE FROM memory_lines WHERE run_id = ?1", path_, context);
  Statement insert(db_,
                   "INSERT INTO memory_lines (run_id, position, line, bytes, dense_bytes) VALUES (?1, ?2, ?3, ?4, ?5)",
                   path_, context);
  retryWhileBusy(db_, [&] {
    executeSql(db_, "BEGIN IMMEDIATE", path_, context);
    clear.bindInt(1, runId).run();
    for (size_t i = 0; i < lines.size(); ++i)
      insert.bindInt(1, runId)
          .bindInt(2, int64_t(i))
          .bindText(3, lines[i].line)
          .bindInt(4, lines[i].bytes)
          .bindInt(5, lines[i].denseBytes)
          .run();
    executeSql(db_, "COMMIT", path_, context);
  });
}

void RunStore::replaceProjectJson(int64_t runId, const std::string& projectJson) {
  Statement update(db_, "UPDATE runs SET project_json = ?2 WHERE id = ?1", path_,
                   "cannot change the project of run " + std::to_string(runId));
  update.bindInt(1, runId).bindText(2, projectJson);
  retryWhileBusy(db_, [&] { update.run(); });
  if (sqlite3_changes(db_) == 0) throw InputError(path_ + ": no run " + std::to_string(runId));
}

void RunStore::endRun(int64_t runId, RunStatus status, const std::string& message,
                      std::optional<double> finalTestAccuracy, std::optional<MeasuredMemory> measured) {
  flush();
  Statement update(db_,
                   "UPDATE runs SET status = ?2, message = ?3, ended_at = ?4, final_test_accuracy = ?5, "
                   "base_rss_bytes = ?6, peak_rss_bytes = ?7 WHERE id = ?1",
                   path_, "cannot end run " + std::to_string(runId));
  update.bindInt(1, runId)
      .bindText(2, toString(status))
      .bindText(3, message)
      .bindText(4, nowUtc())
      .bindOptionalDouble(5, finalTestAccuracy);
  if (measured)
    update.bindInt(6, measured->baseBytes).bindInt(7, measured->peakBytes);
  else
    update.bindNull(6).bindNull(7);
  // Another process's long commit must not turn a finished run into an error.
  retryWhileBusy(db_, [&] { update.run(); });
  if (sqlite3_changes(db_) == 0) throw RunError(path_ + ": cannot end run " + std::to_string(runId) + ": no such run");
}

void RunStore::flush() {
  writer_->flush();
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

}  // namespace ss
