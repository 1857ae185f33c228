#pragma once

#include <string>

struct sqlite3;

namespace ss {

// The layout of the store; bump it (and migrate) whenever a table changes.
inline constexpr int kStoreSchemaVersion = 6;

// Checks that db holds a SparseScope store this build understands and creates the tables in an empty
// file. Throws InputError for a foreign SQLite file or a newer schema version.
void ensureStoreSchema(sqlite3* db, const std::string& path, bool readOnly);

}  // namespace ss
