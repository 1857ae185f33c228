#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ss {

// A write that found the disk (or the store's size cap) full: callers that can do without the write catch it.
class StoreFullError : public RunError {
 public:
  using RunError::RunError;
};

// Throws the error of the last failed call on db as "<path>: <context>: <SQLite's message>": an
// InputError when the file is not a database or is damaged, a StoreFullError when the disk is full, a RunError
// otherwise.
[[noreturn]] void throwSqliteError(sqlite3* db, int rc, const std::string& path, const std::string& context);

// Writes `pieces` one after another into the blob at (table, column, rowid), made by bindZeroBlob with their total
// size, through SQLite's incremental blob I/O: a large payload is never assembled into one record in memory.
void writeBlobPieces(sqlite3* db, const char* table, const char* column, int64_t rowid,
                     const std::vector<std::vector<uint8_t>>& pieces, const std::string& path,
                     const std::string& context);

// Runs SQL that takes no values (pragmas, DDL, transaction control).
void executeSql(sqlite3* db, const char* sql, const std::string& path, const std::string& context);

// One prepared statement; values are always bound, never spliced into the SQL.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql, std::string path, std::string context);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bindInt(int index, int64_t value);
  Statement& bindDouble(int index, double value);
  Statement& bindOptionalDouble(int index, std::optional<double> value);
  Statement& bindText(int index, const std::string& value);
  Statement& bindNull(int index);
  Statement& bindBlob(int index, const std::vector<uint8_t>& bytes);
  // A blob of `size` zero bytes that SQLite writes without holding them: fill it with writeBlobPieces.
  Statement& bindZeroBlob(int index, int64_t size);

  int parameterCount() const;  // the highest ?N the SQL uses

  bool step();  // true while a row is available; resets the statement when done or on error
  void run();   // steps a statement that returns no rows, then resets it

  bool isNullAt(int column) const;
  int64_t intAt(int column) const;
  double doubleAt(int column) const;  // NaN for NULL: SQLite stores a NaN as NULL
  std::optional<double> optionalDoubleAt(int column) const;
  std::string textAt(int column) const;                 // "" for NULL
  std::vector<int64_t> int32ArrayAt(int column) const;  // a little-endian int32 BLOB (stores before schema 5)
  std::vector<uint8_t> blobAt(int column) const;
  // The blob where SQLite holds it, valid until the statement steps again or resets: read a large one without a copy.
  std::span<const uint8_t> blobViewAt(int column) const;

 private:
  void check(int rc);

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string path_;
  std::string context_;
};

}  // namespace ss
