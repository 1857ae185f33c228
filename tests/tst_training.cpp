// End-to-end training through Experiment: it learns, it is deterministic, and it stops cleanly.
#include <QtTest>
#include <cmath>
#include <limits>

#include "core/rng.h"
#include "core/threads.h"
#include "project/project.h"
#include "store/run_store.h"
#include "test_helpers.h"
#include "train/checkpoint.h"
#include "train/experiment.h"
#include "train/sgd.h"

using namespace ss;

namespace {

Project spiralsProject(uint64_t seed, int epochs) {
  Project p = parseProject(R"({"format": 1, "name": "spirals",
      "data": {"dataset": "spirals", "examples": 1600, "classes": 3, "noise": 0.05},
      "model": {"preset": "mlp", "hidden": [64, 64]},
      "train": {"batch_size": 32, "threads": 2,
                "optimizer": {"lr": 0.1, "weight_decay": 0.0001}, "schedule": {"name": "cosine"}}})",
                           "spirals.json");
  p.train.seed = seed;
  p.train.epochs = epochs;
  return p;
}

class LossRecorder : public TrainingObserver {
 public:
  void onStep(const StepRecord& s, int64_t, int64_t) override { losses.push_back(s.loss); }
  std::vector<double> losses;
};

// Asks the run to stop once it has seen a given number of steps.
class CancelAfter : public TrainingObserver {
 public:
  CancelAfter(RunControl& c, int64_t steps) : control(c), limit(steps) {}
  void onStep(const StepRecord& s, int64_t, int64_t) override {
    if (s.step == limit) control.requestCancel();
  }
  RunControl& control;
  int64_t limit;
};

// Poisons the first weight after a given step, as a diverging run would.
class PoisonWeights : public TrainingObserver {
 public:
  PoisonWeights(Model& m, int64_t step) : model(m), at(step) {}
  void onStep(const StepRecord& s, int64_t, int64_t) override {
    if (s.step == at) model.parameters()[0].values[0] = std::numeric_limits<float>::quiet_NaN();
  }
  Model& model;
  int64_t at;
};

// A CIFAR-100 binary file of `count` records: coarse label i % 20, fine label i % 100, and a picture whose red plane
// grows brighter with the coarse label on a noisy background, so there is something to learn.
std::vector<unsigned char> cifar100File(int count, uint64_t seed) {
  std::vector<unsigned char> bytes;
  for (int i = 0; i < count; ++i) {
    bytes.push_back(static_cast<unsigned char>(i % 20));
    bytes.push_back(static_cast<unsigned char>(i % 100));
    for (int p = 0; p < 3 * 32 * 32; ++p) {
      const int noise = int(mixBits(seed * 7919 + uint64_t(i) * 3072 + uint64_t(p)) % 40);
      bytes.push_back(static_cast<unsigned char>(p < 1024 ? 10 * (i % 20) + noise : 100 + noise));
    }
  }
  return bytes;
}

}  // namespace

class TestTraining : public QObject {
  Q_OBJECT

 private slots:
  void learnsSpiralsAboveNinetyFivePercent();
  void sameSeedAndThreadsGiveIdenticalLossCurves();
  void cancelStopsBetweenStepsAndIsRecorded();
  void divergingLossFailsTheRunWithItsReason();
  void sgdUpdatesEveryParameterAsItsFormulaSaysOnAnyThreadCount();
  void sgdSkipsDecayOfBiasesUnlessSetToDecayNormAndBias_data();
  void sgdSkipsDecayOfBiasesUnlessSetToDecayNormAndBias();
  void projectSettingDecaysNormAndBiasInTraining();
  void trainsOnCifar100CoarseLabelsWithAugmentation();

 private:
  QTemporaryDir dir_;
};

void TestTraining::learnsSpiralsAboveNinetyFivePercent() {
  RunStore store((dir_.path() + "/learn.db").toStdString());
  Experiment experiment(spiralsProject(1, 40));
  RunControl control;
  const RunOutcome outcome = experiment.run(store, control, {});
  QVERIFY2(outcome.status == RunStatus::Finished, outcome.message.c_str());
  QVERIFY2(*outcome.finalTestAccuracy > 0.95, qPrintable(QString::number(*outcome.finalTestAccuracy)));
  const auto epochs = store.epochs(outcome.runId);
  QCOMPARE(int(epochs.size()), 40);
  QVERIFY(epochs.back().trainLoss < epochs.front().trainLoss);
  QCOMPARE(store.listRuns().back().status, std::string("finished"));
}

void TestTraining::sameSeedAndThreadsGiveIdenticalLossCurves() {
  RunStore store((dir_.path() + "/determinism.db").toStdString());
  auto curve = [&](uint64_t seed) {
    Experiment experiment(spiralsProject(seed, 3));
    LossRecorder recorder;
    RunControl control;
    experiment.run(store, control, {&recorder});
    return recorder.losses;
  };
  const auto first = curve(5), second = curve(5), otherSeed = curve(6);
  QVERIFY(!first.empty());
  QCOMPARE(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) QCOMPARE(first[i], second[i]);  // exact, bit for bit
  QVERIFY(first != otherSeed);
}

void TestTraining::cancelStopsBetweenStepsAndIsRecorded() {
  RunStore store((dir_.path() + "/cancel.db").toStdString());
  Experiment experiment(spiralsProject(1, 10));
  RunControl control;
  CancelAfter canceller(control, 5);
  LossRecorder recorder;
  const RunOutcome outcome = experiment.run(store, control, {&canceller, &recorder});
  QVERIFY2(outcome.status == RunStatus::Cancelled, outcome.message.c_str());
  QCOMPARE(recorder.losses.size(), size_t(5));
  QCOMPARE(store.listRuns().back().status, std::string("cancelled"));
}

void TestTraining::divergingLossFailsTheRunWithItsReason() {
  RunStore store((dir_.path() + "/nan.db").toStdString());
  Experiment experiment(spiralsProject(1, 10));
  RunControl control;
  PoisonWeights poison(experiment.model(), 60);
  const RunOutcome outcome = experiment.run(store, control, {&poison});
  QVERIFY2(outcome.status == RunStatus::Failed, outcome.message.c_str());
  QVERIFY2(QString::fromStdString(outcome.message).contains("diverged"), outcome.message.c_str());
  const RunSummary run = store.listRuns().back();
  QCOMPARE(run.status, std::string("failed"));
  QCOMPARE(run.epochsLogged, 1);  // the epoch completed before the failure stays recorded
  // The last good checkpoint stays, before the poisoned step and free of NaN: the run can go on from it.
  const auto kept = store.latestCheckpoint(run.id);
  QVERIFY(kept.has_value());
  QVERIFY(kept->step < 60);
  for (const NamedFloats& p : decodeCheckpoint(kept->bytes, "kept").parameters)
    for (float v : p.values) QVERIFY2(std::isfinite(v), p.name.c_str());
}

// One large parameter (split between the threads) and small ones of several sizes (each updated whole by one
// thread): three steps on 1, 2 and 3 threads give the same values, and those of the formula in sgd.h.
void TestTraining::sgdUpdatesEveryParameterAsItsFormulaSaysOnAnyThreadCount() {
  const std::vector<size_t> sizes = {20000, 300, 1500, 100, 7, 0, 9000};
  const SgdSettings settings{0.9f, true, 5e-4f};
  const float lr = 0.05f;
  Rng rng(5);
  std::vector<std::vector<float>> start(sizes.size()), grads(sizes.size());
  for (size_t p = 0; p < sizes.size(); ++p)
    for (size_t i = 0; i < sizes[p]; ++i) {
      start[p].push_back(rng.uniform(-1.0f, 1.0f));
      grads[p].push_back(rng.uniform(-1.0f, 1.0f));
    }
  // The formula, in double, for three steps with the same gradient.
  std::vector<std::vector<double>> expected(sizes.size());
  for (size_t p = 0; p < sizes.size(); ++p) {
    const double wd = p % 2 ? 0.0 : settings.weightDecay;  // odd ones are biases: no decay
    for (size_t i = 0; i < sizes[p]; ++i) {
      double w = start[p][i], m = 0;
      for (int step = 0; step < 3; ++step) {
        const double g = grads[p][i] + wd * w;
        m = settings.momentum * m + g;
        w -= lr * (g + settings.momentum * m);
      }
      expected[p].push_back(w);
    }
  }
  const int threadsBefore = threadCount();
  const auto restore = qScopeGuard([&] { setThreadCount(threadsBefore); });
  std::vector<std::vector<float>> firstRun;
  for (int threads : {1, 2, 3}) {
    setThreadCount(threads);
    std::vector<std::vector<float>> values = start, gradients = grads;
    std::vector<ParameterRef> params;
    for (size_t p = 0; p < sizes.size(); ++p)
      params.push_back({"p" + std::to_string(p), values[p], gradients[p], p % 2 == 0});
    Sgd sgd(settings);
    for (int step = 0; step < 3; ++step) sgd.step(params, lr);
    for (size_t p = 0; p < sizes.size(); ++p)
      for (size_t i = 0; i < sizes[p]; ++i)
        QVERIFY2(std::abs(values[p][i] - expected[p][i]) < 1e-5,
                 qPrintable(QString("parameter %1, entry %2, %3 threads").arg(p).arg(i).arg(threads)));
    if (firstRun.empty())
      firstRun = values;
    else
      QVERIFY2(values == firstRun, qPrintable(QString("%1 threads differ from one").arg(threads)));
  }
}

// One step from w = 2 with gradient 0.5, lr 0.1, weight decay 0.1, Nesterov momentum 0.9:
// undecayed g = 0.5, v = 0.5, w = 2 - 0.1 * (0.5 + 0.9 * 0.5) = 1.905;
// decayed g = 0.5 + 0.1 * 2 = 0.7, v = 0.7, w = 2 - 0.1 * (0.7 + 0.9 * 0.7) = 1.867.
void TestTraining::sgdSkipsDecayOfBiasesUnlessSetToDecayNormAndBias_data() {
  QTest::addColumn<bool>("marked");  // the parameter's own decay flag: false for biases and norm scale and shift
  QTest::addColumn<bool>("decayNormAndBias");
  QTest::addColumn<float>("expected");
  QTest::newRow("bias, default") << false << false << 1.905f;
  QTest::newRow("bias, decay_norm_and_bias") << false << true << 1.867f;
  QTest::newRow("weight, default") << true << false << 1.867f;
  QTest::newRow("weight, decay_norm_and_bias") << true << true << 1.867f;
}

void TestTraining::sgdSkipsDecayOfBiasesUnlessSetToDecayNormAndBias() {
  QFETCH(bool, marked);
  QFETCH(bool, decayNormAndBias);
  QFETCH(float, expected);
  std::vector<float> value = {2.0f}, grad = {0.5f};
  Sgd sgd({0.9f, true, 0.1f, decayNormAndBias});
  sgd.step({{"p", value, grad, marked}}, 0.1f);
  QVERIFY2(std::abs(value[0] - expected) < 1e-6f, qPrintable(QString::number(value[0], 'g', 9)));
}

// The project key reaches the optimizer Experiment builds: the same run with it on ends with other biases, and with
// no weight decay at all it changes nothing.
void TestTraining::projectSettingDecaysNormAndBiasInTraining() {
  const auto biasesAfterOneEpoch = [](double weightDecay, bool decayNormAndBias) {
    Project p = spiralsProject(3, 1);
    p.train.optimizer.weightDecay = weightDecay;
    p.train.optimizer.decayNormAndBias = decayNormAndBias;
    Experiment experiment(p);
    RunControl control;
    const RunOutcome outcome = experiment.runUnrecorded(control, {});
    if (outcome.status != RunStatus::Finished) qFatal("the run did not finish: %s", outcome.message.c_str());
    std::vector<float> biases;
    for (const ParameterRef& r : experiment.model().parameters())
      if (!r.decay) biases.insert(biases.end(), r.values.begin(), r.values.end());
    return biases;
  };
  const std::vector<float> off = biasesAfterOneEpoch(0.01, false);
  QVERIFY(!off.empty());
  QVERIFY(biasesAfterOneEpoch(0.01, true) != off);
  QCOMPARE(biasesAfterOneEpoch(0.0, true), biasesAfterOneEpoch(0.0, false));
}

void TestTraining::trainsOnCifar100CoarseLabelsWithAugmentation() {
  // The whole path for a colour set: the folder read with the superclasses, the three channels standardised each
  // with its own statistics, crops and flips of three-channel images, a convnet with a 20-way output.
  QTemporaryDir data;
  writeTestFile(data, "train.bin", cifar100File(80, 1));
  writeTestFile(data, "test.bin", cifar100File(40, 2));
  const Project project = parseProject(R"({"format": 1, "name": "cifar100-coarse",
      "data": {"dataset": "cifar100", "labels": "coarse", "dir": ")" +
                                           data.path().toStdString() + R"("},
      "model": {"preset": "convnet", "channels": [4], "fc": []},
      "train": {"epochs": 2, "batch_size": 16, "threads": 2},
      "augmentation": {"random_crop": true, "horizontal_flip": true}})",
                                       "cifar100.json");
  RunStore store((dir_.path() + "/cifar100.db").toStdString());
  Experiment experiment(project);
  QCOMPARE(experiment.data().train.classCount, 20);
  QCOMPARE(experiment.data().train.classNames.front(), std::string("aquatic_mammals"));
  QCOMPARE(experiment.data().train.features.channels(), 3);
  RunControl control;
  const RunOutcome outcome = experiment.run(store, control, {});
  QVERIFY2(outcome.status == RunStatus::Finished, outcome.message.c_str());
  QVERIFY(outcome.finalTestAccuracy.has_value());
  QCOMPARE(int(store.epochs(outcome.runId).size()), 2);
}

QTEST_GUILESS_MAIN(TestTraining)
#include "tst_training.moc"
