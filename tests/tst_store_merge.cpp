// Merging run stores: every record of every run arrives, merging again adds nothing, a copy further along
// replaces an earlier one, and conflicting copies or a newer schema are refused before anything is written.
#include <QtTest>
#include <filesystem>

#include "core/error.h"
#include "store/run_store.h"
#include "store/store_merge.h"
#include "store_test_helpers.h"
#include "test_helpers.h"

using namespace ss;
namespace fs = std::filesystem;

namespace {

std::string pathIn(const QTemporaryDir& dir, const std::string& name) {
  return dir.path().toStdString() + "/" + name;
}

// A run with a record in every table: epochs, steps, a mask change and snapshot, example statistics (final and
// per epoch), removed examples and a checkpoint. Ends it as finished unless told otherwise.
int64_t recordRun(RunStore& store, const std::string& name, int epochs, bool finish = true) {
  const int64_t id = store.beginRun(name, R"({"format": 1, "name": ")" + name + "\"}", 1, 1);
  for (int e = 1; e <= epochs; ++e) {
    EpochRecord r;
    r.epoch = e;
    r.step = 10 * e;
    r.testAccuracy = 0.5 + 0.01 * e;
    store.logEpoch(id, r);
    StepRecord s;
    s.epoch = e;
    s.step = 10 * e;
    s.loss = 1.0 / e;
    store.logStep(id, s);
    store.logExampleStatsAtEpoch(id, e, {{7, e, 0, 1, -1}});
    CheckpointRecord c;
    c.epoch = e;
    c.step = 10 * e;
    c.kind = "periodic";
    c.bytes = {uint8_t(e), 2, 3};
    store.logCheckpoint(id, c);
  }
  MaskChangeEvent m;
  m.layer = "fc1";
  m.epoch = 1;
  m.step = 10;
  m.rows = 2;
  m.cols = 2;
  m.dropped = m.grown = 1;
  m.activeAfter = 2;
  m.droppedPositions = {0};
  m.grownPositions = {3};
  store.logMaskChange(id, m);
  MaskSnapshotRecord snap;
  snap.layer = "fc1";
  snap.rows = snap.cols = 2;
  snap.active = 2;
  snap.positions = {0, 3};
  store.logMaskSnapshot(id, snap);
  ExamplesRemovedEvent removed;
  removed.epoch = 1;
  removed.rows = {0};
  removed.originalIndices = {5};
  store.logExamplesRemoved(id, removed);
  if (finish) {
    store.logExampleStats(id, {{7, epochs, 0, 1, -1}});
    store.endRun(id, RunStatus::Finished, "", 0.5 + 0.01 * epochs);
  } else {
    store.flush();
  }
  return id;
}

int64_t count(const std::string& db, const std::string& table) {
  return std::stoll(rawQuery(db, ("SELECT count(*) FROM " + table).c_str()));
}

}  // namespace

class TestStoreMerge : public QObject {
  Q_OBJECT

 private slots:
  void mergeCopiesEveryRecordOfEveryRun();
  void mergingTwiceAddsNothing();
  void folderStandsForEveryStoreInIt();
  void copyFurtherAlongReplacesTheEarlierOne();
  void differentResultsOfOneRunAreRefused();
  void snapshotsOfAVersionFourStoreMergeReadable();
  void newerSchemaIsRefused();
  void missingSourceIsNamed();
};

void TestStoreMerge::mergeCopiesEveryRecordOfEveryRun() {
  QTemporaryDir dir;
  const std::string a = pathIn(dir, "a.db"), b = pathIn(dir, "b.db"), into = pathIn(dir, "all.db");
  {
    RunStore sa(a), sb(b);
    recordRun(sa, "first", 3);
    recordRun(sb, "second", 2);
  }
  const MergeReport report = mergeStores({a, b}, into);
  QCOMPARE(report.sources, (std::vector<std::string>{a, b}));
  QCOMPARE(report.runsAdded, int64_t(2));
  QCOMPARE(report.runsUpdated + report.runsUnchanged, int64_t(0));

  RunStore merged(into);
  const std::vector<RunSummary> runs = merged.listRuns();
  QCOMPARE(runs.size(), size_t(2));
  const int64_t second = runs[1].name == "second" ? runs[1].id : runs[0].id;
  QCOMPARE(merged.run(second).finalTestAccuracy.value(), 0.52);
  QCOMPARE(merged.epochs(second).size(), size_t(2));
  QCOMPARE(merged.steps(second).size(), size_t(2));
  QCOMPARE(merged.maskChanges(second).at(0).grownPositions, (std::vector<int64_t>{3}));
  QCOMPARE(merged.maskSnapshots(second).at(0).positions, (std::vector<int64_t>{0, 3}));
  QCOMPARE(merged.removedExamples(second), (std::vector<int64_t>{5}));
  QCOMPARE(merged.exampleStats(second).at(0).presentations, 2);
  QCOMPARE(merged.exampleStatsHistory(second).size(), size_t(2));
  QCOMPARE(merged.latestCheckpoint(second)->bytes, (std::vector<uint8_t>{2, 2, 3}));  // the newest stays newest
  QCOMPARE(rawQuery(into, "SELECT count(DISTINCT uuid) FROM runs"), std::string("2"));
  QCOMPARE(rawQuery(into, "SELECT group_concat(uuid) FROM (SELECT uuid FROM runs ORDER BY id)"),
           rawQuery(a, "SELECT uuid FROM runs") + "," + rawQuery(b, "SELECT uuid FROM runs"));
}

void TestStoreMerge::mergingTwiceAddsNothing() {
  QTemporaryDir dir;
  const std::string a = pathIn(dir, "a.db"), into = pathIn(dir, "all.db");
  {
    RunStore sa(a);
    recordRun(sa, "one", 2);
    recordRun(sa, "two", 3);
  }
  mergeStores({a}, into);
  const std::vector<std::string> tables = {"runs",        "epoch_metrics",  "step_metrics",  "checkpoints",
                                           "mask_events", "mask_snapshots", "example_stats", "example_stats_history"};
  std::vector<int64_t> before;
  for (const auto& t : tables) before.push_back(count(into, t));
  const MergeReport again = mergeStores({a}, into);
  QCOMPARE(again.runsAdded, int64_t(0));
  QCOMPARE(again.runsUpdated, int64_t(0));
  QCOMPARE(again.runsUnchanged, int64_t(2));
  for (size_t i = 0; i < tables.size(); ++i) QCOMPARE(count(into, tables[i]), before[i]);
  QCOMPARE(before[0], int64_t(2));
}

void TestStoreMerge::folderStandsForEveryStoreInIt() {
  QTemporaryDir dir;
  fs::create_directories(pathIn(dir, "tasks/nested"));
  {
    RunStore s1(pathIn(dir, "tasks/1.db")), s2(pathIn(dir, "tasks/nested/2.db"));
    recordRun(s1, "one", 1);
    recordRun(s2, "two", 1);
  }
  writeTestText(dir, "tasks/notes.txt", "not a store");
  // The target inside the folder is not read as a source.
  const std::string into = pathIn(dir, "tasks/all.db");
  const MergeReport report = mergeStores({pathIn(dir, "tasks")}, into);
  QCOMPARE(report.sources.size(), size_t(2));
  QCOMPARE(report.runsAdded, int64_t(2));
  QCOMPARE(mergeStores({pathIn(dir, "tasks")}, into).runsAdded, int64_t(0));
}

void TestStoreMerge::copyFurtherAlongReplacesTheEarlierOne() {
  QTemporaryDir dir;
  const std::string live = pathIn(dir, "live.db"), snapshot = pathIn(dir, "snapshot.db"), into = pathIn(dir, "all.db");
  int64_t id = 0;
  {
    RunStore store(live);
    id = recordRun(store, "growing", 2, false);
    store.compact();  // everything in the main file, so a copy of it is the whole store
    fs::copy_file(live, snapshot);
    EpochRecord third;
    third.epoch = 3;
    third.step = 30;
    store.logEpoch(id, third);
    store.endRun(id, RunStatus::Finished, "", 0.75);
  }
  QCOMPARE(mergeStores({snapshot}, into).runsAdded, int64_t(1));
  const std::string mergedId = rawQuery(into, "SELECT id FROM runs");
  QCOMPARE(rawQuery(into, "SELECT status FROM runs"), std::string("running"));

  const MergeReport later = mergeStores({live}, into);
  QCOMPARE(later.runsUpdated, int64_t(1));
  QCOMPARE(rawQuery(into, "SELECT status || ' ' || final_test_accuracy FROM runs"), std::string("finished 0.75"));
  QCOMPARE(count(into, "epoch_metrics"), int64_t(3));
  QCOMPARE(rawQuery(into, "SELECT id FROM runs"), mergedId);  // the run keeps its id in the target

  // The older copy merged once more changes nothing.
  const MergeReport older = mergeStores({snapshot}, into);
  QCOMPARE(older.runsUnchanged, int64_t(1));
  QCOMPARE(count(into, "epoch_metrics"), int64_t(3));
}

void TestStoreMerge::differentResultsOfOneRunAreRefused() {
  QTemporaryDir dir;
  const std::string a = pathIn(dir, "a.db"), b = pathIn(dir, "b.db"), into = pathIn(dir, "all.db");
  {
    RunStore store(a);
    recordRun(store, "twice", 2);
    store.compact();
  }
  fs::copy_file(a, b);
  rawQuery(b, "UPDATE runs SET final_test_accuracy = 0.1");
  const QString message = QString::fromStdString(errorMessage<InputError>([&] { mergeStores({a, b}, into); }));
  QVERIFY2(message.contains("b.db: run ") && message.contains("'twice' has two different results"),
           qPrintable(message));
  QVERIFY2(message.contains("nothing was merged"), qPrintable(message));
  QCOMPARE(count(into, "runs"), int64_t(0));

  rawQuery(b, "UPDATE runs SET final_test_accuracy = 0.52, project_json = '{}'");
  const QString project = QString::fromStdString(errorMessage<InputError>([&] { mergeStores({a, b}, into); }));
  QVERIFY2(project.contains("was recorded from a different project"), qPrintable(project));
}

void TestStoreMerge::snapshotsOfAVersionFourStoreMergeReadable() {
  QTemporaryDir dir;
  const std::string old = pathIn(dir, "old.db"), into = pathIn(dir, "all.db");
  int64_t id = 0;
  {
    RunStore store(old);
    id = store.beginRun("bitmaps", "{}", 1, 1);
    store.endRun(id, RunStatus::Finished, "", 0.5);
  }
  turnBackToSchemaFour(old);
  QCOMPARE(rawQuery(old, schemaFourSnapshotInsert(id, "fc1", 0, 2, 2, {0, 1, 1, 0}).c_str()), std::string());
  {
    RunStore current(into);
    recordRun(current, "positions", 1);
  }
  QCOMPARE(mergeStores({old}, into).runsAdded, int64_t(1));
  RunStore merged(into);
  const std::vector<RunSummary> runs = merged.listRuns();
  const int64_t bitmaps = runs[0].name == "bitmaps" ? runs[0].id : runs[1].id;
  const int64_t positions = runs[0].name == "bitmaps" ? runs[1].id : runs[0].id;
  QCOMPARE(merged.maskSnapshots(bitmaps).at(0).positions, (std::vector<int64_t>{1, 2}));
  QCOMPARE(merged.maskSnapshots(positions).at(0).positions, (std::vector<int64_t>{0, 3}));
}

void TestStoreMerge::newerSchemaIsRefused() {
  QTemporaryDir dir;
  const std::string future = pathIn(dir, "future.db"), into = pathIn(dir, "all.db");
  {
    RunStore store(future);
    recordRun(store, "from the future", 1);
  }
  rawQuery(future, "PRAGMA user_version = 99");
  const QString message = QString::fromStdString(errorMessage<InputError>([&] { mergeStores({future}, into); }));
  QVERIFY2(message.contains("future.db: store schema version 99 is newer than this SparseScope understands"),
           qPrintable(message));
  QCOMPARE(count(into, "runs"), int64_t(0));
}

void TestStoreMerge::missingSourceIsNamed() {
  QTemporaryDir dir;
  const QString message = QString::fromStdString(
      errorMessage<InputError>([&] { mergeStores({pathIn(dir, "nope.db")}, pathIn(dir, "all.db")); }));
  QVERIFY2(message.contains("nope.db: no such store file"), qPrintable(message));
}

QTEST_GUILESS_MAIN(TestStoreMerge)
#include "tst_store_merge.moc"
