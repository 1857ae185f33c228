#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QDir>
#include <QTemporaryDir>
#include <QTest>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <limits>
#include <thread>

#include "core/error.h"
#include "store/run_store.h"
#include "store_test_helpers.h"
#include "test_helpers.h"

using namespace ss;

namespace {

EpochRecord epochRow(int epoch) {
  EpochRecord r;
  r.epoch = epoch;
  r.step = 100 * epoch;
  r.trainLoss = 2.0 / epoch;
  r.trainAccuracy = 0.5 + 0.01 * epoch;
  r.testLoss = 2.5 / epoch;
  r.testAccuracy = 0.4 + 0.01 * epoch;
  r.lr = 0.1 / epoch;
  r.density = 0.25;
  r.samplesPerSecond = 1234.5;
  r.epochSeconds = 3.25;
  r.examplesInUse = 60000 - epoch;
  r.memoryBytes = int64_t(1) << 33;
  return r;
}

StepRecord stepRow(int64_t step) {
  StepRecord r;
  r.epoch = static_cast<int>(step / 100 + 1);
  r.step = step;
  r.loss = 1.0 / static_cast<double>(step);
  r.accuracy = 0.001 * static_cast<double>(step % 1000);
  r.lr = 0.05;
  r.samplesPerSecond = 800.0 + static_cast<double>(step);
  return r;
}

// Compares with NaN equal to NaN: a diverged loss must come back as NaN.
bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

bool same(const EpochRecord& a, const EpochRecord& b) {
  return a.epoch == b.epoch && a.step == b.step && same(a.trainLoss, b.trainLoss) &&
         same(a.trainAccuracy, b.trainAccuracy) && same(a.testLoss, b.testLoss) &&
         same(a.testAccuracy, b.testAccuracy) && same(a.lr, b.lr) && same(a.density, b.density) &&
         same(a.samplesPerSecond, b.samplesPerSecond) && same(a.epochSeconds, b.epochSeconds) &&
         a.examplesInUse == b.examplesInUse && a.memoryBytes == b.memoryBytes;
}

bool same(const StepRecord& a, const StepRecord& b) {
  return a.epoch == b.epoch && a.step == b.step && same(a.loss, b.loss) && same(a.accuracy, b.accuracy) &&
         same(a.lr, b.lr) && same(a.samplesPerSecond, b.samplesPerSecond);
}

}  // namespace

class TestStore : public QObject {
  Q_OBJECT

 private slots:
  void newStoreUsesWalAndSchemaVersion();
  void maskChangesAndRemovedExamplesRoundTrip();
  void versionOneStoreIsMigratedKeepingItsRuns();
  void runRowsRoundTrip();
  void nanLossRoundTrips();
  void seedRoundTripsFullRange();
  void manyStepsAreAllPresentAfterFlush();
  void endRunRecordsStatusAndAccuracy_data();
  void endRunRecordsStatusAndAccuracy();
  void endRunOfUnknownRunFails();
  void resumedRunRewritesAnEpoch();
  void listRunsReportsEveryRun();
  void reopeningKeepsEverything();
  void destructorCommitsQueuedRows();
  void killedRunIsMarkedInterrupted();
  void runOfThisProcessStaysRunning();
  void readOnlyFileGivesRunError();
  void storeOnReadOnlyMountIsReadAndRefusesWrites();
  void fileThatIsNotSqliteIsInputError_data();
  void fileThatIsNotSqliteIsInputError();
  void sqliteFileOfAnotherProgramIsInputError();
  void missingFolderIsInputError();
  void newerSchemaVersionIsRefused();
  void twoStoresOnOneFileBothWrite();
  void runStatusNamesRoundTrip();
};

void TestStore::newStoreUsesWalAndSchemaVersion() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  { RunStore store(path); }
  QCOMPARE(rawQuery(path, "PRAGMA journal_mode"), std::string("wal"));
  QCOMPARE(rawQuery(path, "PRAGMA user_version"), std::string("6"));
  QCOMPARE(rawQuery(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"), std::string("10"));
}

void TestStore::runRowsRoundTrip() {
  QTemporaryDir dir;
  RunStore store(storePath(dir));
  const int64_t id = store.beginRun("mnist-rigl", R"({"format": 1})", 42, 2);
  for (int e = 1; e <= 3; ++e) store.logEpoch(id, epochRow(e));
  for (int64_t s = 1; s <= 250; ++s) store.logStep(id, stepRow(s));
  store.flush();

  const auto epochs = store.epochs(id);
  QCOMPARE(epochs.size(), size_t(3));
  for (int e = 1; e <= 3; ++e) QVERIFY(same(epochs[size_t(e - 1)], epochRow(e)));
  const auto steps = store.steps(id);
  QCOMPARE(steps.size(), size_t(250));
  for (int64_t s = 1; s <= 250; ++s) QVERIFY(same(steps[size_t(s - 1)], stepRow(s)));

  const auto runs = store.listRuns();
  QCOMPARE(runs.size(), size_t(1));
  QCOMPARE(runs[0].id, id);
  QCOMPARE(runs[0].name, std::string("mnist-rigl"));
  QCOMPARE(runs[0].status, std::string("running"));
  QCOMPARE(runs[0].seed, uint64_t(42));
  QCOMPARE(runs[0].threads, 2);
  QCOMPARE(runs[0].epochsLogged, 3);
  QVERIFY(!runs[0].finalTestAccuracy);
  QVERIFY(runs[0].endedAt.empty());
  QCOMPARE(runs[0].startedAt.size(), size_t(20));  // 2024-01-02T03:04:05Z
  QVERIFY(runs[0].startedAt.back() == 'Z');

  const std::string uuid = rawQuery(store.path(), "SELECT uuid FROM runs");
  QCOMPARE(uuid.size(), size_t(32));
  QVERIFY(uuid.find_first_not_of("0123456789abcdef") == std::string::npos);
  QCOMPARE(rawQuery(store.path(), "SELECT project_json FROM runs"), std::string(R"({"format": 1})"));
  QCOMPARE(rawQuery(store.path(), "SELECT pid FROM runs"), std::to_string(getpid()));
}

void TestStore::nanLossRoundTrips() {
  QTemporaryDir dir;
  RunStore store(storePath(dir));
  const int64_t id = store.beginRun("diverged", "{}", 1, 1);
  EpochRecord e = epochRow(1);
  e.trainLoss = std::numeric_limits<double>::quiet_NaN();
  e.testLoss = std::numeric_limits<double>::infinity();
  StepRecord s = stepRow(7);
  s.loss = std::numeric_limits<double>::quiet_NaN();
  store.logEpoch(id, e);
  store.logStep(id, s);
  store.flush();
  QVERIFY(same(store.epochs(id).at(0), e));
  QVERIFY(same(store.steps(id).at(0), s));
}

void TestStore::seedRoundTripsFullRange() {
  QTemporaryDir dir;
  RunStore store(storePath(dir));
  const uint64_t seed = std::numeric_limits<uint64_t>::max() - 5;
  store.beginRun("big seed", "{}", seed, 1);
  QCOMPARE(store.listRuns().at(0).seed, seed);
}

void TestStore::manyStepsAreAllPresentAfterFlush() {
  QTemporaryDir dir;
  RunStore store(storePath(dir));
  const int64_t id = store.beginRun("long", "{}", 7, 2);
  const int64_t count = 50000;
  for (int64_t s = 1; s <= count; ++s) store.logStep(id, stepRow(s));
  store.flush();
  const auto steps = store.steps(id);
  QCOMPARE(steps.size(), size_t(count));
  QCOMPARE(steps.front().step, int64_t(1));
  QCOMPARE(steps.back().step, count);
}

void TestStore::endRunRecordsStatusAndAccuracy_data() {
  QTest::addColumn<int>("status");
  QTest::addColumn<QString>("message");
  QTest::addColumn<bool>("hasAccuracy");
  QTest::addColumn<double>("accuracy");
  QTest::addColumn<QString>("expectedStatus");

  QTest::newRow("finished") << int(RunStatus::Finished) << "" << true << 0.9123 << "finished";
  QTest::newRow("failed") << int(RunStatus::Failed) << "loss diverged at step 12" << false << 0.0 << "failed";
  QTest::newRow("cancelled") << int(RunStatus::Cancelled) << "cancelled by the user" << true << 0.5 << "cancelled";
}

void TestStore::endRunRecordsStatusAndAccuracy() {
  QFETCH(int, status);
  QFETCH(QString, message);
  QFETCH(bool, hasAccuracy);
  QFETCH(double, accuracy);
  QFETCH(QString, expectedStatus);

  QTemporaryDir dir;
  RunStore store(storePath(dir));
  const int64_t id = store.beginRun("r", "{}", 3, 1);
  store.logEpoch(id, epochRow(1));
  const std::optional<double> finalAccuracy = hasAccuracy ? std::optional<double>(accuracy) : std::nullopt;
  store.endRun(id, static_cast<RunStatus>(status), message.toStdString(), finalAccuracy);

  const RunSummary run = store.listRuns().at(0);
  QCOMPARE(QString::fromStdString(run.status), expectedStatus);
  QCOMPARE(QString::fromStdString(run.message), message);
  QCOMPARE(run.finalTestAccuracy, finalAccuracy);
  QCOMPARE(run.epochsLogged, 1);  // endRun flushed the queued epoch first
  QVERIFY(!run.endedAt.empty());
}

void TestStore::endRunOfUnknownRunFails() {
  QTemporaryDir dir;
  RunStore store(storePath(dir));
  const std::string message = errorMessage<RunError>([&] { store.endRun(99, RunStatus::Finished, "", std::nullopt); });
  QVERIFY2(message.find("99") != std::string::npos, message.c_str());
}

void TestStore::resumedRunRewritesAnEpoch() {
  QTemporaryDir dir;
  RunStore store(storePath(dir));
  const int64_t id = store.beginRun("resumed", "{}", 3, 1);
  store.logEpoch(id, epochRow(1));
  store.logEpoch(id, epochRow(2));
  EpochRecord again = epochRow(2);
  again.testAccuracy = 0.99;
  store.logEpoch(id, again);
  store.flush();
  const auto epochs = store.epochs(id);
  QCOMPARE(epochs.size(), size_t(2));
  QCOMPARE(epochs[1].testAccuracy, 0.99);
}

void TestStore::listRunsReportsEveryRun() {
  QTemporaryDir dir;
  RunStore store(storePath(dir));
  std::vector<int64_t> ids;
  for (int i = 0; i < 4; ++i) {
    const int64_t id = store.beginRun("run" + std::to_string(i), "{}", uint64_t(i), i + 1);
    ids.push_back(id);
    for (int e = 1; e <= i; ++e) store.logEpoch(id, epochRow(e));
  }
  store.endRun(ids[2], RunStatus::Finished, "", 0.75);
  store.flush();

  const auto runs = store.listRuns();
  QCOMPARE(runs.size(), size_t(4));
  for (size_t i = 0; i < runs.size(); ++i) {
    QCOMPARE(runs[i].id, ids[i]);
    QCOMPARE(runs[i].name, "run" + std::to_string(i));
    QCOMPARE(runs[i].threads, int(i) + 1);
    QCOMPARE(runs[i].epochsLogged, int(i));
    QCOMPARE(runs[i].finalTestAccuracy.has_value(), i == 2);
  }
  QVERIFY(runs[0].id < runs[1].id && runs[1].id < runs[2].id && runs[2].id < runs[3].id);
  QCOMPARE(*runs[2].finalTestAccuracy, 0.75);
  QCOMPARE(runs[2].status, std::string("finished"));
  QVERIFY(store.epochs(12345).empty());
}

void TestStore::reopeningKeepsEverything() {
  QTemporaryDir dir;
  int64_t id = 0;
  {
    RunStore store(storePath(dir));
    id = store.beginRun("kept", "{}", 5, 2);
    for (int e = 1; e <= 4; ++e) store.logEpoch(id, epochRow(e));
    for (int64_t s = 1; s <= 400; ++s) store.logStep(id, stepRow(s));
    store.endRun(id, RunStatus::Finished, "", 0.8);
  }
  RunStore store(storePath(dir));
  const auto runs = store.listRuns();
  QCOMPARE(runs.size(), size_t(1));
  QCOMPARE(runs[0].status, std::string("finished"));
  QCOMPARE(runs[0].finalTestAccuracy, std::optional<double>(0.8));
  QCOMPARE(store.epochs(id).size(), size_t(4));
  QCOMPARE(store.steps(id).size(), size_t(400));
  QVERIFY(same(store.epochs(id)[3], epochRow(4)));
}

void TestStore::destructorCommitsQueuedRows() {
  QTemporaryDir dir;
  int64_t id = 0;
  {
    RunStore store(storePath(dir));
    id = store.beginRun("no flush", "{}", 5, 2);
    for (int64_t s = 1; s <= 3000; ++s) store.logStep(id, stepRow(s));
  }
  RunStore store(storePath(dir));
  QCOMPARE(store.steps(id).size(), size_t(3000));
}

void TestStore::killedRunIsMarkedInterrupted() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  // Held open from before the run, like the GUI's run browser: it marks the run when asked again.
  RunStore held(path);
  const StoreReader reader(path);

  const pid_t child = fork();
  QVERIFY(child >= 0);
  if (child == 0) {
    try {
      RunStore store(path);
      const int64_t id = store.beginRun("doomed", "{}", 9, 1);
      for (int e = 1; e <= 3; ++e) {
        for (int64_t s = 100 * (e - 1) + 1; s <= 100 * e; ++s) store.logStep(id, stepRow(s));
        store.logEpoch(id, epochRow(e));
      }
      store.flush();
      for (int64_t s = 301; s <= 200000; ++s) store.logStep(id, stepRow(s));
      raise(SIGKILL);
    } catch (...) {
      _exit(3);
    }
    _exit(4);
  }
  int status = 0;
  QCOMPARE(waitpid(child, &status, 0), child);
  QVERIFY2(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the child should have died by SIGKILL");

  QCOMPARE(reader.listRuns().at(0).status, std::string("running"));  // a reader marks nothing
  held.markInterruptedRuns();
  QCOMPARE(reader.listRuns().at(0).status, std::string("interrupted"));  // and sees the mark without reopening
  RunStore store(path);
  QCOMPARE(rawQuery(path, "PRAGMA integrity_check"), std::string("ok"));
  const auto runs = store.listRuns();
  QCOMPARE(runs.size(), size_t(1));
  QCOMPARE(runs[0].status, std::string("interrupted"));
  QVERIFY(!runs[0].message.empty());
  QCOMPARE(runs[0].epochsLogged, 3);
  const auto epochs = store.epochs(runs[0].id);
  for (int e = 1; e <= 3; ++e) QVERIFY(same(epochs[size_t(e - 1)], epochRow(e)));
  // Batches commit in order, so the steps that survived are exactly 1..n with n >= 300.
  const auto steps = store.steps(runs[0].id);
  QVERIFY(steps.size() >= 300);
  for (size_t i = 0; i < steps.size(); ++i) QCOMPARE(steps[i].step, int64_t(i + 1));
}

void TestStore::runOfThisProcessStaysRunning() {
  QTemporaryDir dir;
  RunStore first(storePath(dir));
  const int64_t id = first.beginRun("alive", "{}", 1, 1);
  RunStore second(storePath(dir));
  QCOMPARE(second.listRuns().at(0).status, std::string("running"));
  first.endRun(id, RunStatus::Finished, "", std::nullopt);
  QCOMPARE(second.listRuns().at(0).status, std::string("finished"));
}

void TestStore::readOnlyFileGivesRunError() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  int64_t id = 0;
  {
    RunStore store(path);
    id = store.beginRun("before", "{}", 1, 1);
    store.logEpoch(id, epochRow(1));
  }
  QCOMPARE(chmod(path.c_str(), 0444), 0);

  RunStore store(path);
  QCOMPARE(store.listRuns().size(), size_t(1));  // reading still works
  QCOMPARE(store.epochs(id).size(), size_t(1));

  const std::string begin = errorMessage<RunError>([&] { store.beginRun("after", "{}", 2, 1); });
  QVERIFY2(begin.find(path) != std::string::npos && begin.find("readonly") != std::string::npos, begin.c_str());

  // The writer thread fails; the owning thread hears of it at the next call, once.
  store.logEpoch(id, epochRow(2));
  const std::string logged = errorMessage<RunError>([&] { store.flush(); });
  QVERIFY2(logged.find(path) != std::string::npos && logged.find("readonly") != std::string::npos, logged.c_str());
  store.flush();
  QCOMPARE(store.epochs(id).size(), size_t(1));

  QVERIFY_THROWS_EXCEPTION(RunError, store.endRun(id, RunStatus::Failed, "disk", std::nullopt));
  chmod(path.c_str(), 0644);
}

// A store on a read-only mount (a CD, a shared results folder mounted ro): permissions do not stop root, a mount
// does. Needs the right to mount (root outside a locked-down container); skipped without.
void TestStore::storeOnReadOnlyMountIsReadAndRefusesWrites() {
  QTemporaryDir dir;
  const QString writable = dir.filePath("rw"), readOnly = dir.filePath("ro");
  QVERIFY(QDir().mkdir(writable) && QDir().mkdir(readOnly));
  int64_t id = 0;
  {
    RunStore store((writable + "/s.db").toStdString());
    id = store.beginRun("before", "{}", 1, 1);
    store.logEpoch(id, epochRow(1));
    store.endRun(id, RunStatus::Finished, "", std::nullopt);
  }
  const QByteArray from = writable.toLocal8Bit(), to = readOnly.toLocal8Bit();
  if (mount(from.constData(), to.constData(), nullptr, MS_BIND, nullptr) != 0)
    QSKIP(qPrintable(QString("cannot bind-mount a folder here: %1").arg(std::strerror(errno))));
  struct Unmount {
    QByteArray at;
    ~Unmount() { umount2(at.constData(), MNT_DETACH); }
  } unmount{to};
  QCOMPARE(mount(nullptr, to.constData(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr), 0);

  const std::string path = (readOnly + "/s.db").toStdString();
  RunStore store(path);
  QCOMPARE(store.listRuns().size(), size_t(1));  // reading works without the -shm file it cannot create
  QCOMPARE(store.epochs(id).size(), size_t(1));
  const std::string begin = errorMessage<RunError>([&] { store.beginRun("after", "{}", 2, 1); });
  QVERIFY2(begin.find(path) != std::string::npos && begin.find("readonly") != std::string::npos, begin.c_str());

  const std::string fresh = (readOnly + "/new.db").toStdString();
  const std::string create = errorMessage<InputError>([&] { RunStore again(fresh); });
  QVERIFY2(create.find(fresh + ": cannot create the store") != std::string::npos &&
               create.find("Read-only file system") != std::string::npos,
           create.c_str());
}

void TestStore::fileThatIsNotSqliteIsInputError_data() {
  QTest::addColumn<QByteArray>("content");
  QTest::newRow("text") << QByteArray("epoch,loss\n1,0.5\n2,0.25\n");
  QByteArray noise(8192, '\0');
  for (int i = 0; i < noise.size(); ++i) noise[i] = char((i * 7919 + 13) % 251);
  QTest::newRow("binary noise") << noise;
}

void TestStore::fileThatIsNotSqliteIsInputError() {
  QFETCH(QByteArray, content);
  QTemporaryDir dir;
  const std::string path = writeTestText(dir, "notes.db", content.toStdString());
  const std::string message = errorMessage<InputError>([&] { RunStore store(path); });
  QVERIFY2(message.find(path) != std::string::npos, message.c_str());
  QVERIFY2(message.find("not a database") != std::string::npos, message.c_str());
}

void TestStore::sqliteFileOfAnotherProgramIsInputError() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  rawQuery(path, "SELECT 1");  // creates nothing yet
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "CREATE TABLE contacts (name TEXT)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  const std::string message = errorMessage<InputError>([&] { RunStore store(path); });
  QVERIFY2(message.find(path) != std::string::npos && message.find("not a SparseScope store") != std::string::npos,
           message.c_str());
  QCOMPARE(rawQuery(path, "SELECT count(*) FROM sqlite_master"), std::string("1"));  // left untouched
}

void TestStore::missingFolderIsInputError() {
  QTemporaryDir dir;
  const std::string path = dir.path().toStdString() + "/no/such/folder/sparsescope.db";
  const std::string message = errorMessage<InputError>([&] { RunStore store(path); });
  QVERIFY2(message.find(path) != std::string::npos, message.c_str());
}

void TestStore::maskChangesAndRemovedExamplesRoundTrip() {
  QTemporaryDir dir;
  RunStore store(storePath(dir));
  const int64_t run = store.beginRun("events", "{}", 1, 1);
  MaskChangeEvent e;
  e.layer = "fc1";
  e.epoch = 2;
  e.step = 469;
  e.rows = 300;
  e.cols = 784;
  e.dropped = 2;
  e.grown = 3;
  e.activeAfter = 18715;
  e.droppedPositions = {5, 235199};
  e.grownPositions = {0, 17, 100000};
  store.logMaskChange(run, e);
  MaskChangeEvent other = e;
  other.layer = "fc2";
  other.droppedPositions.clear();
  store.logMaskChange(run, other);
  ExamplesRemovedEvent removed;
  removed.epoch = 5;
  removed.originalIndices = {59999, 3, 12};
  store.logExamplesRemoved(run, removed);
  store.flush();
  const auto events = store.maskChanges(run);
  QCOMPARE(events.size(), size_t(2));
  QCOMPARE(store.maskChanges(run, 469).size(), size_t(2));  // from a step on, that step included
  QCOMPARE(store.maskChanges(run, 470).size(), size_t(0));
  QCOMPARE(events[0].layer, std::string("fc1"));
  QCOMPARE(events[0].droppedPositions, e.droppedPositions);
  QCOMPARE(events[0].grownPositions, e.grownPositions);
  QCOMPARE(events[0].activeAfter, e.activeAfter);
  QCOMPARE(events[0].epoch, 2);
  QVERIFY(events[1].droppedPositions.empty());
  const auto counts = store.maskChangeCounts(run);  // for plots and totals: no positions read
  QCOMPARE(counts.size(), size_t(2));
  QCOMPARE(counts[0].dropped, int64_t(2));
  QCOMPARE(counts[0].activeAfter, e.activeAfter);
  QVERIFY(counts[0].droppedPositions.empty() && counts[0].grownPositions.empty());
  // One layer's change at a step, as the mask viewer reads the mutation that made a snapshot.
  QCOMPARE(store.maskChange(run, 469, "fc1")->grownPositions, e.grownPositions);
  QVERIFY(store.maskChange(run, 469, "fc2")->droppedPositions.empty());
  QVERIFY(!store.maskChange(run, 470, "fc1"));
  // A layer of 65536 x 65536 has positions past 2^31, which the int32 arrays of stores before schema 5 wrapped.
  MaskChangeEvent wide = e;
  wide.layer = "fc3";
  wide.rows = wide.cols = 65536;
  wide.droppedPositions = {3, int64_t(1) << 31, (int64_t(1) << 32) - 1};
  wide.grownPositions = {(int64_t(1) << 32) - 2};
  store.logMaskChange(run, wide);
  store.flush();
  QCOMPARE(store.maskChange(run, 469, "fc3")->droppedPositions, wide.droppedPositions);
  QCOMPARE(store.maskChange(run, 469, "fc3")->grownPositions, wide.grownPositions);
  QCOMPARE(store.removedExamples(run), (std::vector<int64_t>{3, 12, 59999}));
}

void TestStore::versionOneStoreIsMigratedKeepingItsRuns() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  {
    RunStore store(path);
    const int64_t run = store.beginRun("old", "{}", 1, 1);
    store.logEpoch(run, epochRow(1));
    store.endRun(run, RunStatus::Finished, "", 0.5);
  }
  // Turn the file back into a version 1 store, as SparseScope 0.1 before mask events wrote it: without the
  // tables and the column later versions added.
  QCOMPARE(dropSchemaVersion6(path), std::string());
  for (const char* sql : {"DROP TABLE mask_events", "DROP TABLE removed_examples", "DROP TABLE example_stats",
                          "DROP TABLE checkpoints", "DROP TABLE mask_snapshots", "DROP TABLE example_stats_history",
                          "ALTER TABLE epoch_metrics DROP COLUMN rss_bytes", "PRAGMA user_version = 1"})
    QCOMPARE(rawQuery(path, sql), std::string());
  QCOMPARE(rawQuery(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"), std::string("3"));
  RunStore store(path);
  QCOMPARE(rawQuery(path, "PRAGMA user_version"), std::string("6"));
  QCOMPARE(store.listRuns().size(), size_t(1));
  QCOMPARE(store.listRuns()[0].name, std::string("old"));
  QVERIFY(store.maskChanges(1).empty());
  QVERIFY(!store.latestCheckpoint(1));
  QCOMPARE(store.epochs(1).size(), size_t(1));
  QCOMPARE(store.epochs(1)[0].rssBytes, int64_t(0));  // unknown in the old file
  QCOMPARE(store.epochs(1)[0].peakRssBytes, int64_t(0));
  QVERIFY(!store.run(1).measuredMemory);
  QVERIFY(store.memoryLines(1).empty());
  QCOMPARE(store.integrityCheck(), std::string("ok"));
}

void TestStore::newerSchemaVersionIsRefused() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  { RunStore store(path); }
  rawQuery(path, "PRAGMA user_version = 7");
  QCOMPARE(rawQuery(path, "PRAGMA user_version"), std::string("7"));
  const std::string message = errorMessage<InputError>([&] { RunStore store(path); });
  QVERIFY2(message.find(path) != std::string::npos && message.find("version 7") != std::string::npos, message.c_str());
}

void TestStore::twoStoresOnOneFileBothWrite() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  RunStore a(path);
  RunStore b(path);
  const int runsEach = 5;
  const int64_t stepsEach = 2000;
  auto work = [&](RunStore& store, const std::string& prefix) {
    for (int r = 0; r < runsEach; ++r) {
      const int64_t id = store.beginRun(prefix + std::to_string(r), "{}", uint64_t(r), 1);
      for (int64_t s = 1; s <= stepsEach; ++s) {
        store.logStep(id, stepRow(s));
        if (s % 500 == 0) store.logEpoch(id, epochRow(int(s / 500)));
      }
      store.endRun(id, RunStatus::Finished, "", 0.5);
    }
  };
  std::string failure;
  std::thread other([&] {
    try {
      work(b, "b");
    } catch (const std::exception& e) {
      failure = e.what();
    }
  });
  try {
    work(a, "a");
  } catch (const std::exception& e) {
    failure = e.what();
  }
  other.join();
  QVERIFY2(failure.empty(), failure.c_str());

  const auto runs = a.listRuns();
  QCOMPARE(runs.size(), size_t(2 * runsEach));
  for (const RunSummary& run : runs) {
    QCOMPARE(run.status, std::string("finished"));
    QCOMPARE(run.epochsLogged, 4);
    QCOMPARE(b.steps(run.id).size(), size_t(stepsEach));
  }
  QCOMPARE(rawQuery(path, "SELECT count(DISTINCT uuid) FROM runs"), std::to_string(2 * runsEach));
}

void TestStore::runStatusNamesRoundTrip() {
  for (RunStatus s :
       {RunStatus::Running, RunStatus::Finished, RunStatus::Failed, RunStatus::Cancelled, RunStatus::Interrupted}) {
    QCOMPARE(runStatusFromString(toString(s)), s);
  }
  QVERIFY_THROWS_EXCEPTION(InputError, runStatusFromString("paused"));
}

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
