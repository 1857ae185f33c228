#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

struct sqlite3;

namespace ss {

struct ConnectionCloser {
  void operator()(sqlite3* db) const;
};
using Connection = std::unique_ptr<sqlite3, ConnectionCloser>;

// True when the store file exists and may not be written. A file without any write permission bit
// counts as read-only even for root, who could write it anyway: the user marked it so on purpose.
bool isWriteProtected(const std::string& path);

// Opens one connection to the store and configures it for several writing processes: a busy timeout,
// WAL journal, synchronous=NORMAL, foreign keys. Throws InputError when the file cannot be opened or
// is not a database. A read-only connection leaves the journal mode as it finds it. maxBytes > 0 caps the
// file (SQLite's max_page_count): writes past it fail as on a full disk.
Connection openStoreConnection(const std::string& path, bool readOnly, int64_t maxBytes = 0);

// Runs a write on db. The busy timeout already waits for other writers; a write that still finds the file locked
// (another process holding a long transaction, a checked build on a saturated machine) is undone if it opened a
// transaction and tried again a few times before its error is thrown.
void retryWhileBusy(sqlite3* db, const std::function<void()>& write);

}  // namespace ss
