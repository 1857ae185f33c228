// The memory model's figures for a small model, checked by hand, and the memory bound check.
#include <QtTest>

#include "core/error.h"
#include "core/machine_memory.h"
#include "core/threads.h"
#include "memory/memory_model.h"
#include "nn/activation.h"
#include "nn/dropout.h"
#include "nn/linear.h"
#include "nn/model_factory.h"
#include "project/project.h"
#include "sparse/weight_matrix.h"
#include "train/project_plan.h"

using namespace ss;

namespace {
// fc1 4 -> 3, relu, fc2 3 -> 2.
Model tinyMlp() {
  Model m;
  auto fc1 = std::make_unique<Linear>(4, 3);
  fc1->setName("fc1");
  m.add(std::move(fc1));
  auto relu = std::make_unique<ReLU>(ExampleShape{1, 1, 3});
  relu->setName("relu");
  m.add(std::move(relu));
  auto fc2 = std::make_unique<Linear>(3, 2);
  fc2->setName("fc2");
  m.add(std::move(fc2));
  return m;
}
}  // namespace

class TestMemoryModel : public QObject {
  Q_OBJECT

 private slots:
  void denseFiguresByHand();
  void sparseFiguresByHand_data();
  void sparseFiguresByHand();
  void indexWidthFollowsTheDimension_data();
  void indexWidthFollowsTheDimension();
  void dropoutKeepsItsScaleBesideItsOutput();
  void boundTooSmallNamesTheSparsityThatFits();
  void boundBelowActivationsSaysNoSparsityFits();
  void threadsSplittingTheBatchEachHoldPartialGradients();
  void modelBeyondTheMachinesMemoryIsRefusedBeforeItIsBuilt_data();
  void modelBeyondTheMachinesMemoryIsRefusedBeforeItIsBuilt();
  void planOfAModelBeyondThisMachineNamesTheLayer();
};

void TestMemoryModel::denseFiguresByHand() {
  Model m = tinyMlp();
  const MemoryEstimate e = estimateTrainingMemory(m, {.batchSize = 5});
  QCOMPARE(int(e.layers.size()), 3);
  // fc1: 12 weights + 3 biases = 15 floats = 60 bytes each for value, gradient, momentum.
  QCOMPARE(e.layers[0].weights, int64_t(60));
  QCOMPARE(e.layers[0].gradients, int64_t(60));
  QCOMPARE(e.layers[0].optimizer, int64_t(60));
  QCOMPARE(e.layers[0].indices, int64_t(0));
  QCOMPARE(e.layers[0].activations, int64_t(5 * 3 * 4));
  QCOMPARE(e.layers[1].weights, int64_t(0));  // relu
  QCOMPARE(e.layers[1].activations, int64_t(5 * 3 * 4));
  QCOMPARE(e.layers[2].weights, int64_t(8 * 4));  // 6 weights + 2 biases
  QCOMPARE(e.layers[2].activations, int64_t(5 * 2 * 4));
  QCOMPARE(e.total(), int64_t(3 * 60 + 60 + 60 + 3 * 32 + 40));
  QCOMPARE(e.parameterState(), estimateTrainingMemory(m, {.batchSize = 5}, WeightsHeld::Dense).parameterState());
}

// Dropout keeps a float of scale per value for backward as well as its output.
void TestMemoryModel::dropoutKeepsItsScaleBesideItsOutput() {
  Model m;
  auto dropout = std::make_unique<Dropout>(ExampleShape{1, 1, 6}, 0.5f, Rng(1));
  dropout->setName("dropout");
  m.add(std::move(dropout));
  const MemoryEstimate e = estimateTrainingMemory(m, {.batchSize = 7});
  QCOMPARE(e.layers[0].activations, int64_t(7 * 6 * 4 * 2));
}

void TestMemoryModel::sparseFiguresByHand_data() {
  QTest::addColumn<bool>("transposedIndex");
  QTest::newRow("CSR and transposed index") << true;
  QTest::newRow("CSR only") << false;
}

void TestMemoryModel::sparseFiguresByHand() {
  QFETCH(bool, transposedIndex);
  Model m = tinyMlp();
  Mask mask(3, 4);
  for (auto [r, c] : {std::pair{0, 0}, {0, 3}, {1, 1}, {2, 2}, {2, 3}}) mask.set(r, c, true);  // 5 active
  m.layers()[0]->weightMatrix()->applyMask(mask, true, {.transposedIndex = transposedIndex});
  const LayerMemory fc1 = estimateTrainingMemory(m, {.batchSize = 5}).layers[0];
  QCOMPARE(fc1.weights, int64_t(5 * 4 + 3 * 4));  // active weights + biases
  QCOMPARE(fc1.gradients, fc1.weights);
  QCOMPARE(fc1.optimizer, fc1.weights);
  // Row pointers (3 + 1, 4 bytes) and 5 column indices of 2 bytes (4 columns fit in 16 bits); the
  // transposed index adds column pointers (4 + 1, 4 bytes) and per active weight a 2-byte row and a
  // 4-byte position in the CSR.
  const int64_t csr = 4 * 4 + 5 * 2, transposed = 5 * 4 + 5 * (2 + 4);
  QCOMPARE(fc1.indices, transposedIndex ? csr + transposed : csr);
  QCOMPARE(estimateTrainingMemory(m, {.batchSize = 5}, WeightsHeld::Dense).layers[0].parameterState(),
           int64_t(3 * 15 * 4));
  // The storage itself agrees with the model.
  QCOMPARE(m.layers()[0]->weightMatrix()->indexBytes(), fc1.indices);
}

void TestMemoryModel::threadsSplittingTheBatchEachHoldPartialGradients() {
  // A sparse fc1 puts the stretch fc1-relu-fc2 on panels. A batch of 32 examples a thread is split between
  // the threads, and each but the first keeps its own part of every panel layer's gradients; one example
  // fewer, or a model without a sparse layer, and nothing is split.
  const int threadsBefore = threadCount();
  const auto restore = qScopeGuard([&] { setThreadCount(threadsBefore); });
  Model sparse = tinyMlp(), dense = tinyMlp();
  Mask mask(3, 4);
  for (auto [r, c] : {std::pair{0, 0}, {1, 1}, {2, 2}}) mask.set(r, c, true);
  sparse.layers()[0]->weightMatrix()->applyMask(mask, true, {.transposedIndex = true});
  for (int threads : {2, 3}) {
    const int batch = 32 * threads;
    setThreadCount(1);
    const MemoryEstimate alone = estimateTrainingMemory(sparse, {.batchSize = batch}),
                         aloneSmall = estimateTrainingMemory(sparse, {.batchSize = batch - 1}),
                         denseAlone = estimateTrainingMemory(dense, {.batchSize = batch});
    setThreadCount(threads);
    const MemoryEstimate split = estimateTrainingMemory(sparse, {.batchSize = batch}),
                         small = estimateTrainingMemory(sparse, {.batchSize = batch - 1}),
                         denseSplit = estimateTrainingMemory(dense, {.batchSize = batch});
    for (size_t i = 0; i < split.layers.size(); ++i) {
      QCOMPARE(split.layers[i].transient, alone.layers[i].transient + (threads - 1) * alone.layers[i].gradients);
      QCOMPARE(small.layers[i].transient, aloneSmall.layers[i].transient);
      QCOMPARE(denseSplit.layers[i].transient, denseAlone.layers[i].transient);
    }
    QCOMPARE(alone.layers[0].gradients, int64_t((3 + 3) * 4));  // 3 active weights and 3 biases
    QCOMPARE(alone.layers[2].gradients, int64_t((6 + 2) * 4));  // fc2, dense but in the stretch
  }
}

void TestMemoryModel::indexWidthFollowsTheDimension_data() {
  QTest::addColumn<int>("rows");
  QTest::addColumn<int>("cols");
  QTest::addColumn<int64_t>("csrOnlyBytes");
  QTest::addColumn<int64_t>("withTransposedBytes");
  // Two active weights per matrix. CSR: (rows + 1) row pointers of 4 bytes and a column index per
  // weight; transposed: (cols + 1) column pointers of 4 bytes, and per weight a row index and 4 bytes.
  QTest::newRow("65536 columns: 2-byte columns")
      << 2 << 65536 << int64_t(3 * 4 + 2 * 2) << int64_t(3 * 4 + 2 * 2 + 65537 * 4 + 2 * (2 + 4));
  QTest::newRow("65537 columns: 4-byte columns")
      << 2 << 65537 << int64_t(3 * 4 + 2 * 4) << int64_t(3 * 4 + 2 * 4 + 65538 * 4 + 2 * (2 + 4));
  QTest::newRow("65537 rows: 4-byte transposed rows")
      << 65537 << 2 << int64_t(65538 * 4 + 2 * 2) << int64_t(65538 * 4 + 2 * 2 + 3 * 4 + 2 * (4 + 4));
}

// The formula and the storage agree at both sides of the 16-bit limit.
void TestMemoryModel::indexWidthFollowsTheDimension() {
  QFETCH(int, rows);
  QFETCH(int, cols);
  QFETCH(int64_t, csrOnlyBytes);
  QFETCH(int64_t, withTransposedBytes);
  Mask mask(rows, cols);
  mask.set(0, cols - 1, true);
  mask.set(rows - 1, 0, true);
  for (bool transposed : {false, true}) {
    const int64_t expected = transposed ? withTransposedBytes : csrOnlyBytes;
    const SparseFormat csr{.transposedIndex = transposed};
    QCOMPARE(weightMemory({rows, cols, 2, true, false, csr}).indices, expected);
    WeightMatrix w(rows, cols);
    w.applyMask(mask, true, csr);
    QCOMPARE(w.indexBytes(), expected);
  }
}

void TestMemoryModel::boundTooSmallNamesTheSparsityThatFits() {
  Project p = parseProject(
      R"({"format": 1, "name": "b", "memory_bound": 1000, "sparsity": {"target": 0.1}, "train": {"batch_size": 5},
                              "algorithm": {"name": "static"}})",
      "b.json");
  Model m = tinyMlp();
  // Half the dense parameter state short of the dense need: the target's 10% sparsity is not enough, more is.
  const MemoryEstimate dense = estimateTrainingMemory(m, {.batchSize = 5});
  p.memoryBoundBytes = dense.peak() - dense.parameterState() / 2;
  try {
    checkMemoryBound(m, p, {.batchSize = 5});
    QFAIL("a bound below the model's need was accepted");
  } catch (const InputError& e) {
    QVERIFY2(QString(e.what()).contains("the smallest sparsity that fits is"), e.what());
  }
  p.memoryBoundBytes = dense.peak() + dense.parameterState();
  checkMemoryBound(m, p, {.batchSize = 5});  // fits: no throw
}

void TestMemoryModel::boundBelowActivationsSaysNoSparsityFits() {
  const Project p = parseProject(
      R"({"format": 1, "name": "b", "memory_bound": 100, "sparsity": {"target": 0.5}, "train": {"batch_size": 5},
                                    "algorithm": {"name": "static"}})",
      "b.json");
  Model m = tinyMlp();
  try {
    checkMemoryBound(m, p, {.batchSize = 5});
    QFAIL("a bound below the activations was accepted");
  } catch (const InputError& e) {
    QVERIFY2(QString(e.what()).contains("cannot hold this model at any sparsity"), e.what());
  }
}

QTEST_GUILESS_MAIN(TestMemoryModel)
#include "tst_memory_model.moc"

// The check counts exactly the parameters the model then has: 12 bytes each (value, gradient, momentum) fit, one
// byte fewer is refused, naming the layer that crossed the line.
void TestMemoryModel::modelBeyondTheMachinesMemoryIsRefusedBeforeItIsBuilt_data() {
  QTest::addColumn<QString>("preset");
  QTest::addColumn<QString>("lastLayer");
  QTest::newRow("mlp") << "mlp"
                       << "fc3";  // 300, 100, classifier
  QTest::newRow("convnet") << "convnet"
                           << "fc2";  // conv4, conv8, fc 16, classifier
}

void TestMemoryModel::modelBeyondTheMachinesMemoryIsRefusedBeforeItIsBuilt() {
  QFETCH(QString, preset);
  QFETCH(QString, lastLayer);
  ModelSpec spec;
  spec.preset = preset.toStdString();
  spec.channels = {4, 8};
  spec.fc = {16};
  const ExampleShape input{1, 28, 28};
  Rng rng(1);
  const int64_t parameters = buildModel(spec, input, 10, rng, 0).parameterCount();
  QVERIFY(parameters > 0);
  buildModel(spec, input, 10, rng, 12 * parameters);
  const std::string before = rng.state();
  try {
    buildModel(spec, input, 10, rng, 12 * parameters - 1);
    QFAIL("a model one byte over the memory was built");
  } catch (const InputError& e) {
    const QString message = e.what();
    QVERIFY2(
        message.contains("with layer " + lastLayer + " the model has " + QString::number(parameters) + " parameters"),
        e.what());
    QVERIFY2(message.contains("of memory"), e.what());
  }
  // Refused before any layer was built: none drew its initial weights from the generator.
  QCOMPARE(rng.state(), before);
}

// Two hidden layers of 65536 units: 52 GB dense. Without the check the plan allocated it, and the editor that asked
// was killed by the kernel.
void TestMemoryModel::planOfAModelBeyondThisMachineNamesTheLayer() {
  Project project =
      parseProject(R"({"format": 1, "name": "huge", "model": {"preset": "mlp", "hidden": [65536, 65536]}})", "huge");
  if (physicalMemoryBytes() >= int64_t(52e9)) QSKIP("this machine holds the model");
  try {
    planProject(project);
    QFAIL("planned a model beyond this machine's memory");
  } catch (const InputError& e) {
    QVERIFY2(QString(e.what()).contains("with layer fc2 the model has"), e.what());
  }
}
