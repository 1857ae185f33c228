#pragma once

#include <sqlite3.h>

#include <QTemporaryDir>
#include <string>

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

template <typename Error, typename F>
inline std::string errorMessage(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error thrown";
}
