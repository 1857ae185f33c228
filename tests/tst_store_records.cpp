// The store's records beyond metrics: checkpoints, mask snapshots, reopening a run for resume, filters,
// delete and compact; and the faults a store meets: a full disk, a damaged file.
#include <QTemporaryDir>
#include <QTest>
#include <fstream>
#include <random>

#include "core/compression.h"
#include "core/error.h"
#include "random_positions.h"
#include "store/mask_snapshot_blobs.h"
#include "store/run_store.h"
#include "store_test_helpers.h"

using namespace ss;

namespace {

std::vector<uint8_t> randomBytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::vector<uint8_t> bytes(n);
  for (auto& b : bytes) b = uint8_t(gen());
  return bytes;
}

CheckpointRecord checkpoint(int epoch, int64_t step, const std::string& kind, std::vector<uint8_t> bytes) {
  CheckpointRecord c;
  c.epoch = epoch;
  c.step = step;
  c.kind = kind;
  c.bytes = std::move(bytes);
  return c;
}

MaskChangeEvent maskEvent(const std::string& layer, int epoch, int64_t step) {
  MaskChangeEvent e;
  e.layer = layer;
  e.epoch = epoch;
  e.step = step;
  e.rows = 2;
  e.cols = 3;
  e.dropped = e.grown = 1;
  e.activeAfter = 3;
  return e;
}

MaskSnapshotRecord snapshot(const std::string& layer, int epoch, int64_t step, std::vector<int64_t> positions, int rows,
                            int cols) {
  MaskSnapshotRecord m;
  m.layer = layer;
  m.epoch = epoch;
  m.step = step;
  m.rows = rows;
  m.cols = cols;
  m.positions = std::move(positions);
  m.active = int64_t(m.positions.size());
  return m;
}

EpochRecord epoch(int e) {
  EpochRecord r;
  r.epoch = e;
  r.step = 100 * e;
  r.testAccuracy = 0.5 + 0.1 * e;
  r.rssBytes = 123456789;
  return r;
}

StepRecord step(int64_t s) {
  StepRecord r;
  r.step = s;
  r.epoch = int(1 + (s - 1) / 100);
  r.loss = 1.0;
  return r;
}

int64_t count(const std::string& path, const std::string& table, int64_t runId) {
  return std::stoll(
      rawQuery(path, ("SELECT count(*) FROM " + table + " WHERE run_id = " + std::to_string(runId)).c_str()));
}

}  // namespace

class TestStoreRecords : public QObject {
  Q_OBJECT

 private slots:
  void checkpointRoundTripsAndOnlyTheNewestAreKept();
  void checkpointInPiecesRoundTrips();
  void piecewiseCompressionMatchesTheWholeArray();
  void finalCheckpointReplacesThePeriodicOnes();
  void maskSnapshotsRoundTripPositionForPosition();
  void aLargeSparseSnapshotIsStoredAsItsPositions();
  void snapshotsOfAVersionFourStoreKeepTheirBitmaps();
  void maskChangesOfAVersionFourStoreKeepTheirInt32Positions();
  void damagedSnapshotRowsNameTheSnapshot();
  void snapshotMagnitudesRoundTripToAByteOfTheLargest();
  void snapshotsOfAVersionThreeStoreReadWithoutMagnitudes();
  void snapshotMaskOfImpossibleShapeIsDamaged_data();
  void snapshotMaskOfImpossibleShapeIsDamaged();
  void exampleStatsHistoryRoundTripsAndServesARunningRun();
  void reopenForResumeDropsWhatComesAfterTheCheckpoint();
  void reopenRefusesFinishedAndRunningRuns();
  void filtersSelectByStatusNameAndAlgorithm();
  void deleteRemovesEveryRecordAndCompactShrinksTheFile();
  void fullDiskFailsNamingTheFileAndKeepsWhatWasCommitted();
  void damagedFileIsReportedWithItsName();
};

void TestStoreRecords::checkpointRoundTripsAndOnlyTheNewestAreKept() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  RunStore store(path);
  const int64_t id = store.beginRun("ckpt", "{}", 1, 1);
  QVERIFY(!store.latestCheckpoint(id));
  for (int i = 1; i <= 4; ++i) store.logCheckpoint(id, checkpoint(i, 100 * i, "periodic", randomBytes(5000, i)));
  store.flush();
  const auto newest = store.latestCheckpoint(id);
  QVERIFY(newest);
  QCOMPARE(newest->step, int64_t(400));
  QCOMPARE(newest->epoch, 4);
  QCOMPARE(newest->kind, std::string("periodic"));
  QVERIFY(newest->bytes == randomBytes(5000, 4));
  QCOMPARE(count(path, "checkpoints", id), int64_t(2));
  // Random bytes do not compress: the stored size is about the raw size, so the figure is the real one.
  QVERIFY(store.checkpointBytes(id) > 2 * 5000 && store.checkpointBytes(id) < 2 * 5200);
}

// A checkpoint of several pieces, half random and half runs of one byte (as weights and their zero gradients), goes
// through the streamed path: compressed a piece at a time, written through blob I/O, read back byte for byte.
void TestStoreRecords::checkpointInPiecesRoundTrips() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  RunStore store(path);
  const int64_t id = store.beginRun("pieces", "{}", 1, 1);
  std::vector<uint8_t> whole = randomBytes(3 * ChunkedBytes::kChunkBytes + 12345, 7);
  std::fill(whole.begin() + whole.size() / 2, whole.end(), uint8_t(0));
  ChunkedBytes pieces;
  for (size_t offset = 0; offset < whole.size(); offset += 100000)
    pieces.append(whole.data() + offset, std::min<size_t>(100000, whole.size() - offset));
  QCOMPARE(pieces.chunks().size(), size_t(4));
  store.logCheckpoint(id, checkpoint(1, 10, "final", {}), std::move(pieces));
  store.flush();
  QVERIFY(store.latestCheckpoint(id)->bytes == whole);
  QCOMPARE(rawQuery(path, "SELECT raw_bytes FROM checkpoints"), std::to_string(whole.size()));
  // The random half does not compress, the zero half does: about half the raw size is stored.
  QVERIFY2(store.checkpointBytes(id) > int64_t(whole.size() / 2) &&
               store.checkpointBytes(id) < int64_t(whole.size() / 2 + whole.size() / 50),
           qPrintable(QString::number(store.checkpointBytes(id))));
}

// The streamed compression's output is what decompressBytes reads (the format of compressBytes), and its pieces are
// never larger than a piece.
void TestStoreRecords::piecewiseCompressionMatchesTheWholeArray() {
  for (const size_t size : {size_t(0), size_t(1), ChunkedBytes::kChunkBytes, 2 * ChunkedBytes::kChunkBytes + 3}) {
    const std::vector<uint8_t> raw = randomBytes(size, uint32_t(size));
    ChunkedBytes pieces;
    pieces.append(raw.data(), raw.size());
    const ChunkedBytes packed = compressChunks(std::move(pieces));
    for (const auto& piece : packed.chunks()) QVERIFY(piece.size() <= ChunkedBytes::kChunkBytes);
    const std::vector<uint8_t> whole = ChunkedBytes(packed).contiguous();
    QVERIFY(decompressBytes(whole, "test") == raw);
  }
}

void TestStoreRecords::finalCheckpointReplacesThePeriodicOnes() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  RunStore store(path);
  const int64_t a = store.beginRun("a", "{}", 1, 1), b = store.beginRun("b", "{}", 1, 1);
  store.logCheckpoint(a, checkpoint(1, 10, "periodic", {1, 2, 3}));
  store.logCheckpoint(b, checkpoint(1, 10, "periodic", {9}));
  store.logCheckpoint(a, checkpoint(2, 20, "cancel", {4, 5}));
  store.logCheckpoint(a, checkpoint(3, 30, "final", std::vector<uint8_t>(10000, 7)));
  store.flush();
  QCOMPARE(count(path, "checkpoints", a), int64_t(1));
  QCOMPARE(store.latestCheckpoint(a)->kind, std::string("final"));
  QCOMPARE(store.latestCheckpoint(a)->bytes, std::vector<uint8_t>(10000, 7));
  QVERIFY(store.checkpointBytes(a) < 1000);                             // zlib at work
  QCOMPARE(store.latestCheckpoint(b)->bytes, std::vector<uint8_t>{9});  // other runs keep theirs
}

void TestStoreRecords::maskSnapshotsRoundTripPositionForPosition() {
  QTemporaryDir dir;
  RunStore store(storePath(dir));
  const int64_t id = store.beginRun("masks", "{}", 1, 1);
  const std::vector<int64_t> dense = randomPositions(300 * 784, 0.6, 3), sparse = randomPositions(300 * 784, 0.02, 4);
  store.logMaskSnapshot(id, snapshot("fc1", 0, 0, dense, 300, 784));
  store.logMaskSnapshot(id, snapshot("fc1", 1, 10, sparse, 300, 784));
  store.logMaskSnapshot(id, snapshot("fc2", 0, 0, {0, 2}, 1, 3));
  store.logMaskSnapshot(id, snapshot("fc2", 2, 50, {1, 2}, 1, 3));
  store.logMaskSnapshot(id, snapshot("fc3", 2, 50, {}, 4, 5));
  store.flush();
  const auto snaps = store.maskSnapshots(id);
  QCOMPARE(snaps.size(), size_t(5));
  QCOMPARE(snaps[0].layer, std::string("fc1"));
  QCOMPARE(snaps[0].positions, dense);
  QCOMPARE(snaps[0].active, int64_t(dense.size()));
  QCOMPARE(snaps[2].positions, sparse);
  QCOMPARE(snaps[3].positions, (std::vector<int64_t>{1, 2}));
  QCOMPARE(snaps[3].step, int64_t(50));
  QCOMPARE(snaps[3].epoch, 2);
  QVERIFY(snaps[4].positions.empty());
  QCOMPARE(rawQuery(storePath(dir), "SELECT group_concat(DISTINCT mask_format) FROM mask_snapshots"),
           std::string("positions"));
  // What a view following the run reads: from a step on, not the history before it.
  const auto newer = store.maskSnapshots(id, 50);
  QCOMPARE(newer.size(), size_t(2));
  QCOMPARE(newer[0].step, int64_t(50));
  QCOMPARE(store.maskSnapshots(id, 51).size(), size_t(0));
  // The infos list the same snapshots without their masks; one snapshot is read by its step and layer.
  const auto infos = store.maskSnapshotInfos(id, 10);
  QCOMPARE(infos.size(), size_t(3));
  QCOMPARE(infos[0].layer, std::string("fc1"));
  QCOMPARE(infos[0].active, int64_t(sparse.size()));
  QCOMPARE(store.maskSnapshot(id, 10, "fc1").positions, sparse);
  QVERIFY(errorMessage<InputError>([&] {
            store.maskSnapshot(id, 10, "fc9");
          }).find("has no mask snapshot of fc9 at step 10") != std::string::npos);
}

void TestStoreRecords::aLargeSparseSnapshotIsStoredAsItsPositions() {
  QTemporaryDir dir;
  RunStore store(storePath(dir));
  const int64_t id = store.beginRun("large", "{}", 1, 1);
  // 400 M weights at density 0.001: a bitmap would be 50 MB, a byte per weight in memory 400 MB.
  const int rows = 20000, cols = 20000;
  const std::vector<int64_t> positions = randomPositions(int64_t(rows) * cols, 0.001, 20);
  store.logMaskSnapshot(id, snapshot("fc2", 0, 0, positions, rows, cols));
  store.flush();
  const MaskSnapshotRecord back = store.maskSnapshot(id, 0, "fc2");
  QCOMPARE(back.rows, rows);
  QCOMPARE(back.cols, cols);
  QCOMPARE(back.active, int64_t(positions.size()));
  QCOMPARE(back.positions, positions);
  const int64_t blobBytes = std::stoll(rawQuery(storePath(dir), "SELECT length(mask) FROM mask_snapshots"));
  const int64_t bitmapBytes = int64_t(rows) * cols / 8;
  // Gaps of about a thousand take two bytes each; the bitmap would take 125.
  QVERIFY2(blobBytes < 2 * int64_t(positions.size()) + 64, qPrintable(QString::number(blobBytes)));
  QVERIFY2(blobBytes * 50 < bitmapBytes, qPrintable(QString("%1 of %2").arg(blobBytes).arg(bitmapBytes)));
}

void TestStoreRecords::snapshotsOfAVersionFourStoreKeepTheirBitmaps() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  const int64_t id = schemaFourStoreWithARun(path);
  QCOMPARE(rawQuery(path, schemaFourSnapshotInsert(id, "fc1", 0, 2, 5, {1, 0, 0, 1, 1, 0, 0, 0, 0, 1}).c_str()),
           std::string());
  RunStore store(path);
  QCOMPARE(rawQuery(path, "PRAGMA user_version"), std::string("6"));
  store.logMaskSnapshot(id, snapshot("fc1", 1, 10, {1, 2, 9}, 2, 5));
  store.flush();
  const auto snaps = store.maskSnapshots(id);
  QCOMPARE(snaps.size(), size_t(2));
  QCOMPARE(snaps[0].positions, (std::vector<int64_t>{0, 3, 4, 9}));
  QCOMPARE(snaps[0].active, int64_t(4));
  QCOMPARE(snaps[1].positions, (std::vector<int64_t>{1, 2, 9}));
  QCOMPARE(
      rawQuery(path, "SELECT group_concat(mask_format) FROM (SELECT mask_format FROM mask_snapshots ORDER BY step)"),
      std::string("bitmap,positions"));
}

void TestStoreRecords::maskChangesOfAVersionFourStoreKeepTheirInt32Positions() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  const int64_t id = schemaFourStoreWithARun(path);
  // Positions 5 and 70000 as version 4 wrote them: little-endian int32s.
  const std::string insert =
      "INSERT INTO mask_events (run_id, step, layer, epoch, rows, cols, dropped, grown, "
      "active_after, dropped_positions, grown_positions) VALUES (" +
      std::to_string(id) + ", 100, 'fc1', 2, 300, 784, 1, 1, 20, X'05000000', X'70110100')";
  QCOMPARE(rawQuery(path, insert.c_str()), std::string());
  RunStore store(path);
  MaskChangeEvent later = maskEvent("fc1", 3, 200);
  later.droppedPositions = {1};
  later.grownPositions = {4};
  store.logMaskChange(id, later);
  store.flush();
  const auto events = store.maskChanges(id);
  QCOMPARE(events.size(), size_t(2));
  QCOMPARE(events[0].droppedPositions, (std::vector<int64_t>{5}));
  QCOMPARE(events[0].grownPositions, (std::vector<int64_t>{70000}));
  QCOMPARE(events[1].grownPositions, (std::vector<int64_t>{4}));
  QCOMPARE(rawQuery(path,
                    "SELECT group_concat(positions_format) FROM (SELECT positions_format FROM mask_events "
                    "ORDER BY step)"),
           std::string("int32,positions"));
}

void TestStoreRecords::damagedSnapshotRowsNameTheSnapshot() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  RunStore store(path);
  const int64_t id = store.beginRun("damaged", "{}", 1, 1);
  store.logMaskSnapshot(id, snapshot("fc1", 1, 10, {1, 2, 9}, 2, 5));
  store.flush();
  QCOMPARE(rawQuery(path, "UPDATE mask_snapshots SET active = 4"), std::string());
  const std::string count = errorMessage<RunError>([&] { store.maskSnapshots(id); });
  QVERIFY2(
      count.find("mask snapshot of fc1 at step 10: damaged (3 positions for 4 active weights)") != std::string::npos,
      count.c_str());
  QCOMPARE(rawQuery(path, "UPDATE mask_snapshots SET active = 3, mask = X'02'"), std::string());
  const std::string blob = errorMessage<RunError>([&] { store.maskSnapshot(id, 10, "fc1"); });
  QVERIFY2(blob.find("mask snapshot of fc1 at step 10: damaged") != std::string::npos, blob.c_str());
  QCOMPARE(store.maskSnapshotInfos(id).size(), size_t(1));  // what is listed does not depend on the mask
}

void TestStoreRecords::snapshotMagnitudesRoundTripToAByteOfTheLargest() {
  QTemporaryDir dir;
  RunStore store(storePath(dir));
  const int64_t id = store.beginRun("magnitudes", "{}", 1, 1);
  MaskSnapshotRecord m = snapshot("fc1", 1, 10, {0, 2, 3, 5}, 2, 3);
  m.magnitudes = {0.5f, 0.0f, 2.0f, 1e-4f};  // as the experiment logs them: |w| of the active weights in order
  store.logMaskSnapshot(id, m);
  store.logMaskSnapshot(id, snapshot("fc2", 1, 10, {0, 1}, 1, 2));  // none kept: stays without
  store.flush();
  const auto snaps = store.maskSnapshots(id);
  QCOMPARE(snaps.size(), size_t(2));
  QCOMPARE(snaps[0].magnitudes.size(), size_t(4));
  for (size_t i = 0; i < 4; ++i)
    QVERIFY2(std::abs(snaps[0].magnitudes[i] - m.magnitudes[i]) <= 2.0f / 255.0f / 2.0f + 1e-6f,
             qPrintable(QString("%1 read back as %2").arg(m.magnitudes[i]).arg(snaps[0].magnitudes[i])));
  QCOMPARE(snaps[0].magnitudes[2], 2.0f);  // the largest exactly
  QVERIFY(snaps[1].magnitudes.empty());
  const auto infos = store.maskSnapshotInfos(id);  // which kept them, told without reading them
  QVERIFY(infos[0].hasMagnitudes && snaps[0].hasMagnitudes);
  QVERIFY(!infos[1].hasMagnitudes && !snaps[1].hasMagnitudes);
  // A blob that holds another count than the snapshot's active weights is damaged, not misread.
  QVERIFY(errorMessage<RunError>([&] {
            decodeMagnitudes(encodeMagnitudes({1.0f, 2.0f}), 3, "fc9");
          }).find("fc9: damaged magnitudes") != std::string::npos);
}

void TestStoreRecords::snapshotsOfAVersionThreeStoreReadWithoutMagnitudes() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  // Back to version 3, as SparseScope wrote it before snapshots kept magnitudes.
  const int64_t id = schemaFourStoreWithARun(path);
  for (const char* sql : {"ALTER TABLE mask_snapshots DROP COLUMN magnitudes", "PRAGMA user_version = 3"})
    QCOMPARE(rawQuery(path, sql), std::string());
  QCOMPARE(rawQuery(path, schemaFourSnapshotInsert(id, "fc1", 0, 1, 3, {1, 0, 1}).c_str()), std::string());
  RunStore store(path);
  QCOMPARE(rawQuery(path, "PRAGMA user_version"), std::string("6"));
  MaskSnapshotRecord later = snapshot("fc1", 1, 10, {1, 2}, 1, 3);
  later.magnitudes = {0.25f, 1.0f};
  store.logMaskSnapshot(id, later);
  store.flush();
  const auto snaps = store.maskSnapshots(id);
  QCOMPARE(snaps.size(), size_t(2));
  QCOMPARE(snaps[0].positions, (std::vector<int64_t>{0, 2}));
  QVERIFY(snaps[0].magnitudes.empty());
  QCOMPARE(snaps[1].magnitudes.size(), size_t(2));
  QVERIFY(std::abs(snaps[1].magnitudes[0] - 0.25f) <= 0.5f / 255.0f);
  QCOMPARE(snaps[1].magnitudes[1], 1.0f);
}

void TestStoreRecords::snapshotMaskOfImpossibleShapeIsDamaged_data() {
  QTest::addColumn<int64_t>("rows");
  QTest::addColumn<int64_t>("cols");
  // -1 x -1 wraps to a count of one as size_t, which a one-byte bitmap would seem to hold.
  QTest::newRow("both negative") << int64_t(-1) << int64_t(-1);
  QTest::newRow("negative rows") << int64_t(-8) << int64_t(1);
  QTest::newRow("product overflows") << (int64_t(1) << 32) << (int64_t(1) << 32);
}

void TestStoreRecords::snapshotMaskOfImpossibleShapeIsDamaged() {
  QFETCH(int64_t, rows);
  QFETCH(int64_t, cols);
  const std::vector<uint8_t> positions = encodeSnapshotMask({0, 2, 3, 6}, 1, 8);
  const std::vector<uint8_t> bitmap = compressBytes({0x4d});
  const std::pair<SnapshotMaskFormat, std::vector<uint8_t>> blobs[] = {{SnapshotMaskFormat::Positions, positions},
                                                                       {SnapshotMaskFormat::Bitmap, bitmap}};
  for (const auto& entry : blobs) {  // not a structured binding: clang 14 cannot capture one in the lambda
    const std::string message = errorMessage<RunError>(
        [&] { decodeSnapshotMask(entry.second, entry.first, rows, cols, "store.db: mask snapshot of fc1"); });
    QVERIFY2(message.find("store.db: mask snapshot of fc1: damaged (layer shape") == 0, message.c_str());
  }
}

void TestStoreRecords::exampleStatsHistoryRoundTripsAndServesARunningRun() {
  QTemporaryDir dir;
  RunStore store(storePath(dir));
  const int64_t id = store.beginRun("stats", "{}", 1, 1);
  std::vector<ExampleStatRecord> epoch1(60000), epoch2(60000);
  for (int64_t i = 0; i < 60000; ++i) {
    epoch1[size_t(i)] = {i, 1, 0, i % 3 == 0 ? 1 : -1, -1};
    epoch2[size_t(i)] = {i, 2, int32_t(i % 5 == 0), i % 3 == 0 ? 1 : 2, i < 100 ? 2 : -1};
  }
  store.logExampleStatsAtEpoch(id, 1, epoch1);
  store.logExampleStatsAtEpoch(id, 2, epoch2);
  store.flush();
  const auto history = store.exampleStatsHistory(id);
  QCOMPARE(history.size(), size_t(2));
  QCOMPARE(history[1].epoch, 2);
  QCOMPARE(history[1].stats.size(), size_t(60000));
  QCOMPARE(history[1].stats[12345].forgettingEvents, 1);
  QCOMPARE(history[0].stats[12345].presentations, 1);
  // While the run goes, the newest epoch's statistics stand for the final ones.
  QCOMPARE(store.exampleStats(id).size(), size_t(60000));
  QCOMPARE(store.exampleStats(id)[50].removedAtEpoch, 2);
  store.logExampleStats(id, {ExampleStatRecord{7, 9, 9, 9, 9}});
  store.flush();
  QCOMPARE(store.exampleStats(id).size(), size_t(1));  // the final rows, once written
}

void TestStoreRecords::reopenForResumeDropsWhatComesAfterTheCheckpoint() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  RunStore store(path);
  const int64_t id = store.beginRun("resume", "{}", 1, 1);
  for (int e = 1; e <= 3; ++e) store.logEpoch(id, epoch(e));
  for (int64_t s = 10; s <= 350; s += 10) store.logStep(id, step(s));
  // Mutations at the start of epochs 2, 3 and 4 (steps 100, 200, 300), and one inside epoch 3 (step 250).
  for (auto [e, s] : std::vector<std::pair<int, int64_t>>{{2, 100}, {3, 200}, {3, 250}, {4, 300}}) {
    store.logMaskChange(id, maskEvent("fc1", e, s));
    store.logMaskSnapshot(id, snapshot("fc1", e, s, {0, 2, 4}, 2, 3));
  }
  store.logMaskSnapshot(id, snapshot("fc1", 0, 0, {0, 1, 2}, 2, 3));
  ExamplesRemovedEvent removed;
  removed.epoch = 2;
  removed.originalIndices = {5, 7};
  store.logExamplesRemoved(id, removed);
  store.logExampleStats(id, {ExampleStatRecord{5, 1, 0, 1, 2}});
  store.endRun(id, RunStatus::Cancelled, "", std::nullopt);

  // Continues inside epoch 3 after step 220: that epoch's start mutation (step 200) stays, the one at 250 goes.
  store.reopenForResume(id, {3, 220, true});
  QCOMPARE(store.run(id).status, std::string("running"));
  QCOMPARE(store.epochs(id).size(), size_t(2));
  QCOMPARE(store.steps(id).back().step, int64_t(220));
  const auto events = store.maskChanges(id);
  QCOMPARE(events.size(), size_t(2));
  QCOMPARE(events.back().step, int64_t(200));
  QCOMPARE(store.maskSnapshots(id).size(), size_t(3));  // start, 100, 200
  QCOMPARE(store.removedExamples(id).size(), size_t(2));
  QVERIFY(store.exampleStats(id).empty());  // the final statistics are written again when the run ends

  // At the start of epoch 3, before its mutation: the mutation at step 200 is made again, so it goes too.
  store.endRun(id, RunStatus::Interrupted, "", std::nullopt);
  store.reopenForResume(id, {3, 200, false});
  QCOMPARE(store.maskChanges(id).size(), size_t(1));
  QCOMPARE(store.maskSnapshots(id).size(), size_t(2));
  QCOMPARE(store.integrityCheck(), std::string("ok"));
}

void TestStoreRecords::reopenRefusesFinishedAndRunningRuns() {
  QTemporaryDir dir;
  RunStore store(storePath(dir));
  const int64_t done = store.beginRun("done", "{}", 1, 1), going = store.beginRun("going", "{}", 1, 1);
  store.endRun(done, RunStatus::Finished, "", 0.9);
  QVERIFY(errorMessage<InputError>([&] { store.reopenForResume(done, {}); }).find("finished") != std::string::npos);
  QVERIFY(errorMessage<InputError>([&] { store.reopenForResume(going, {}); }).find("still running") !=
          std::string::npos);
  QVERIFY(errorMessage<InputError>([&] { store.reopenForResume(99, {}); }).find("no run 99") != std::string::npos);
}

void TestStoreRecords::filtersSelectByStatusNameAndAlgorithm() {
  QTemporaryDir dir;
  RunStore store(storePath(dir));
  const std::string mest =
      R"({"algorithm":{"name":"mest"},"sparsity":{"target":0.9,"scheme":"nm"},"train":{"epochs":3}})";
  const int64_t a = store.beginRun("Fashion-MLP-mest", mest, 1, 1);
  const int64_t b = store.beginRun("fashion-set", R"({"algorithm":{"name":"set"}})", 1, 1);
  const int64_t c = store.beginRun("spirals", "{}", 1, 1);
  store.endRun(a, RunStatus::Finished, "", 0.8);
  store.endRun(b, RunStatus::Failed, "diverged", std::nullopt);
  store.endRun(c, RunStatus::Finished, "", 0.9);
  auto ids = [&](const RunFilter& f) {
    std::vector<int64_t> out;
    for (const auto& r : store.listRuns(f)) out.push_back(r.id);
    return out;
  };
  QCOMPARE(ids({}), (std::vector<int64_t>{a, b, c}));
  QCOMPARE(ids({"finished", "", ""}), (std::vector<int64_t>{a, c}));
  QCOMPARE(ids({"", "fashion", ""}), (std::vector<int64_t>{a, b}));
  QCOMPARE(ids({"", "", "mest"}), (std::vector<int64_t>{a}));
  QCOMPARE(ids({"", "", "dense"}), (std::vector<int64_t>{c}));  // a project without an algorithm is dense
  QCOMPARE(ids({"finished", "FASHION", "mest"}), (std::vector<int64_t>{a}));
  const RunSummary s = store.run(a);
  QCOMPARE(s.algorithm, std::string("mest"));
  QCOMPARE(s.scheme, std::string("nm"));
  QCOMPARE(s.target, 0.9);
  QCOMPARE(s.epochs, 3);
}

void TestStoreRecords::deleteRemovesEveryRecordAndCompactShrinksTheFile() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  RunStore store(path);
  const int64_t keep = store.beginRun("keep", "{}", 1, 1), drop = store.beginRun("drop", "{}", 1, 1);
  for (int64_t id : {keep, drop}) {
    for (int64_t s = 1; s <= 3000; ++s) store.logStep(id, step(s));
    store.logEpoch(id, epoch(1));
    store.logMaskChange(id, maskEvent("fc1", 2, 100));
    store.logMaskSnapshot(id, snapshot("fc1", 0, 0, {0}, 1, 2));
    store.logCheckpoint(id, checkpoint(1, 100, "final", randomBytes(200000, 1)));
    store.logExampleStats(id, std::vector<ExampleStatRecord>(2000, ExampleStatRecord{}));
    store.endRun(id, RunStatus::Finished, "", 0.5);
  }
  store.deleteRun(drop);
  for (const char* table :
       {"epoch_metrics", "step_metrics", "mask_events", "mask_snapshots", "checkpoints", "example_stats"}) {
    QCOMPARE(count(path, table, drop), int64_t(0));
    QVERIFY(count(path, table, keep) > 0);
  }
  QVERIFY(errorMessage<InputError>([&] { store.run(drop); }).find("no run") != std::string::npos);
  const auto [before, after] = store.compact();
  QVERIFY2(after < before - 150000, (std::to_string(before) + " -> " + std::to_string(after)).c_str());
  QCOMPARE(store.integrityCheck(), std::string("ok"));
  QCOMPARE(store.steps(keep).size(), size_t(3000));

  const int64_t live = store.beginRun("live", "{}", 1, 1);
  QVERIFY(errorMessage<InputError>([&] { store.deleteRun(live); }).find("still running") != std::string::npos);
}

void TestStoreRecords::fullDiskFailsNamingTheFileAndKeepsWhatWasCommitted() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  int64_t id = 0;
  std::string failure;
  int64_t committedSteps = 0;
  {
    RunStore store(path, 256 * 1024);  // a quarter megabyte: a full disk arrives after a few checkpoints
    id = store.beginRun("full", "{}", 1, 1);
    for (int64_t s = 1; s <= 200; ++s) store.logStep(id, step(s));
    store.flush();
    committedSteps = 200;
    try {
      for (int i = 0; i < 100; ++i) {
        store.logCheckpoint(id, checkpoint(1, 1000 + i, "periodic", randomBytes(100000, i)));
        store.logStep(id, step(1000 + i));
        store.flush();
      }
    } catch (const RunError& e) {
      failure = e.what();
    }
    QVERIFY2(failure.find(path) != std::string::npos && failure.find("full") != std::string::npos, failure.c_str());
    // The run is ended as failed once space is back: here, by the same process after the error.
  }
  RunStore reopened(path);
  QCOMPARE(reopened.integrityCheck(), std::string("ok"));
  const auto steps = reopened.steps(id);
  QVERIFY(int64_t(steps.size()) >= committedSteps);
  for (int64_t s = 1; s <= committedSteps; ++s) QCOMPARE(steps[size_t(s - 1)].step, s);
  QVERIFY(reopened.latestCheckpoint(id));  // the last one that fitted is whole
}

void TestStoreRecords::damagedFileIsReportedWithItsName() {
  QTemporaryDir dir;
  const std::string path = storePath(dir);
  {
    RunStore store(path);
    for (int r = 0; r < 3; ++r) {
      const int64_t id = store.beginRun("run", "{}", 1, 1);
      for (int64_t s = 1; s <= 2000; ++s) store.logStep(id, step(s));
      store.endRun(id, RunStatus::Finished, "", 0.5);
    }
    store.compact();  // everything in the main file, no write-ahead log to mask the damage
  }
  {
    // Overwrite pages in the middle of the file, past the schema on page 1.
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(4096 * 3);
    const std::vector<uint8_t> junk = randomBytes(4096 * 4, 9);
    file.write(reinterpret_cast<const char*>(junk.data()), std::streamsize(junk.size()));
  }
  const std::string message = errorMessage<InputError>([&] {
    RunStore store(path);
    for (int64_t id = 1; id <= 3; ++id) store.steps(id);
    if (store.integrityCheck() != "ok") throw InputError(path + ": " + store.integrityCheck());
  });
  QVERIFY2(message.find(path) != std::string::npos, message.c_str());
  QVERIFY2(message.find("malformed") != std::string::npos || message.find("corrupt") != std::string::npos ||
               message.find("Page") != std::string::npos || message.find("page") != std::string::npos,
           message.c_str());
}

QTEST_GUILESS_MAIN(TestStoreRecords)
#include "tst_store_records.moc"
