// Checkpoints and resume: a run stopped anywhere (cancelled, or killed as a real process) and resumed from its
// newest checkpoint ends with exactly the weights, metrics, masks and statistics of a run never stopped.
#include <signal.h>

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <thread>

#include "cancel_at_step.h"
#include "core/error.h"
#include "project/project.h"
#include "store/run_store.h"
#include "store_test_helpers.h"
#include "test_helpers.h"
#include "train/checkpoint.h"
#include "train/experiment.h"
#include "train/run_inspection.h"

using namespace ss;

namespace {

Project spiralsProject(const std::string& algorithm, double target, const std::string& extra) {
  return parseProject(R"({"format": 1, "name": "resume", "algorithm": )" + algorithm + R"(,
      "data": {"dataset": "spirals", "examples": 1600, "classes": 3, "noise": 0.05},
      "model": {"preset": "mlp", "hidden": [64, 64], "dropout": 0.2},
      "train": {"epochs": 6, "batch_size": 32, "threads": 2, "checkpoint_every_steps": 7, "log_every_steps": 5,
                "optimizer": {"lr": 0.1, "weight_decay": 0.0001}},
      "sparsity": {"target": )" +
                          std::to_string(target) + R"(, "distribution": "uniform"})" + extra + "}",
                      "resume.json");
}

uint64_t finalDigest(const RunStore& store, int64_t runId) {
  const RunDetails d = inspectRun(store, runId);
  if (!d.checkpoint || d.checkpoint->kind != "final") throw std::runtime_error("no final checkpoint");
  return *d.weightsDigest;
}

// Everything a run logs that must not depend on where it was stopped (timings aside).
void compareRecords(const RunStore& a, int64_t runA, const RunStore& b, int64_t runB) {
  const auto ea = a.epochs(runA), eb = b.epochs(runB);
  QCOMPARE(ea.size(), eb.size());
  for (size_t i = 0; i < ea.size(); ++i) {
    QCOMPARE(ea[i].step, eb[i].step);
    QCOMPARE(ea[i].trainLoss, eb[i].trainLoss);
    QCOMPARE(ea[i].testAccuracy, eb[i].testAccuracy);
    QCOMPARE(ea[i].density, eb[i].density);
    QCOMPARE(ea[i].examplesInUse, eb[i].examplesInUse);
  }
  const auto sa = a.steps(runA), sb = b.steps(runB);
  QCOMPARE(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    QCOMPARE(sa[i].step, sb[i].step);
    QCOMPARE(sa[i].loss, sb[i].loss);
  }
  const auto ma = a.maskChanges(runA), mb = b.maskChanges(runB);
  QCOMPARE(ma.size(), mb.size());
  for (size_t i = 0; i < ma.size(); ++i) {
    QCOMPARE(ma[i].step, mb[i].step);
    QCOMPARE(ma[i].layer, mb[i].layer);
    QCOMPARE(ma[i].droppedPositions, mb[i].droppedPositions);
    QCOMPARE(ma[i].grownPositions, mb[i].grownPositions);
  }
  const auto snapA = a.maskSnapshots(runA), snapB = b.maskSnapshots(runB);
  QCOMPARE(snapA.size(), snapB.size());
  for (size_t i = 0; i < snapA.size(); ++i) QVERIFY(snapA[i].positions == snapB[i].positions);
  QCOMPARE(a.removedExamples(runA), b.removedExamples(runB));
  const auto xa = a.exampleStats(runA), xb = b.exampleStats(runB);
  QCOMPARE(xa.size(), xb.size());
  for (size_t i = 0; i < xa.size(); ++i) {
    QCOMPARE(xa[i].presentations, xb[i].presentations);
    QCOMPARE(xa[i].forgettingEvents, xb[i].forgettingEvents);
    QCOMPARE(xa[i].firstLearnedEpoch, xb[i].firstLearnedEpoch);
    QCOMPARE(xa[i].removedAtEpoch, xb[i].removedAtEpoch);
  }
}

}  // namespace

class TestResume : public QObject {
  Q_OBJECT

 private slots:
  void checkpointEncodingRoundTripsAndRefusesDamage();
  void resumedRunMatchesUninterruptedRun_data();
  void resumedRunMatchesUninterruptedRun();
  void resumedResnetRunMatchesUninterruptedRun_data();
  void resumedResnetRunMatchesUninterruptedRun();
  void runWithoutCheckpointCannotResume();
  void fullStoreStopsTheRunAndItResumesWhenThereIsSpace();
  void killedProcessResumesToTheSameWeights();

 private:
  // Runs the project whole, then stopped at stopStep (cancelled, or as if killed: back to the periodic checkpoint of
  // periodicStep) and resumed, and compares the two: weights digest, accuracy, every logged record.
  void stopAndResumeMatchesWholeRun(const Project& project, int64_t stopStep, int64_t periodicStep, bool asIfKilled);
  QTemporaryDir dir_;
};

void TestResume::checkpointEncodingRoundTripsAndRefusesDamage() {
  Checkpoint c;
  c.position = {3, 17, 117, true, 12.5, 40, 64, 0.25};
  c.parameters = {{"fc1.weight", {1.0f, -2.0f, 3.5f}}, {"fc1.bias", {0.5f}}};
  c.gradients = {{"fc1.weight", {0.1f, 0.2f, 0.3f}}, {"fc1.bias", {0.0f}}};
  c.momentum = {{"fc1.weight", {0.01f, 0.02f, 0.03f}}, {"fc1.bias", {}}};
  c.masks = {{"fc1", LayerMaskState::Sparse, 1, 4, {0, 1, 3}}};
  c.layerRandomStates = {{"dropout_fc1", "12345 678"}};
  c.algorithmState = "algorithm";
  c.orderRandomState = "order";
  c.order = {4, 2, 0, 1, 3};
  c.examples.resize(5);
  c.examples[2].presentations = 9;
  c.examples[2].forgettingEvents = 7;
  c.examples[4].lastCorrect = true;
  const std::vector<uint8_t> bytes = encodeCheckpoint(c);
  const Checkpoint d = decodeCheckpoint(bytes, "test");
  QCOMPARE(d.position.batchesDone, int64_t(17));
  QCOMPARE(d.position.epochStarted, true);
  QCOMPARE(d.position.lossSum, 12.5);
  QCOMPARE(d.parameters[0].values, c.parameters[0].values);
  QCOMPARE(d.gradients[0].values, c.gradients[0].values);
  QCOMPARE(d.momentum[0].values, c.momentum[0].values);
  QCOMPARE(d.masks[0].positions, c.masks[0].positions);
  QCOMPARE(d.masks[0].form, LayerMaskState::Sparse);
  QCOMPARE(d.layerRandomStates[0].state, std::string("12345 678"));
  QCOMPARE(d.order, c.order);
  QCOMPARE(d.examples[2].forgettingEvents, 7);
  QCOMPARE(d.examples[4].lastCorrect, true);
  QCOMPARE(d.examples[3].lastCorrect, false);
  QCOMPARE(weightsDigest(d), weightsDigest(c));

  Checkpoint changed = c;
  changed.parameters[0].values[1] = std::nextafter(-2.0f, 0.0f);  // one weight, one ulp
  QVERIFY(weightsDigest(changed) != weightsDigest(c));

  std::vector<uint8_t> cut(bytes.begin(), bytes.end() - 9);
  QVERIFY(errorMessage<RunError>([&] { decodeCheckpoint(cut, "ckpt 4"); }).find("ckpt 4: truncated") !=
          std::string::npos);
  // The last example's "right last time" flag is the fourth byte from the end: anything but 0 or 1 is damage,
  // not a bool to read.
  std::vector<uint8_t> badFlag = bytes;
  badFlag[badFlag.size() - 4] = 7;
  QVERIFY(errorMessage<RunError>([&] {
            decodeCheckpoint(badFlag, "ckpt 5");
          }).find("ckpt 5: damaged (impossible example statistics)") != std::string::npos);
  std::vector<uint8_t> foreign = bytes;
  foreign[0] ^= 0xff;
  QVERIFY(errorMessage<RunError>([&] { decodeCheckpoint(foreign, "x"); }).find("not a SparseScope checkpoint") !=
          std::string::npos);
}

void TestResume::stopAndResumeMatchesWholeRun(const Project& project, int64_t stopStep, int64_t periodicStep,
                                              bool asIfKilled) {
  const std::string tag = project.name + "-" + QTest::currentDataTag();
  RunStore whole(dir_.filePath(QString::fromStdString("whole-" + tag + ".db")).toStdString());
  RunStore stopped(dir_.filePath(QString::fromStdString("stopped-" + tag + ".db")).toStdString());

  RunControl control;
  const RunOutcome a = Experiment(project).run(whole, control, {});
  QVERIFY2(a.status == RunStatus::Finished, a.message.c_str());

  RunControl stopControl;
  CancelAt cancel(stopControl, stopStep);
  const RunOutcome b = Experiment(project).run(stopped, stopControl, {&cancel});
  QVERIFY2(b.status == RunStatus::Cancelled, b.message.c_str());
  if (asIfKilled) {
    // A kill leaves no cancel checkpoint: only the last periodic one, with rows logged after it.
    const std::string path = stopped.path();
    QCOMPARE(rawQuery(path, "DELETE FROM checkpoints WHERE kind = 'cancel'"), std::string());
    QCOMPARE(rawQuery(path, "UPDATE runs SET status = 'interrupted'"), std::string());
    QCOMPARE(stopped.latestCheckpoint(b.runId)->step, periodicStep);
  } else {
    QCOMPARE(stopped.latestCheckpoint(b.runId)->step, stopStep);
  }

  RunControl resumeControl;
  const RunOutcome resumed = Experiment(project).resume(stopped, b.runId, resumeControl, {});
  QVERIFY2(resumed.status == RunStatus::Finished, resumed.message.c_str());
  QCOMPARE(resumed.runId, b.runId);
  QCOMPARE(stopped.run(b.runId).status, std::string("finished"));
  QCOMPARE(*resumed.finalTestAccuracy, *a.finalTestAccuracy);
  QCOMPARE(finalDigest(stopped, b.runId), finalDigest(whole, a.runId));
  compareRecords(whole, a.runId, stopped, b.runId);
  QCOMPARE(stopped.integrityCheck(), std::string("ok"));
}

void TestResume::resumedRunMatchesUninterruptedRun_data() {
  QTest::addColumn<QString>("algorithm");
  QTest::addColumn<double>("target");
  QTest::addColumn<QString>("extra");
  QTest::addColumn<bool>("asIfKilled");  // resume from the last periodic checkpoint, not the cancel one
  const QString dataEfficiency =
      R"(, "data_efficiency": {"enabled": true, "removal_epoch": 2, "remove_fraction": 0.2})";
  QTest::newRow("dense") << R"({"name": "dense"})" << 0.0 << "" << false;
  QTest::newRow("static, killed") << R"({"name": "static"})" << 0.8 << "" << true;
  QTest::newRow("set") << R"({"name": "set"})" << 0.8 << "" << false;
  QTest::newRow("rigl, killed") << R"({"name": "rigl", "update_steps": 20})" << 0.8 << "" << true;
  QTest::newRow("gmp") << R"({"name": "gmp", "every_steps": 10})" << 0.8 << "" << false;
  QTest::newRow("gmp, killed") << R"({"name": "gmp", "every_steps": 10})" << 0.8 << "" << true;
  QTest::newRow("mest em&s with data efficiency")
      << R"({"name": "mest", "variant": "em&s"})" << 0.8 << dataEfficiency << false;
  QTest::newRow("mest em&s with data efficiency, killed")
      << R"({"name": "mest", "variant": "em&s"})" << 0.8 << dataEfficiency << true;
}

void TestResume::resumedRunMatchesUninterruptedRun() {
  QFETCH(QString, algorithm);
  QFETCH(double, target);
  QFETCH(QString, extra);
  QFETCH(bool, asIfKilled);
  // 50 steps an epoch: stop inside epoch 3, after data efficiency removed examples and mutations happened; a kill
  // leaves only the periodic checkpoint of step 119.
  stopAndResumeMatchesWholeRun(spiralsProject(algorithm.toStdString(), target, extra.toStdString()), 123, 119,
                               asIfKilled);
}

void TestResume::resumedResnetRunMatchesUninterruptedRun_data() {
  QTest::addColumn<bool>("asIfKilled");
  QTest::newRow("cancelled") << false;
  QTest::newRow("killed") << true;
}

// A ResNet-8 with both shortcut kinds' state (batch norm's running statistics are in no optimizer), sparse with
// MEST+EM&S and augmented, stopped inside epoch 2 after a mutation: the resumed run must end at the same weights.
void TestResume::resumedResnetRunMatchesUninterruptedRun() {
  QFETCH(bool, asIfKilled);
  writeIdxPair(dir_, "train", 320, 1);
  writeIdxPair(dir_, "test", 64, 2);
  const std::string d = dir_.path().toStdString() + "/";
  const Project project = parseProject(R"({"format": 1, "name": "resnet-resume",
      "data": {"dataset": "idx", "train_images": ")" +
                                           d + R"(train-images", "train_labels": ")" + d +
                                           R"(train-labels", "test_images": ")" + d + R"(test-images",
               "test_labels": ")" + d + R"(test-labels"},
      "model": {"preset": "resnet", "depth": 8},
      "augmentation": {"random_crop": true, "horizontal_flip": true},
      "train": {"epochs": 3, "batch_size": 32, "threads": 2, "checkpoint_every_steps": 7, "log_every_steps": 5,
                "optimizer": {"lr": 0.1, "weight_decay": 0.0005}},
      "sparsity": {"target": 0.8, "dense_layers": ["first"]},
      "algorithm": {"name": "mest", "variant": "em&s", "every_epochs": 1}})",
                                       "resnet-resume.json");
  // 10 steps an epoch: stop at step 16, after the first epoch's mutation; a kill leaves the checkpoint of step 14.
  stopAndResumeMatchesWholeRun(project, 16, 14, asIfKilled);
}

void TestResume::runWithoutCheckpointCannotResume() {
  RunStore store(dir_.filePath("none.db").toStdString());
  const int64_t id = store.beginRun("empty", "{}", 1, 1);
  store.endRun(id, RunStatus::Interrupted, "", std::nullopt);
  const Project project = spiralsProject(R"({"name": "dense"})", 0.0, "");
  Experiment experiment(project);
  RunControl control;
  const std::string message = errorMessage<InputError>([&] { experiment.resume(store, id, control, {}); });
  QVERIFY2(message.find("no checkpoint") != std::string::npos, message.c_str());
}

// The store fills up mid-run: the run stops with the store's error, loses nothing committed, and once there is
// space again resumes to the weights of a run that never stopped. The disk "fills" at a known point: after
// epoch 2 everything is flushed, then another connection grows the file past the store's size cap.
void TestResume::fullStoreStopsTheRunAndItResumesWhenThereIsSpace() {
  const Project project = spiralsProject(R"({"name": "set"})", 0.8, "");
  const std::string path = dir_.filePath("full.db").toStdString();
  int64_t runId = 0;
  {
    RunStore capped(path, 8 << 20);
    struct FillTheDisk : TrainingObserver {
      RunStore& store;
      std::string path;
      FillTheDisk(RunStore& s, std::string p) : store(s), path(std::move(p)) {}
      void onEpochEnd(const EpochRecord& e) override {
        if (e.epoch != 2) return;
        store.flush();
        rawQuery(path, "CREATE TABLE filler (b BLOB)");
        rawQuery(path, "INSERT INTO filler VALUES (zeroblob(9000000))");
      }
    } fill(capped, path);
    RunControl control;
    const RunOutcome outcome = Experiment(project).run(capped, control, {&fill});
    QVERIFY2(outcome.status == RunStatus::Failed, toString(outcome.status));
    QVERIFY2(outcome.message.find(path) != std::string::npos && outcome.message.find("full") != std::string::npos,
             outcome.message.c_str());
    runId = outcome.runId;
  }
  RunStore store(path);
  QCOMPARE(store.integrityCheck(), std::string("ok"));
  QVERIFY(store.epochs(runId).size() >= 2);  // what was committed before the disk filled is all there
  QVERIFY(store.latestCheckpoint(runId));
  // This process wrote it, so opening does not mark it interrupted; a new process would.
  QCOMPARE(rawQuery(path, "UPDATE runs SET status = 'interrupted'"), std::string());
  QCOMPARE(rawQuery(path, "DROP TABLE filler"), std::string());  // space again
  RunControl control;
  const RunOutcome resumed = Experiment(project).resume(store, runId, control, {});
  QVERIFY2(resumed.status == RunStatus::Finished, resumed.message.c_str());

  RunStore wholeStore(dir_.filePath("full-whole.db").toStdString());
  RunControl wholeControl;
  const RunOutcome whole = Experiment(project).run(wholeStore, wholeControl, {});
  QCOMPARE(finalDigest(store, runId), finalDigest(wholeStore, whole.runId));
  compareRecords(wholeStore, whole.runId, store, runId);
}

// The real thing: a headless `sparsescope run` on Fashion-MNIST killed with SIGKILL mid-epoch, then
// `sparsescope resume`, against the same project run without interruption.
void TestResume::killedProcessResumesToTheSameWeights() {
  const QString project = dir_.filePath("fashion.json");
  {
    Project p = loadProject(SPARSESCOPE_SOURCE_DIR "/projects/fashion-mlp-mest-em-s-90.json");
    p.train.epochs = 2;
    p.train.threads = 1;
    p.train.checkpointEverySteps = 25;
    QFile f(project);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray::fromStdString(projectToJson(p)));
  }
  const QString db = dir_.filePath("killed.db");
  QProcess child;
  child.start(SPARSESCOPE_CLI, {"run", project, "--db", db});
  QVERIFY(child.waitForStarted());
  // Kill once the run has checkpointed past step 300 (469 steps an epoch). waitForFinished
  // keeps the child's state current while we look.
  int64_t checkpointStep = 0;
  for (int wait = 0; wait < 6000 && !child.waitForFinished(20); ++wait) {
    try {
      RunStore peek(db.toStdString());
      if (auto c = peek.latestCheckpoint(1); c && c->step > 300 && c->kind == "periodic") {
        checkpointStep = c->step;
        break;
      }
    } catch (const std::exception&) {
      // The store may not exist yet.
    }
  }
  QVERIFY2(child.state() == QProcess::Running, "the run ended before it could be killed");
  ::kill(pid_t(child.processId()), SIGKILL);
  QVERIFY(child.waitForFinished());
  QCOMPARE(child.exitStatus(), QProcess::CrashExit);
  {
    RunStore store(db.toStdString());
    QCOMPARE(store.run(1).status, std::string("interrupted"));
    QVERIFY(store.latestCheckpoint(1)->step >= checkpointStep);
    QCOMPARE(store.integrityCheck(), std::string("ok"));
  }

  QProcess resume;
  resume.start(SPARSESCOPE_CLI, {"resume", "1", "--db", db});
  QVERIFY(resume.waitForFinished(300000));
  QVERIFY2(resume.exitCode() == 0, resume.readAllStandardError().constData());
  QProcess whole;
  whole.start(SPARSESCOPE_CLI, {"run", project, "--db", db});
  QVERIFY(whole.waitForFinished(300000));
  QCOMPARE(whole.exitCode(), 0);

  RunStore store(db.toStdString());
  QCOMPARE(store.run(1).status, std::string("finished"));
  QCOMPARE(finalDigest(store, 1), finalDigest(store, 2));
  compareRecords(store, 1, store, 2);
  QCOMPARE(store.integrityCheck(), std::string("ok"));
}

QTEST_GUILESS_MAIN(TestResume)
#include "tst_resume.moc"
