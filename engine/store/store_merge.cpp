#include "store/store_merge.h"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "core/error.h"
#include "store/sqlite_statement.h"
#include "store/store_connection.h"
#include "store/store_schema.h"

namespace ss {

namespace fs = std::filesystem;

namespace {

// One store's copy of a run: what decides which copy wins and whether two copies conflict.
struct RunCopy {
  size_t store = 0;  // index into the list of stores; the target is 0
  int64_t id = 0;    // the run's id in that store
  std::string name, status, projectJson, startedAt, endedAt;
  std::optional<double> finalTestAccuracy;
  int64_t epochs = 0, steps = 0, checkpoints = 0;

  auto progress() const { return std::tuple(status == "finished", epochs, steps, checkpoints); }
  bool sameResult(const RunCopy& o) const {
    return startedAt == o.startedAt && endedAt == o.endedAt && finalTestAccuracy == o.finalTestAccuracy;
  }
};

std::vector<std::string> expandSources(const std::vector<std::string>& sources, const std::string& into) {
  const auto same = [](const fs::path& a, const fs::path& b) {
    std::error_code ec;
    return fs::equivalent(a, b, ec);
  };
  std::vector<std::string> files;
  for (const std::string& source : sources) {
    std::error_code ec;
    if (fs::is_directory(source, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::recursive_directory_iterator(source, ec))
        if (entry.is_regular_file() && entry.path().extension() == ".db" && !same(entry.path(), into))
          found.push_back(entry.path().string());
      if (ec) throw InputError(source + ": cannot read the folder: " + ec.message());
      if (found.empty()) throw InputError(source + ": no *.db store in this folder");
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      if (!fs::exists(source, ec)) throw InputError(source + ": no such store file");
      if (same(source, into)) throw InputError(source + ": is the store merged into; it cannot also be a source");
      files.push_back(source);
    }
  }
  std::vector<std::string> unique;
  for (const std::string& f : files)
    if (std::none_of(unique.begin(), unique.end(), [&](const std::string& u) { return same(u, f); }))
      unique.push_back(f);
  return unique;
}

std::map<std::string, RunCopy> readCopies(sqlite3* db, const std::string& path, size_t store) {
  Statement query(db,
                  "SELECT r.id, r.uuid, r.name, r.status, r.project_json, r.started_at, coalesce(r.ended_at, ''), "
                  "r.final_test_accuracy, (SELECT count(*) FROM epoch_metrics e WHERE e.run_id = r.id), "
                  "(SELECT count(*) FROM step_metrics s WHERE s.run_id = r.id), "
                  "(SELECT count(*) FROM checkpoints c WHERE c.run_id = r.id) FROM runs r",
                  path, "cannot read the runs");
  std::map<std::string, RunCopy> copies;
  while (query.step()) {
    RunCopy c;
    c.store = store;
    c.id = query.intAt(0);
    c.name = query.textAt(2);
    c.status = query.textAt(3);
    c.projectJson = query.textAt(4);
    c.startedAt = query.textAt(5);
    c.endedAt = query.textAt(6);
    c.finalTestAccuracy = query.optionalDoubleAt(7);
    c.epochs = query.intAt(8);
    c.steps = query.intAt(9);
    c.checkpoints = query.intAt(10);
    copies.emplace(query.textAt(1), std::move(c));
  }
  return copies;
}

// The columns a copy carries over, as "a, b, c": every column of the table but the run's id and a row id of
// its own. Read from the target's schema, so a table or column added later is merged without touching this.
struct TableCopy {
  std::string table, columns;
  bool hasRowId = false;  // copied in id order, so "newest by id" stays true (checkpoints)
};

std::vector<TableCopy> recordTables(sqlite3* db, const std::string& path) {
  Statement query(db,
                  "SELECT m.name, p.name, p.pk FROM sqlite_master m JOIN pragma_table_info(m.name) p "
                  "WHERE m.type = 'table' ORDER BY m.name, p.cid",
                  path, "cannot read the store's tables");
  std::map<std::string, TableCopy> tables;
  std::set<std::string> withRunId;
  while (query.step()) {
    const std::string table = query.textAt(0), column = query.textAt(1);
    TableCopy& t = tables[table];
    t.table = table;
    if (column == "run_id") withRunId.insert(table);
    if (column == "id" && query.intAt(2) == 1) {
      t.hasRowId = true;
      continue;
    }
    if (column == "run_id") continue;
    t.columns += (t.columns.empty() ? "" : ", ") + column;
  }
  std::vector<TableCopy> result;
  for (const auto& [name, t] : tables)
    if (name == "runs" || withRunId.count(name)) result.push_back(t);
  // The run row first: the records refer to it.
  std::stable_partition(result.begin(), result.end(), [](const TableCopy& t) { return t.table == "runs"; });
  return result;
}

Connection openChecked(const std::string& path, bool forWriting) {
  const bool readOnly = !forWriting && isWriteProtected(path);
  if (forWriting && isWriteProtected(path)) throw InputError(path + ": the store is read-only; cannot merge into it");
  Connection db = openStoreConnection(path, readOnly);
  ensureStoreSchema(db.get(), path, readOnly);
  return db;
}

std::string describe(const RunCopy& c, const std::string& path) {
  return path + " (" + c.status + ", " + std::to_string(c.epochs) + " epochs" +
         (c.finalTestAccuracy ? ", final test accuracy " + std::to_string(*c.finalTestAccuracy) : "") + ")";
}

// Copies run `sourceId` of the attached store "src" into the target, under `targetId` when the target had an
// earlier copy of it (its records are deleted first), else under a new id.
void copyRun(sqlite3* db, const std::string& into, const std::vector<TableCopy>& tables, int64_t sourceId,
             std::optional<int64_t> targetId) {
  const std::string context = "cannot merge run " + std::to_string(sourceId);
  if (targetId) Statement(db, "DELETE FROM main.runs WHERE id = ?1", into, context).bindInt(1, *targetId).run();
  int64_t newId = 0;
  for (const TableCopy& t : tables) {
    std::string sql;
    if (t.table == "runs") {
      sql = "INSERT INTO main.runs (id, " + t.columns + ") SELECT ?2, " + t.columns + " FROM src.runs WHERE id = ?1";
    } else {
      sql = "INSERT INTO main." + t.table + " (run_id, " + t.columns + ") SELECT ?2, " + t.columns + " FROM src." +
            t.table + " WHERE run_id = ?1" + (t.hasRowId ? " ORDER BY id" : "");
    }
    Statement insert(db, sql.c_str(), into, context);
    insert.bindInt(1, sourceId);
    if (t.table == "runs" && !targetId)
      insert.bindNull(2);
    else
      insert.bindInt(2, t.table == "runs" ? *targetId : newId);
    insert.run();
    if (t.table == "runs") newId = targetId ? *targetId : sqlite3_last_insert_rowid(db);
  }
}

}  // namespace

MergeReport mergeStores(const std::vector<std::string>& sources, const std::string& into) {
  MergeReport report;
  report.sources = expandSources(sources, into);
  Connection target = openChecked(into, true);
  const std::vector<TableCopy> tables = recordTables(target.get(), into);

  // Decide every run's winning copy before writing anything, so a conflict leaves the target untouched.
  std::vector<std::string> paths{into};
  std::map<std::string, RunCopy> best = readCopies(target.get(), into, 0);
  const std::map<std::string, RunCopy> inTarget = best;
  std::set<std::string> inSources;
  for (const std::string& source : report.sources) {
    paths.push_back(source);
    Connection db = openChecked(source, false);
    for (auto& [uuid, copy] : readCopies(db.get(), source, paths.size() - 1)) {
      inSources.insert(uuid);
      auto it = best.find(uuid);
      if (it == best.end()) {
        best.emplace(uuid, std::move(copy));
        continue;
      }
      const RunCopy& held = it->second;
      const std::string run = "run " + uuid + " '" + copy.name + "'";
      if (held.projectJson != copy.projectJson)
        throw InputError(source + ": " + run + " was recorded from a different project in " + paths[held.store] +
                         "; one run cannot have two projects, so nothing was merged");
      if (held.progress() == copy.progress() && held.status == "finished" && !held.sameResult(copy))
        throw InputError(source + ": " + run + " has two different results: " + describe(copy, source) + " and " +
                         describe(held, paths[held.store]) + "; nothing was merged");
      if (copy.progress() > held.progress()) it->second = std::move(copy);
    }
  }

  for (size_t store = 1; store < paths.size(); ++store) {
    std::vector<std::pair<int64_t, std::optional<int64_t>>> chosen;  // source id -> the target's id, if any
    for (const auto& [uuid, copy] : best) {
      if (copy.store != store) continue;
      const auto held = inTarget.find(uuid);
      chosen.emplace_back(copy.id, held == inTarget.end() ? std::nullopt : std::optional(held->second.id));
      (held == inTarget.end() ? report.runsAdded : report.runsUpdated)++;
    }
    if (chosen.empty()) continue;
    std::sort(chosen.begin(), chosen.end());  // the source's order: new runs get ids in the order they were made
    Statement attach(target.get(), "ATTACH DATABASE ?1 AS src", into, "cannot open " + paths[store]);
    attach.bindText(1, paths[store]).run();
    try {
      executeSql(target.get(), "BEGIN IMMEDIATE", into, "cannot merge " + paths[store]);
      for (const auto& [sourceId, targetId] : chosen) copyRun(target.get(), into, tables, sourceId, targetId);
      executeSql(target.get(), "COMMIT", into, "cannot merge " + paths[store]);
    } catch (...) {
      if (!sqlite3_get_autocommit(target.get())) sqlite3_exec(target.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      sqlite3_exec(target.get(), "DETACH DATABASE src", nullptr, nullptr, nullptr);
      throw;
    }
    executeSql(target.get(), "DETACH DATABASE src", into, "cannot close " + paths[store]);
  }
  for (const std::string& uuid : inSources)
    if (best.at(uuid).store == 0) ++report.runsUnchanged;
  return report;
}

}  // namespace ss
