#include "store/sqlite_statement.h"

#include <sqlite3.h>

#include <limits>

#include "core/error.h"

namespace ss {

void throwSqliteError(sqlite3* db, int rc, const std::string& path, const std::string& context) {
  const std::string message = path + ": " + context + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  const int primary = rc & 0xff;
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) throw InputError(message);
  if (primary == SQLITE_FULL) throw StoreFullError(message);
  throw RunError(message);
}

void executeSql(sqlite3* db, const char* sql, const std::string& path, const std::string& context) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throwSqliteError(db, rc, path, context);
}

void writeBlobPieces(sqlite3* db, const char* table, const char* column, int64_t rowid,
                     const std::vector<std::vector<uint8_t>>& pieces, const std::string& path,
                     const std::string& context) {
  sqlite3_blob* blob = nullptr;
  int rc = sqlite3_blob_open(db, "main", table, column, rowid, 1, &blob);
  int offset = 0;
  for (size_t i = 0; rc == SQLITE_OK && i < pieces.size(); ++i) {
    rc = sqlite3_blob_write(blob, pieces[i].data(), int(pieces[i].size()), offset);
    offset += int(pieces[i].size());
  }
  // sqlite3_blob_close reports nothing new after a failed write; the write's own error is the one to name.
  const int closed = sqlite3_blob_close(blob);
  if (rc == SQLITE_OK) rc = closed;
  if (rc != SQLITE_OK) throwSqliteError(db, rc, path, context);
}

Statement::Statement(sqlite3* db, const char* sql, std::string path, std::string context)
    : db_(db), path_(std::move(path)), context_(std::move(context)) {
  const int rc = sqlite3_prepare_v2(db_, sql, -1, &stmt_, nullptr);
  if (rc != SQLITE_OK) throwSqliteError(db_, rc, path_, context_);
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

void Statement::check(int rc) {
  if (rc != SQLITE_OK) throwSqliteError(db_, rc, path_, context_);
}

Statement& Statement::bindInt(int index, int64_t value) {
  check(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::bindDouble(int index, double value) {
  check(sqlite3_bind_double(stmt_, index, value));
  return *this;
}

Statement& Statement::bindOptionalDouble(int index, std::optional<double> value) {
  return value ? bindDouble(index, *value) : bindNull(index);
}

Statement& Statement::bindText(int index, const std::string& value) {
  check(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::bindNull(int index) {
  check(sqlite3_bind_null(stmt_, index));
  return *this;
}

Statement& Statement::bindBlob(int index, const std::vector<uint8_t>& bytes) {
  check(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::bindZeroBlob(int index, int64_t size) {
  check(sqlite3_bind_zeroblob64(stmt_, index, sqlite3_uint64(size)));
  return *this;
}

int Statement::parameterCount() const {
  return sqlite3_bind_parameter_count(stmt_);
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) {
    sqlite3_reset(stmt_);
    return false;
  }
  // The reset keeps the failed step's message on the connection for throwSqliteError.
  sqlite3_reset(stmt_);
  throwSqliteError(db_, rc, path_, context_);
}

void Statement::run() {
  while (step()) {
  }
}

int64_t Statement::intAt(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::doubleAt(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::numeric_limits<double>::quiet_NaN();
  return sqlite3_column_double(stmt_, column);
}

bool Statement::isNullAt(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::optional<double> Statement::optionalDoubleAt(int column) const {
  if (isNullAt(column)) return std::nullopt;
  return sqlite3_column_double(stmt_, column);
}

std::string Statement::textAt(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::vector<int64_t> Statement::int32ArrayAt(int column) const {
  const auto* bytes = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, column));
  const size_t count = size_t(sqlite3_column_bytes(stmt_, column)) / 4;
  std::vector<int64_t> values(count);
  for (size_t i = 0; i < count; ++i) {
    uint32_t v = 0;
    for (int b = 0; b < 4; ++b) v |= uint32_t(bytes[4 * i + size_t(b)]) << (8 * b);
    values[i] = int64_t(int32_t(v));
  }
  return values;
}

std::vector<uint8_t> Statement::blobAt(int column) const {
  const std::span<const uint8_t> view = blobViewAt(column);
  return std::vector<uint8_t>(view.begin(), view.end());
}

std::span<const uint8_t> Statement::blobViewAt(int column) const {
  const auto* bytes = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
  return {bytes, size_t(sqlite3_column_bytes(stmt_, column))};
}

}  // namespace ss
