#include "store/store_connection.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "core/error.h"
#include "store/sqlite_statement.h"

namespace ss {

namespace {
// Long enough for another process to commit a large batch, short enough to report a stuck lock.
constexpr int kBusyTimeoutMs = 10000;

std::string folderOf(const std::string& path) {
  const std::string folder = std::filesystem::path(path).parent_path().string();
  return folder.empty() ? "." : folder;
}

bool exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

// Why the store's folder cannot take new files (a read-only mount, no permission), or "" when it can.
std::string folderRefusesWrites(const std::string& path) {
  if (access(folderOf(path).c_str(), W_OK) == 0) return "";
  return std::strerror(errno);
}

// A URI for sqlite3_open_v2 with SQLITE_OPEN_URI: the path with the characters URIs reserve escaped.
std::string fileUri(const std::string& path, const char* query) {
  std::string uri = "file:";
  for (const char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      static const char* hex = "0123456789ABCDEF";
      uri += '%';
      uri += hex[(unsigned char)c >> 4];
      uri += hex[(unsigned char)c & 15];
    } else {
      uri += c;
    }
  }
  return uri + "?" + query;
}
}  // namespace

void ConnectionCloser::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

bool isWriteProtected(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return false;
  return access(path.c_str(), W_OK) != 0 || (st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0;
}

Connection openStoreConnection(const std::string& path, bool readOnly, int64_t maxBytes) {
  const std::string folderProblem = folderRefusesWrites(path);
  if (!readOnly && !folderProblem.empty() && !exists(path))
    throw InputError(path + ": cannot create the store: its folder " + folderOf(path) + " takes no new files (" +
                     folderProblem + ")");
  // A reader of a WAL store needs its -shm index, which it cannot create on a read-only mount. With no -wal file
  // left beside it, the main file holds every commit and nothing can change it there, so it is opened as
  // immutable: no -shm, no locks.
  std::string name = path;
  int flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (readOnly && !folderProblem.empty() && !exists(path + "-wal")) {
    name = fileUri(path, "immutable=1");
    flags |= SQLITE_OPEN_URI;
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(name.c_str(), &raw, flags, nullptr);
  Connection db(raw);
  if (rc != SQLITE_OK) {
    throw InputError(path + ": cannot open store: " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);

  // The first statement reads the file header, so a file that is not SQLite fails here.
  Statement(db.get(), "SELECT count(*) FROM sqlite_master", path, "cannot open store").run();
  // Two processes opening one new store at once both switch it to WAL, which takes the file's exclusive lock;
  // SQLite answers one of them "database is locked" at once, without waiting out the busy timeout, when
  // waiting could deadlock: retried, the switch finds the other's done (cli_tests' concurrent writers failed
  // so under load).
  if (!readOnly)
    retryWhileBusy(db.get(), [&] {
      executeSql(db.get(), "PRAGMA journal_mode = WAL", path, "cannot switch the store to WAL mode");
    });
  executeSql(db.get(), "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", path, "cannot configure the store");
  if (maxBytes > 0) {
    Statement pageSize(db.get(), "PRAGMA page_size", path, "cannot configure the store");
    int64_t bytesPerPage = 4096;
    while (pageSize.step()) bytesPerPage = pageSize.intAt(0);
    const std::string cap = "PRAGMA max_page_count = " + std::to_string(std::max<int64_t>(1, maxBytes / bytesPerPage));
    Statement(db.get(), cap.c_str(), path, "cannot cap the store's size").step();
  }
  return db;
}

void retryWhileBusy(sqlite3* db, const std::function<void()>& write) {
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    try {
      write();
      return;
    } catch (...) {
      const int failedCode = sqlite3_errcode(db) & 0xff;
      // SQLite may already have rolled back (a full disk does); otherwise undo the partial write.
      if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      if ((failedCode != SQLITE_BUSY && failedCode != SQLITE_LOCKED) || attempt == kAttempts) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt));
  }
}

}  // namespace ss
