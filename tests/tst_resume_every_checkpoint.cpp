// Issue 36: every algorithm, with every scheme that applies to it, stopped after each of its checkpoints in turn
// (as a kill leaves it: that checkpoint the newest, rows logged after it, the run interrupted), resumes and ends
// with the weights of the run that was never stopped. Layers change form in training (MEST's soft bound fills a
// small layer, GMP moves to the sparse kernels); a checkpoint restores each layer in the form it recorded.
#include <QTemporaryDir>
#include <QTest>
#include <set>

#include "cancel_at_step.h"
#include "project/project.h"
#include "store/run_store.h"
#include "store_test_helpers.h"
#include "train/experiment.h"
#include "train/run_inspection.h"

using namespace ss;

namespace {
// spirals-mlp-dense's model on a smaller set: ERK at 90% gives fc1 (64 x 2) a density of 0.875, which MEST+EM&S
// grows full. 47 steps an epoch, a checkpoint every 30 steps and at every epoch's end: 14 before the final one.
Project caseProject(const std::string& algorithm, const std::string& scheme, const std::string& extra) {
  const bool structured = scheme.find("unstructured") == std::string::npos;
  return parseProject(R"({"format": 1, "name": "every-checkpoint", "algorithm": )" + algorithm + R"(,
      "data": {"dataset": "spirals", "examples": 1500, "classes": 3, "noise": 0.05},
      "model": {"preset": "mlp", "hidden": [64, 64]},
      "train": {"epochs": 6, "batch_size": 32, "threads": 1, "checkpoint_every_steps": 30,
                "optimizer": {"lr": 0.1, "weight_decay": 0.0001}},
      "sparsity": {"target": 0.9, "distribution": "erk", )" +
                          scheme + (structured ? R"(, "dense_layers": ["first"])" : "") + "}" + extra + "}",
                      "every-checkpoint.json");
}

uint64_t finalDigest(const RunStore& store, int64_t runId) {
  const RunDetails d = inspectRun(store, runId);
  if (!d.checkpoint || d.checkpoint->kind != "final") throw std::runtime_error("no final checkpoint");
  return *d.weightsDigest;
}

// The steps a run's checkpoints are taken at: every 30 steps and at each epoch's end (data efficiency shortens
// the epochs after its removal, so the ends are recorded as the run goes).
struct CheckpointSteps : TrainingObserver {
  void onEpochEnd(const EpochRecord& e) override { steps.insert(e.step); }
  void onStep(const StepRecord& s, int64_t, int64_t) override {
    if (s.step % 30 == 0) steps.insert(s.step);
  }
  std::set<int64_t> steps;
};

int casesPassed = 0;
}  // namespace

class TestResumeEveryCheckpoint : public QObject {
  Q_OBJECT

 private slots:
  void resumesFromEveryCheckpointToTheUninterruptedWeights_data();
  void resumesFromEveryCheckpointToTheUninterruptedWeights();
  void cleanupTestCase();

 private:
  QTemporaryDir dir_;
};

void TestResumeEveryCheckpoint::resumesFromEveryCheckpointToTheUninterruptedWeights_data() {
  QTest::addColumn<QString>("algorithm");
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<QString>("extra");
  const QString dataEfficiency =
      R"(, "data_efficiency": {"enabled": true, "removal_epoch": 3, "remove_fraction": 0.2})";
  const std::vector<std::pair<QString, QString>> algorithms = {
      {"static", R"({"name": "static"})"},
      {"set", R"({"name": "set"})"},
      {"rigl", R"({"name": "rigl", "update_steps": 25})"},
      {"gmp", R"({"name": "gmp", "every_steps": 20})"},
      {"mest vanilla", R"({"name": "mest", "variant": "vanilla"})"},
      {"mest em", R"({"name": "mest", "variant": "em"})"},
      {"mest em&s", R"({"name": "mest", "variant": "em&s"})"},
  };
  const std::vector<std::pair<QString, QString>> schemes = {
      {"unstructured", R"("scheme": "unstructured")"},
      {"nm 1:4", R"("scheme": "nm", "scheme_options": {"n": 1, "m": 4})"},
      {"block 4x1", R"("scheme": "block", "scheme_options": {"height": 4, "width": 1})"},
      {"channel", R"("scheme": "channel")"},
  };
  for (const auto& [algorithmName, algorithm] : algorithms)
    for (const auto& [schemeName, scheme] : schemes)
      QTest::newRow(qPrintable(algorithmName + ", " + schemeName)) << algorithm << scheme << QString();
  for (const auto& [schemeName, scheme] : schemes)
    QTest::newRow(qPrintable("mest em&s with data efficiency, " + schemeName))
        << R"({"name": "mest", "variant": "em&s"})" << scheme << dataEfficiency;
}

void TestResumeEveryCheckpoint::resumesFromEveryCheckpointToTheUninterruptedWeights() {
  QFETCH(QString, algorithm);
  QFETCH(QString, scheme);
  QFETCH(QString, extra);
  const Project project = caseProject(algorithm.toStdString(), scheme.toStdString(), extra.toStdString());
  const QString tag = QString(QTest::currentDataTag()).replace(QRegularExpression("[^a-z0-9]+"), "-");
  uint64_t digest = 0;
  CheckpointSteps taken;
  {
    RunStore store(dir_.filePath(tag + ".db").toStdString());
    RunControl control;
    const RunOutcome whole = Experiment(project).run(store, control, {&taken});
    QVERIFY2(whole.status == RunStatus::Finished, whole.message.c_str());
    digest = finalDigest(store, whole.runId);
  }
  taken.steps.erase(std::prev(taken.steps.end()));  // the last step's checkpoint is the final one
  QVERIFY2(taken.steps.size() >= 10, qPrintable(QString::number(taken.steps.size())));
  for (int64_t step : taken.steps) {
    // Stopped one step after the checkpoint, and its cancel checkpoint removed: the newest is the one of `step`,
    // with rows logged after it, as a kill leaves the store.
    const std::string path = dir_.filePath(tag + "-" + QString::number(step) + ".db").toStdString();
    RunStore store(path);
    RunControl control;
    CancelAt cancel(control, step + 1);
    const RunOutcome stopped = Experiment(project).run(store, control, {&cancel});
    QVERIFY2(stopped.status == RunStatus::Cancelled, stopped.message.c_str());
    QCOMPARE(rawQuery(path, "DELETE FROM checkpoints WHERE kind = 'cancel'"), std::string());
    QCOMPARE(rawQuery(path, "UPDATE runs SET status = 'interrupted'"), std::string());
    QCOMPARE(store.latestCheckpoint(stopped.runId)->step, step);
    RunControl resumeControl;
    const RunOutcome resumed = Experiment(project).resume(store, stopped.runId, resumeControl, {});
    const QString where = QString("resumed from the checkpoint of step %1: %2").arg(step).arg(resumed.message.c_str());
    QVERIFY2(resumed.status == RunStatus::Finished, qPrintable(where));
    QVERIFY2(finalDigest(store, stopped.runId) == digest, qPrintable(where + " ends at other weights"));
    ++casesPassed;
  }
}

void TestResumeEveryCheckpoint::cleanupTestCase() {
  qInfo("%d (algorithm, scheme, checkpoint) cases resumed to their uninterrupted twin's weights", casesPassed);
}

QTEST_GUILESS_MAIN(TestResumeEveryCheckpoint)
#include "tst_resume_every_checkpoint.moc"
