// Static sparse training end to end: the masks keep their exact shape and count through training,
// the run reports its density, and impossible requests are refused before anything starts.
#include <QtTest>

#include "core/error.h"
#include "memory/memory_model.h"
#include "project/project.h"
#include "sparse/model_sparsity.h"
#include "sparse/scheme.h"
#include "sparse/weight_matrix.h"
#include "store/run_store.h"
#include "train/experiment.h"

using namespace ss;

namespace {
Project staticSpirals(const std::string& scheme, const std::string& options, double target) {
  return parseProject(R"({"format": 1, "name": "static", "algorithm": {"name": "static"},
      "data": {"dataset": "spirals", "examples": 1600, "classes": 3, "noise": 0.05},
      "model": {"preset": "mlp", "hidden": [128, 128]},
      "train": {"epochs": 30, "batch_size": 32, "threads": 2, "optimizer": {"lr": 0.1, "weight_decay": 0.0001}},
      "sparsity": {"target": )" +
                          std::to_string(target) + R"(, "scheme": ")" + scheme + R"(", "scheme_options": )" + options +
                          R"(, "distribution": "uniform"}})",
                      "static.json");
}

std::vector<Mask> masksOf(Model& model) {
  std::vector<Mask> masks;
  for (const auto& layer : model.layers())
    if (auto* w = layer->weightMatrix()) masks.push_back(w->mask());
  return masks;
}
}  // namespace

class TestSparseTraining : public QObject {
  Q_OBJECT

 private slots:
  void staticMasksKeepShapeAndCountThroughTraining_data();
  void staticMasksKeepShapeAndCountThroughTraining();
  void everyAlgorithmEndsAtItsBudget_data();
  void everyAlgorithmEndsAtItsBudget();
  void softMemoryBoundPeakIsCountedAndChecked();
  void denseAlgorithmWithTargetIsRefused();
  void unknownDenseLayerIsRefused();

 private:
  QTemporaryDir dir_;
};

void TestSparseTraining::staticMasksKeepShapeAndCountThroughTraining_data() {
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<QString>("options");
  QTest::addColumn<double>("target");
  QTest::newRow("unstructured 80%") << "unstructured"
                                    << "{}" << 0.8;
  QTest::newRow("N:M 1:4") << "nm"
                           << R"({"n": 1, "m": 4})" << 0.75;
  QTest::newRow("block 4x1 at 75%") << "block"
                                    << R"({"height": 4, "width": 1})" << 0.75;
  QTest::newRow("channel 50%") << "channel"
                               << "{}" << 0.5;
}

void TestSparseTraining::staticMasksKeepShapeAndCountThroughTraining() {
  QFETCH(QString, scheme);
  QFETCH(QString, options);
  QFETCH(double, target);
  Experiment experiment(staticSpirals(scheme.toStdString(), options.toStdString(), target));
  const std::vector<Mask> before = masksOf(experiment.model());
  RunStore store((dir_.path() + "/static.db").toStdString());
  RunControl control;
  const RunOutcome outcome = experiment.run(store, control, {});
  QVERIFY2(outcome.status == RunStatus::Finished, outcome.message.c_str());
  const std::vector<Mask> after = masksOf(experiment.model());
  const auto checker = makeScheme(scheme.toStdString(), options.toStdString());
  int64_t active = 0, total = 0;
  for (size_t i = 0; i < after.size(); ++i) {
    QCOMPARE(after[i].bits, before[i].bits);  // static: the mask never changes
    const LayerGeometry g{after[i].rows, after[i].cols, 1, ""};
    if (after[i].activeCount() < after[i].size()) {
      const std::string problem = checker->validate(after[i], g);
      QVERIFY2(problem.empty(), problem.c_str());
    }
    active += after[i].activeCount();
    total += after[i].size();
  }
  const auto epochs = store.epochs(outcome.runId);
  QCOMPARE(epochs.back().density, double(active) / double(total));
  QVERIFY2(epochs.back().density < 1.0 - target + 0.02, qPrintable(QString::number(epochs.back().density)));
  QVERIFY2(*outcome.finalTestAccuracy > 0.8, qPrintable(QString::number(*outcome.finalTestAccuracy)));
}

void TestSparseTraining::everyAlgorithmEndsAtItsBudget_data() {
  QTest::addColumn<QString>("algorithm");
  QTest::newRow("set") << R"({"name": "set"})";
  QTest::newRow("rigl") << R"({"name": "rigl", "update_steps": 20})";
  QTest::newRow("gmp") << R"({"name": "gmp", "every_steps": 20})";
  QTest::newRow("mest vanilla") << R"({"name": "mest", "variant": "vanilla"})";
  QTest::newRow("mest em") << R"({"name": "mest", "variant": "em"})";
  QTest::newRow("mest em&s") << R"({"name": "mest", "variant": "em&s"})";
}

// A whole run through Experiment: the algorithm mutates (events reach observers), the run ends at
// exactly the planned number of active weights, and it still learns.
void TestSparseTraining::everyAlgorithmEndsAtItsBudget() {
  QFETCH(QString, algorithm);
  Project p = staticSpirals("unstructured", "{}", 0.8);
  p.algorithm = parseProject(R"({"format": 1, "name": "a", "sparsity": {"target": 0.8}, "algorithm": )" +
                                 algorithm.toStdString() + "}",
                             "a.json")
                    .algorithm;
  Experiment experiment(p);
  struct Counter : TrainingObserver {
    int64_t events = 0;
    void onMaskChange(const MaskChangeEvent&) override { ++events; }
  } counter;
  RunStore store((dir_.path() + "/algorithms.db").toStdString());
  RunControl control;
  const RunOutcome outcome = experiment.run(store, control, {&counter});
  QVERIFY2(outcome.status == RunStatus::Finished, outcome.message.c_str());
  QVERIFY(counter.events > 0);
  QCOMPARE(int64_t(store.maskChanges(outcome.runId).size()), counter.events);  // every event is logged
  int64_t active = 0, planned = 0;
  for (const auto& layer : experiment.model().layers())
    if (auto* w = layer->weightMatrix()) active += w->activeCount();
  for (const auto& d : experiment.densities()) planned += d.active;
  QCOMPARE(active, planned);
  QVERIFY2(*outcome.finalTestAccuracy > 0.8, qPrintable(QString::number(*outcome.finalTestAccuracy)));
}

// MEST+EM&S grows up to (1 - 0.76) / (1 - 0.8) = 1.2 times the budget between mutations: the memory
// model counts those weights at the peak, and a bound that holds the target but not the peak is refused.
void TestSparseTraining::softMemoryBoundPeakIsCountedAndChecked() {
  Project p = staticSpirals("unstructured", "{}", 0.8);
  p.algorithm.name = "mest";
  p.algorithm.optionsJson = R"({"variant": "em&s", "soft_margin": 0.2})";
  Experiment unbounded(p);
  const MemoryEstimate& m = unbounded.memory();
  QVERIFY(m.algorithmTransient > 0);
  // The extra weights cost what 20% more active weights cost in every sparse layer (12 bytes of value,
  // gradient and momentum plus 8 bytes of index per weight: a 2-byte column, and in the transposed index
  // a 2-byte row and a 4-byte position), within rounding.
  int64_t active = 0;
  for (const auto& layer : unbounded.model().layers())
    if (auto* w = layer->weightMatrix()) active += w->activeCount();
  QVERIFY2(std::abs(double(m.algorithmTransient) - 0.2 * double(active) * 20.0) < 20.0 * 4,
           qPrintable(QString("%1 bytes for %2 active weights").arg(m.algorithmTransient).arg(active)));
  p.memoryBoundBytes = m.peak() - m.algorithmTransient / 2;  // holds the target, not the peak
  try {
    Experiment bounded(p);
    QFAIL("a bound below the soft-bound peak was accepted");
  } catch (const InputError& e) {
    QVERIFY2(QString(e.what()).contains("at its peak"), e.what());
  }
  p.algorithm.name = "static";
  p.algorithm.optionsJson = "{}";
  Experiment fixedMask(p);  // the same bound holds a static run
  QCOMPARE(fixedMask.memory().algorithmTransient, int64_t(0));
}

void TestSparseTraining::denseAlgorithmWithTargetIsRefused() {
  Project p = staticSpirals("unstructured", "{}", 0.9);
  p.algorithm.name = "dense";
  QVERIFY_THROWS_EXCEPTION(InputError, Experiment{p});
}

void TestSparseTraining::unknownDenseLayerIsRefused() {
  Project p = staticSpirals("unstructured", "{}", 0.9);
  p.sparsity.denseLayers = {"fc9"};
  try {
    Experiment experiment(p);
    QFAIL("accepted an unknown layer");
  } catch (const InputError& e) {
    QVERIFY2(QString(e.what()).contains("no layer 'fc9'"), e.what());
  }
}

QTEST_GUILESS_MAIN(TestSparseTraining)
#include "tst_sparse_training.moc"
