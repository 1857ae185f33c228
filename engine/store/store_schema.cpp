#include "store/store_schema.h"

#include <sqlite3.h>

#include "core/error.h"
#include "store/sqlite_statement.h"

namespace ss {

namespace {

// "SpSc": tells a SparseScope store from another program's SQLite file that also sets user_version.
constexpr int64_t kApplicationId = 0x53705363;

// Metric columns may hold NULL because SQLite stores a NaN (a diverged loss) as NULL.
constexpr const char* kCreateSchema = R"sql(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  project_json TEXT NOT NULL,
  engine_version TEXT NOT NULL,
  seed INTEGER NOT NULL,
  threads INTEGER NOT NULL,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'cancelled', 'interrupted')),
  message TEXT NOT NULL DEFAULT '',
  final_test_accuracy REAL
);
CREATE TABLE epoch_metrics (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  step INTEGER NOT NULL,
  train_loss REAL,
  train_accuracy REAL,
  test_loss REAL,
  test_accuracy REAL,
  lr REAL,
  density REAL,
  samples_per_second REAL,
  epoch_seconds REAL,
  examples_in_use INTEGER,
  memory_bytes INTEGER,
  PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;
CREATE TABLE step_metrics (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  loss REAL,
  accuracy REAL,
  lr REAL,
  samples_per_second REAL,
  PRIMARY KEY (run_id, step)
) WITHOUT ROWID;
PRAGMA application_id = 1399870307;
PRAGMA user_version = 1;
)sql";
static_assert(kApplicationId == 1399870307, "keep kCreateSchema's pragma in step");

// Version 2: the algorithms' mask changes (positions as little-endian int32 arrays), the examples
// data efficiency removed and every example's forgetting statistics, by index in the data file.
constexpr const char* kMigrateTo2 = R"sql(
CREATE TABLE mask_events (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  layer TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  cols INTEGER NOT NULL,
  dropped INTEGER NOT NULL,
  grown INTEGER NOT NULL,
  active_after INTEGER NOT NULL,
  dropped_positions BLOB,
  grown_positions BLOB,
  PRIMARY KEY (run_id, step, layer)
) WITHOUT ROWID;
CREATE TABLE removed_examples (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  original_index INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  PRIMARY KEY (run_id, original_index)
) WITHOUT ROWID;
CREATE TABLE example_stats (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  original_index INTEGER NOT NULL,
  presentations INTEGER NOT NULL,
  forgetting_events INTEGER NOT NULL,
  first_learned_epoch INTEGER NOT NULL,
  removed_at_epoch INTEGER NOT NULL,
  PRIMARY KEY (run_id, original_index)
) WITHOUT ROWID;
PRAGMA user_version = 2;
)sql";
// Version 3: checkpoints (zlib-compressed, newest by id), mask snapshots (one bit per weight, zlib), every
// epoch's example statistics (one zlib array of ExampleStatRecord per epoch) and the measured resident set.
constexpr const char* kMigrateTo3 = R"sql(
CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('periodic', 'cancel', 'final')),
  created_at TEXT NOT NULL,
  raw_bytes INTEGER NOT NULL,
  payload BLOB NOT NULL
);
CREATE INDEX checkpoints_by_run ON checkpoints(run_id, id);
CREATE TABLE mask_snapshots (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  layer TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  cols INTEGER NOT NULL,
  active INTEGER NOT NULL,
  bitmap BLOB NOT NULL,
  PRIMARY KEY (run_id, step, layer)
);
CREATE TABLE example_stats_history (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  stats BLOB NOT NULL,
  PRIMARY KEY (run_id, epoch)
);
ALTER TABLE epoch_metrics ADD COLUMN rss_bytes INTEGER;
PRAGMA user_version = 3;
)sql";
// Version 4: the magnitudes of a snapshot's active weights, so the mask viewer can colour any snapshot by |w|
// (NULL in snapshots logged before).
constexpr const char* kMigrateTo4 = R"sql(
ALTER TABLE mask_snapshots ADD COLUMN magnitudes BLOB;
PRAGMA user_version = 4;
)sql";
// Version 5: a snapshot's mask as its active positions (sparse/position_coding.h) instead of one bit per weight,
// which for a 65536 x 65536 layer at 0.1% density is 7.1 MB instead of 17 MB zlib-compressed from 537 MB of bits
// (built in memory to write it); and a mask change's positions coded the same way instead of as int32 arrays,
// which cannot hold a position past 2^31 (that layer has 2^32). Rows written before keep their forms, named by
// mask_format and positions_format, and stay readable.
constexpr const char* kMigrateTo5 = R"sql(
ALTER TABLE mask_snapshots RENAME COLUMN bitmap TO mask;
ALTER TABLE mask_snapshots ADD COLUMN mask_format TEXT NOT NULL DEFAULT 'bitmap'
  CHECK (mask_format IN ('bitmap', 'positions'));
ALTER TABLE mask_events ADD COLUMN positions_format TEXT NOT NULL DEFAULT 'int32'
  CHECK (positions_format IN ('int32', 'positions'));
PRAGMA user_version = 5;
)sql";
// Version 6: the memory model's lines as the run began (with its dense twin's), and the resident set the process
// measured: each epoch's high-water mark and base, and at the run's end the peak its part reached (NULL before).
constexpr const char* kMigrateTo6 = R"sql(
CREATE TABLE memory_lines (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  line TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  dense_bytes INTEGER NOT NULL,
  PRIMARY KEY (run_id, position)
) WITHOUT ROWID;
ALTER TABLE epoch_metrics ADD COLUMN peak_rss_bytes INTEGER;
ALTER TABLE epoch_metrics ADD COLUMN base_rss_bytes INTEGER;
ALTER TABLE runs ADD COLUMN peak_rss_bytes INTEGER;
ALTER TABLE runs ADD COLUMN base_rss_bytes INTEGER;
PRAGMA user_version = 6;
)sql";
static_assert(kStoreSchemaVersion == 6, "add the migration for a new version");

int64_t pragmaValue(sqlite3* db, const char* sql, const std::string& path) {
  Statement query(db, sql, path, "cannot read the store's schema");
  int64_t value = 0;
  while (query.step()) value = query.intAt(0);
  return value;
}

bool hasTables(sqlite3* db, const std::string& path) {
  return pragmaValue(db, "SELECT count(*) FROM sqlite_master", path) > 0;
}

// Throws unless the file is empty or one of our stores of a version we can read.
void checkIdentity(sqlite3* db, const std::string& path, int64_t version) {
  const int64_t applicationId = pragmaValue(db, "PRAGMA application_id", path);
  const bool empty = version == 0 && applicationId == 0 && !hasTables(db, path);
  if (!empty && applicationId != kApplicationId) {
    throw InputError(path + ": not a SparseScope store (an SQLite file of another program)");
  }
  if (version > kStoreSchemaVersion) {
    throw InputError(path + ": store schema version " + std::to_string(version) +
                     " is newer than this SparseScope understands (" + std::to_string(kStoreSchemaVersion) +
                     "); open it with a newer SparseScope");
  }
}

}  // namespace

void ensureStoreSchema(sqlite3* db, const std::string& path, bool readOnly) {
  int64_t version = pragmaValue(db, "PRAGMA user_version", path);
  checkIdentity(db, path, version);
  if (version == kStoreSchemaVersion) return;
  if (readOnly)
    throw InputError(path + (version == 0 ? ": the file is read-only and holds no SparseScope store yet"
                                          : ": the file is read-only and its store needs migrating to schema version " +
                                                std::to_string(kStoreSchemaVersion)));

  // Another process may be creating the same file: decide again under the write lock.
  executeSql(db, "BEGIN IMMEDIATE", path, "cannot create the store");
  try {
    version = pragmaValue(db, "PRAGMA user_version", path);
    checkIdentity(db, path, version);
    if (version == 0) executeSql(db, kCreateSchema, path, "cannot create the store");
    if (version < 2) executeSql(db, kMigrateTo2, path, "cannot migrate the store to schema version 2");
    if (version < 3) executeSql(db, kMigrateTo3, path, "cannot migrate the store to schema version 3");
    if (version < 4) executeSql(db, kMigrateTo4, path, "cannot migrate the store to schema version 4");
    if (version < 5) executeSql(db, kMigrateTo5, path, "cannot migrate the store to schema version 5");
    if (version < 6) executeSql(db, kMigrateTo6, path, "cannot migrate the store to schema version 6");
    executeSql(db, "COMMIT", path, "cannot create the store");
  } catch (...) {
    if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace ss
