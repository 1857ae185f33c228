// Forgetting statistics on hand-made presentation sequences, and removal of exactly the chosen
// examples during a real training run.
#include <QtTest>
#include <algorithm>
#include <set>

#include "data/example_tracker.h"
#include "project/project.h"
#include "store/run_store.h"
#include "train/experiment.h"

using namespace ss;

namespace {
// Presents example 0 with the given sequence of outcomes, one epoch each.
ExampleTracker trackSequence(const std::vector<uint8_t>& outcomes) {
  ExampleTracker t(1);
  for (size_t i = 0; i < outcomes.size(); ++i) t.record({0}, {outcomes[i]}, int(i) + 1);
  return t;
}

class RemovalRecorder : public TrainingObserver {
 public:
  void onExamplesRemoved(const ExamplesRemovedEvent& e) override { events.push_back(e); }
  void onEpochEnd(const EpochRecord& e) override { inUse.push_back(e.examplesInUse); }
  std::vector<ExamplesRemovedEvent> events;
  std::vector<int64_t> inUse;
};
}  // namespace

class TestExampleTracker : public QObject {
  Q_OBJECT

 private slots:
  void forgettingEventsOnHandMadeSequences_data();
  void forgettingEventsOnHandMadeSequences();
  void neverLearnedRanksAsMostForgettable();
  void selectionSkipsTheKeptLowestAndBreaksTiesByRow();
  void trainingRemovesExactlyTheSelectedExamples();
};

void TestExampleTracker::forgettingEventsOnHandMadeSequences_data() {
  QTest::addColumn<QByteArray>("outcomes");  // '1' correct, '0' wrong, one presentation per epoch
  QTest::addColumn<int>("forgetting");
  QTest::addColumn<int>("firstLearned");
  QTest::newRow("always right") << QByteArray("1111") << 0 << 1;
  QTest::newRow("learned late, kept") << QByteArray("0011") << 0 << 3;
  QTest::newRow("forgotten once") << QByteArray("1101") << 1 << 1;
  QTest::newRow("forgotten twice") << QByteArray("1010") << 2 << 1;
  QTest::newRow("wrong then wrong is no event") << QByteArray("0100") << 1 << 2;
  QTest::newRow("never learned") << QByteArray("000") << 0 << -1;
}

void TestExampleTracker::forgettingEventsOnHandMadeSequences() {
  QFETCH(QByteArray, outcomes);
  QFETCH(int, forgetting);
  QFETCH(int, firstLearned);
  std::vector<uint8_t> seq;
  for (char c : outcomes) seq.push_back(c == '1');
  const ExampleTracker t = trackSequence(seq);
  QCOMPARE(t.stats(0).presentations, int(seq.size()));
  QCOMPARE(t.stats(0).forgettingEvents, forgetting);
  QCOMPARE(t.stats(0).firstLearnedEpoch, firstLearned);
}

void TestExampleTracker::neverLearnedRanksAsMostForgettable() {
  ExampleTracker t(3);
  for (int epoch = 1; epoch <= 4; ++epoch) t.record({0, 1, 2}, {uint8_t(epoch % 2), 0, 1}, epoch);
  QCOMPARE(t.stats(0).forgettingEvents, 2);  // 1,0,1,0
  QCOMPARE(t.forgettingScore(0), int64_t(2));
  QCOMPARE(t.forgettingScore(1), int64_t(4));  // never learned: all four presentations
  QCOMPARE(t.forgettingScore(2), int64_t(0));  // unforgettable
  QCOMPARE(t.unforgettableCount({0, 1, 2}), int64_t(1));
}

void TestExampleTracker::selectionSkipsTheKeptLowestAndBreaksTiesByRow() {
  ExampleTracker t(6);
  // Scores: row 0 -> 2, rows 1, 3, 5 -> 0, row 2 -> never learned (2 presentations), row 4 -> 1.
  t.record({0, 1, 2, 3, 4, 5}, {1, 1, 0, 1, 1, 1}, 1);
  t.record({0, 1, 2, 3, 4, 5}, {0, 1, 0, 1, 0, 1}, 2);
  t.record({0}, {1}, 3);
  t.record({0}, {0}, 4);
  QCOMPARE(t.selectForRemoval({0, 1, 2, 3, 4, 5}, 3, 0), (std::vector<int64_t>{1, 3, 5}));
  QCOMPARE(t.selectForRemoval({0, 1, 2, 3, 4, 5}, 3, 2), (std::vector<int64_t>{0, 4, 5}));
  QCOMPARE(t.selectForRemoval({5, 4, 3}, 2, 0), (std::vector<int64_t>{3, 5}));
  QCOMPARE(t.selectForRemoval({0, 1}, 10, 0), (std::vector<int64_t>{0, 1}));
}

void TestExampleTracker::trainingRemovesExactlyTheSelectedExamples() {
  Project p = parseProject(R"({"format": 1, "name": "de",
      "data": {"dataset": "blobs", "examples": 1000, "classes": 3, "noise": 0.3},
      "model": {"preset": "mlp", "hidden": [32]},
      "train": {"epochs": 4, "batch_size": 50, "threads": 2},
      "data_efficiency": {"enabled": true, "removal_epoch": 2, "remove_fraction": 0.2}})",
                           "de.json");
  Experiment experiment(p);
  QTemporaryDir dir;
  RunStore store((dir.path() + "/de.db").toStdString());
  RunControl control;
  RemovalRecorder recorder;
  experiment.run(store, control, {&recorder});
  QCOMPARE(recorder.events.size(), size_t(1));
  const ExamplesRemovedEvent& e = recorder.events[0];
  const int64_t train = experiment.data().train.size();
  QCOMPARE(int64_t(e.rows.size()), int64_t(std::llround(0.2 * double(train))));
  QCOMPARE(e.remaining, train - int64_t(e.rows.size()));
  QCOMPARE(recorder.inUse, (std::vector<int64_t>{train, train, e.remaining, e.remaining}));
  QCOMPARE(std::set<int64_t>(e.rows.begin(), e.rows.end()).size(), e.rows.size());
  for (size_t i = 0; i < e.rows.size(); ++i)
    QCOMPARE(e.originalIndices[i], experiment.data().train.originalIndex[size_t(e.rows[i])]);
  QCOMPARE(store.epochs(1).back().examplesInUse, e.remaining);
  std::vector<int64_t> logged = e.originalIndices;
  std::sort(logged.begin(), logged.end());
  QCOMPARE(store.removedExamples(1), logged);
  // Every training example's statistics are stored at the end, matching the tracker.
  const auto stats = store.exampleStats(1);
  QCOMPARE(int64_t(stats.size()), train);
  int64_t removedInStore = 0;
  for (const ExampleStatRecord& x : stats) {
    removedInStore += x.removedAtEpoch == 2;
    QVERIFY(x.presentations == 4 || (x.removedAtEpoch == 2 && x.presentations == 2));
  }
  QCOMPARE(removedInStore, int64_t(e.rows.size()));
}

QTEST_GUILESS_MAIN(TestExampleTracker)
#include "tst_example_tracker.moc"
