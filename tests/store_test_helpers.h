#pragma once

#include <sqlite3.h>

#include <QTemporaryDir>
#include <cstdio>
#include <string>
#include <vector>

#include "core/compression.h"
#include "store/run_store.h"

// What the store tests share: a store file in a temporary folder, raw SQL beside the store's own connections,
// and the text of an expected exception.

inline std::string storePath(const QTemporaryDir& dir) {
  return dir.path().toStdString() + "/sparsescope.db";
}

// Runs one SQL statement on a separate raw connection and returns the first column of its first row.
inline std::string rawQuery(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  std::string result;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0)) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      result = std::string("error: ") + sqlite3_errmsg(db);
    }
  } else {
    result = std::string("error: ") + sqlite3_errmsg(db);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return result;
}

// Takes back what schema version 6 added (the memory model's lines and the measured resident set), so a test can turn
// a new store into one an older SparseScope wrote; returns the first error, or "".
inline std::string dropSchemaVersion6(const std::string& path) {
  for (const char* sql : {"DROP TABLE memory_lines", "ALTER TABLE epoch_metrics DROP COLUMN peak_rss_bytes",
                          "ALTER TABLE epoch_metrics DROP COLUMN base_rss_bytes",
                          "ALTER TABLE runs DROP COLUMN peak_rss_bytes", "ALTER TABLE runs DROP COLUMN base_rss_bytes"})
    if (std::string result = rawQuery(path, sql); !result.empty()) return result;
  return "";
}

template <typename Error, typename F>
inline std::string errorMessage(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error thrown";
}

// Turns a store back into schema version 4, as SparseScope wrote it before masks were kept as positions: the
// snapshot's mask column named `bitmap`, and neither mask_format nor the mask changes' positions_format.
inline void turnBackToSchemaFour(const std::string& path) {
  dropSchemaVersion6(path);
  for (const char* sql :
       {"ALTER TABLE mask_snapshots DROP COLUMN mask_format", "ALTER TABLE mask_snapshots RENAME COLUMN mask TO bitmap",
        "ALTER TABLE mask_events DROP COLUMN positions_format", "PRAGMA user_version = 4"})
    rawQuery(path, sql);
}

// A new store at `path` with one run "old" (its id returned), turned back into schema version 4.
inline int64_t schemaFourStoreWithARun(const std::string& path) {
  int64_t id = 0;
  {
    ss::RunStore store(path);
    id = store.beginRun("old", "{}", 1, 1);
  }
  turnBackToSchemaFour(path);
  return id;
}

// The SQL that adds a snapshot as a version 4 store holds it: one bit per weight (least significant first),
// zlib-compressed, without magnitudes. `flags` holds a byte per weight of a rows x cols layer.
inline std::string schemaFourSnapshotInsert(int64_t runId, const std::string& layer, int64_t step, int rows, int cols,
                                            const std::vector<uint8_t>& flags) {
  std::vector<uint8_t> bits((flags.size() + 7) / 8, 0);
  int64_t active = 0;
  for (size_t i = 0; i < flags.size(); ++i) {
    if (flags[i]) bits[i / 8] |= uint8_t(1u << (i % 8));
    active += flags[i] != 0;
  }
  std::string hex;
  for (uint8_t b : ss::compressBytes(bits)) {
    char digits[3];
    std::snprintf(digits, sizeof digits, "%02x", b);
    hex += digits;
  }
  return "INSERT INTO mask_snapshots (run_id, step, layer, epoch, rows, cols, active, bitmap) VALUES (" +
         std::to_string(runId) + ", " + std::to_string(step) + ", '" + layer + "', 0, " + std::to_string(rows) + ", " +
         std::to_string(cols) + ", " + std::to_string(active) + ", X'" + hex + "')";
}
