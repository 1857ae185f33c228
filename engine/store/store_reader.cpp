#include "store/store_reader.h"

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "core/compression.h"
#include "core/error.h"
#include "sparse/position_coding.h"
#include "store/mask_snapshot_blobs.h"
#include "store/sqlite_statement.h"
#include "store/store_connection.h"
#include "store/store_schema.h"

namespace ss {

StoreReader::StoreReader(const std::string& path, int64_t maxBytes) : path_(path) {
  const bool readOnly = isWriteProtected(path_);
  Connection db = openStoreConnection(path_, readOnly, maxBytes);
  ensureStoreSchema(db.get(), path_, readOnly);
  db_ = db.release();
}

StoreReader::~StoreReader() {
  sqlite3_close_v2(db_);
}

bool StoreReader::writeProtected() const {
  return isWriteProtected(path_);
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
    "coalesce(json_extract(r.project_json, '$.sweep.labels'), '{}'), r.base_rss_bytes, r.peak_rss_bytes "
    "FROM runs r ";

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
  if (!query.isNullAt(20)) run.measuredMemory = MeasuredMemory{query.intAt(19), query.intAt(20)};
  return run;
}
}  // namespace

std::vector<RunSummary> StoreReader::listRuns(const RunFilter& filter) const {
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

RunSummary StoreReader::run(int64_t runId) const {
  const std::string sql = std::string(kSummarySelect) + "WHERE r.id = ?1";
  Statement query(db_, sql.c_str(), path_, "cannot read run " + std::to_string(runId));
  query.bindInt(1, runId);
  if (!query.step()) throw InputError(path_ + ": no run " + std::to_string(runId) + " (see 'sparsescope runs')");
  RunSummary summary = readSummary(query);
  while (query.step()) {
  }
  return summary;
}

std::string StoreReader::projectJson(int64_t runId) const {
  Statement query(db_, "SELECT project_json FROM runs WHERE id = ?1", path_,
                  "cannot read the project of run " + std::to_string(runId));
  query.bindInt(1, runId);
  if (!query.step()) throw InputError(path_ + ": no run " + std::to_string(runId) + " (see 'sparsescope runs')");
  std::string json = query.textAt(0);
  while (query.step()) {
  }
  return json;
}

std::vector<EpochRecord> StoreReader::epochs(int64_t runId) const {
  Statement query(db_,
                  "SELECT epoch, step, train_loss, train_accuracy, test_loss, test_accuracy, lr, density, "
                  "samples_per_second, epoch_seconds, examples_in_use, memory_bytes, coalesce(rss_bytes, 0), "
                  "coalesce(peak_rss_bytes, 0), coalesce(base_rss_bytes, 0) "
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
    r.peakRssBytes = query.intAt(13);
    r.baseRssBytes = query.intAt(14);
  }
  return rows;
}

std::vector<MemoryLineRecord> StoreReader::memoryLines(int64_t runId) const {
  Statement query(db_, "SELECT line, bytes, dense_bytes FROM memory_lines WHERE run_id = ?1 ORDER BY position", path_,
                  "cannot read the memory model of run " + std::to_string(runId));
  query.bindInt(1, runId);
  std::vector<MemoryLineRecord> lines;
  while (query.step()) lines.push_back({query.textAt(0), query.intAt(1), query.intAt(2)});
  return lines;
}

std::vector<StepRecord> StoreReader::steps(int64_t runId) const {
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

namespace {
constexpr const char* kMaskChangeColumns =
    "step, layer, epoch, rows, cols, dropped, grown, active_after, dropped_positions, grown_positions, "
    "positions_format";

// Rows since store schema 5 code their positions (sparse/position_coding.h); older ones are int32 arrays.
std::vector<int64_t> readChangePositions(const Statement& query, int column, const MaskChangeEvent& e,
                                         const std::string& what) {
  if (query.textAt(10) == "int32") return query.int32ArrayAt(column);
  if (query.textAt(10) != "positions")
    throw RunError(what + ": damaged (unknown positions format '" + query.textAt(10) + "')");
  return decodePositions(query.blobAt(column), int64_t(e.rows) * e.cols, what);
}

// A change with its positions, or only its counts when `withPositions` is false.
MaskChangeEvent readMaskChange(const Statement& query, const std::string& path, bool withPositions = true) {
  MaskChangeEvent e;
  e.step = query.intAt(0);
  e.layer = query.textAt(1);
  e.epoch = static_cast<int>(query.intAt(2));
  e.rows = static_cast<int>(query.intAt(3));
  e.cols = static_cast<int>(query.intAt(4));
  e.dropped = query.intAt(5);
  e.grown = query.intAt(6);
  e.activeAfter = query.intAt(7);
  if (!withPositions) return e;
  const std::string what = path + ": mask change of " + e.layer + " at step " + std::to_string(e.step);
  e.droppedPositions = readChangePositions(query, 8, e, what + " (dropped)");
  e.grownPositions = readChangePositions(query, 9, e, what + " (grown)");
  return e;
}
}  // namespace

std::vector<MaskChangeEvent> StoreReader::maskChanges(int64_t runId, int64_t fromStep) const {
  const std::string sql = std::string("SELECT ") + kMaskChangeColumns +
                          " FROM mask_events WHERE run_id = ?1 AND step >= ?2 ORDER BY step, layer";
  Statement query(db_, sql.c_str(), path_, "cannot read the mask changes of run " + std::to_string(runId));
  query.bindInt(1, runId).bindInt(2, fromStep);
  std::vector<MaskChangeEvent> rows;
  while (query.step()) rows.push_back(readMaskChange(query, path_));
  return rows;
}

std::vector<MaskChangeEvent> StoreReader::maskChangeCounts(int64_t runId) const {
  Statement query(db_,
                  "SELECT step, layer, epoch, rows, cols, dropped, grown, active_after FROM mask_events "
                  "WHERE run_id = ?1 ORDER BY step, layer",
                  path_, "cannot read the mask changes of run " + std::to_string(runId));
  query.bindInt(1, runId);
  std::vector<MaskChangeEvent> rows;
  while (query.step()) rows.push_back(readMaskChange(query, path_, false));
  return rows;
}

std::optional<MaskChangeEvent> StoreReader::maskChange(int64_t runId, int64_t step, const std::string& layer) const {
  const std::string sql =
      std::string("SELECT ") + kMaskChangeColumns + " FROM mask_events WHERE run_id = ?1 AND step = ?2 AND layer = ?3";
  Statement query(db_, sql.c_str(), path_, "cannot read the mask changes of run " + std::to_string(runId));
  query.bindInt(1, runId).bindInt(2, step).bindText(3, layer);
  if (!query.step()) return std::nullopt;
  MaskChangeEvent e = readMaskChange(query, path_);
  while (query.step()) {
  }
  return e;
}

std::vector<int64_t> StoreReader::removedExamples(int64_t runId) const {
  Statement query(db_, "SELECT original_index FROM removed_examples WHERE run_id = ?1 ORDER BY original_index", path_,
                  "cannot read the removed examples of run " + std::to_string(runId));
  query.bindInt(1, runId);
  std::vector<int64_t> indices;
  while (query.step()) indices.push_back(query.intAt(0));
  return indices;
}

std::vector<ExampleStatRecord> StoreReader::exampleStats(int64_t runId) const {
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

std::vector<ExampleStatsAtEpoch> StoreReader::exampleStatsHistory(int64_t runId) const {
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

namespace {
// The columns of mask_snapshots a MaskSnapshotInfo holds, first in every query of them, and the mask's after.
constexpr const char* kSnapshotInfoColumns =
    "step, layer, epoch, rows, cols, active, coalesce(length(magnitudes), 0) > 0";
constexpr const char* kSnapshotMaskColumns = "mask, mask_format, magnitudes";

void readSnapshotInfo(const Statement& query, MaskSnapshotInfo& m) {
  m.step = query.intAt(0);
  m.layer = query.textAt(1);
  m.epoch = static_cast<int>(query.intAt(2));
  m.rows = static_cast<int>(query.intAt(3));
  m.cols = static_cast<int>(query.intAt(4));
  m.active = query.intAt(5);
  m.hasMagnitudes = query.intAt(6) != 0;
}

MaskSnapshotRecord readSnapshot(const Statement& query, const std::string& path) {
  MaskSnapshotRecord m;
  readSnapshotInfo(query, m);
  const std::string what = path + ": mask snapshot of " + m.layer + " at step " + std::to_string(m.step);
  const SnapshotMaskFormat format = snapshotMaskFormatFromString(query.textAt(8), what);
  m.positions = decodeSnapshotMask(query.blobAt(7), format, m.rows, m.cols, what);
  if (int64_t(m.positions.size()) != m.active)
    throw RunError(what + ": damaged (" + std::to_string(m.positions.size()) + " positions for " +
                   std::to_string(m.active) + " active weights)");
  m.magnitudes = decodeMagnitudes(query.blobAt(9), m.active, what);
  return m;
}
}  // namespace

// Within a step, in the order the run logged them, which is the model's (stem first, classifier last), not the
// names' (a ResNet's "fc" would come second).
std::vector<MaskSnapshotInfo> StoreReader::maskSnapshotInfos(int64_t runId, int64_t fromStep) const {
  const std::string sql = std::string("SELECT ") + kSnapshotInfoColumns +
                          " FROM mask_snapshots WHERE run_id = ?1 AND step >= ?2 ORDER BY step, rowid";
  Statement query(db_, sql.c_str(), path_, "cannot read the mask snapshots of run " + std::to_string(runId));
  query.bindInt(1, runId).bindInt(2, fromStep);
  std::vector<MaskSnapshotInfo> rows;
  while (query.step()) readSnapshotInfo(query, rows.emplace_back());
  return rows;
}

std::vector<MaskSnapshotRecord> StoreReader::maskSnapshots(int64_t runId, int64_t fromStep) const {
  const std::string sql = std::string("SELECT ") + kSnapshotInfoColumns + ", " + kSnapshotMaskColumns +
                          " FROM mask_snapshots WHERE run_id = ?1 AND step >= ?2 ORDER BY step, rowid";
  Statement query(db_, sql.c_str(), path_, "cannot read the mask snapshots of run " + std::to_string(runId));
  query.bindInt(1, runId).bindInt(2, fromStep);
  std::vector<MaskSnapshotRecord> rows;
  while (query.step()) rows.push_back(readSnapshot(query, path_));
  return rows;
}

MaskSnapshotRecord StoreReader::maskSnapshot(int64_t runId, int64_t step, const std::string& layer) const {
  const std::string sql = std::string("SELECT ") + kSnapshotInfoColumns + ", " + kSnapshotMaskColumns +
                          " FROM mask_snapshots WHERE run_id = ?1 AND step = ?2 AND layer = ?3";
  Statement query(db_, sql.c_str(), path_, "cannot read the mask snapshots of run " + std::to_string(runId));
  query.bindInt(1, runId).bindInt(2, step).bindText(3, layer);
  if (!query.step())
    throw InputError(path_ + ": run " + std::to_string(runId) + " has no mask snapshot of " + layer + " at step " +
                     std::to_string(step));
  MaskSnapshotRecord m = readSnapshot(query, path_);
  while (query.step()) {
  }
  return m;
}

std::optional<CheckpointRecord> StoreReader::latestCheckpoint(int64_t runId) const {
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
  c.bytes = decompressBytes(query.blobViewAt(4),
                            path_ + ": checkpoint " + std::to_string(c.id) + " of run " + std::to_string(runId));
  while (query.step()) {
  }
  return c;
}

int64_t StoreReader::checkpointBytes(int64_t runId) const {
  Statement query(db_, "SELECT coalesce(sum(length(payload)), 0) FROM checkpoints WHERE run_id = ?1", path_,
                  "cannot read the checkpoints of run " + std::to_string(runId));
  query.bindInt(1, runId);
  int64_t bytes = 0;
  while (query.step()) bytes = query.intAt(0);
  return bytes;
}

std::string StoreReader::integrityCheck() const {
  Statement query(db_, "PRAGMA integrity_check", path_, "cannot check the store's integrity");
  std::string result;
  while (query.step()) result += (result.empty() ? "" : "; ") + query.textAt(0);
  return result;
}

}  // namespace ss
