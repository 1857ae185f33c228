// The drop-and-grow algorithms: the mask mutation primitive moves values and optimizer state with their
// weights; SET and MEST keep every layer's budget and scheme through every mutation, follow their schedules,
// rank by the importance they state, and report each change; bad options are refused with key paths.
#include <QtTest>
#include <cmath>
#include <map>
#include <set>

#include "algorithms/algorithm_factory.h"
#include "algorithms/mest_algorithm.h"
#include "algorithms/mest_schedule.h"
#include "core/error.h"
#include "nn/linear.h"
#include "project/project.h"
#include "sparse/model_sparsity.h"
#include "sparse/scheme.h"
#include "sparse/weight_matrix.h"

using namespace ss;

namespace {
Project algorithmProject(const std::string& algorithm, const std::string& scheme, const std::string& schemeOptions,
                         double target, double sparseBelow, const std::string& denseLayers = "[]") {
  return parseProject(R"({"format": 1, "name": "algo", "algorithm": )" + algorithm + R"(,
      "train": {"epochs": 8},
      "sparsity": {"target": )" +
                          std::to_string(target) + R"(, "scheme": ")" + scheme + R"(", "scheme_options": )" +
                          schemeOptions + R"(, "distribution": "uniform", "sparse_execution_below": )" +
                          std::to_string(sparseBelow) + R"(, "dense_layers": )" + denseLayers + "}}",
                      "algo.json");
}

// Storage index of every active position, in storage order (CSR entries, or the dense row-major array).
std::vector<std::pair<int64_t, size_t>> activeEntries(const WeightMatrix& w) {
  std::vector<std::pair<int64_t, size_t>> entries;
  if (const CsrMatrix* csr = w.csr()) {
    for (int r = 0; r < csr->rows; ++r)
      for (int32_t e = csr->rowStart[size_t(r)]; e < csr->rowStart[size_t(r) + 1]; ++e)
        entries.push_back({int64_t(r) * csr->cols + csr->column[size_t(e)], size_t(e)});
    return entries;
  }
  const Mask mask = w.mask();
  for (size_t i = 0; i < mask.bits.size(); ++i)
    if (mask.bits[i]) entries.push_back({int64_t(i), i});
  return entries;
}

std::string weightName(Layer& layer) {
  return layer.name() + ".weight";
}

// A two-layer model, sparsified by the project, with its optimizer, hook and the events it emitted.
struct Harness {
  explicit Harness(const Project& p) : project(p) {
    auto fc1 = std::make_unique<Linear>(32, 40);
    fc1->setName("fc1");
    auto fc2 = std::make_unique<Linear>(40, 16);
    fc2->setName("fc2");
    model.add(std::move(fc1));
    model.add(std::move(fc2));
    Rng maskRng(11);
    if (project.sparsity.target > 0) sparsifyModel(model, project.sparsity, maskRng);
    hook = makeAlgorithmHook(project, model, optimizer, rng, 10,
                             [this](const MaskChangeEvent& e) { events.push_back(e); });
  }

  // What a training step leaves behind: new values and gradients at the active positions, and momentum.
  void train() {
    for (const auto& layer : model.layers()) {
      WeightMatrix& w = *layer->weightMatrix();
      ParameterRef p = w.parameter(weightName(*layer));
      std::vector<float>& state = optimizer.state(p.name);
      state.assign(p.values.size(), 0.0f);
      for (const auto& [position, index] : activeEntries(w)) {
        p.values[index] = trainRng.normal(0.0f, 1.0f);
        p.grads[index] = trainRng.normal(0.0f, 1.0f);
        state[index] = trainRng.uniform(0.5f, 1.0f);
      }
    }
  }

  Layer& layer(const std::string& name) {
    for (const auto& l : model.layers())
      if (l->name() == name) return *l;
    throw std::logic_error("no layer " + name);
  }

  Project project;
  Model model;
  Sgd optimizer{SgdSettings{}};
  Rng rng{5}, trainRng{6};
  std::vector<MaskChangeEvent> events;
  std::unique_ptr<TrainingHook> hook;
};

// Weights per group of the scheme in this model (all dimensions divide evenly): channel groups are rows.
int64_t groupWeights(const QString& scheme, const WeightMatrix& w) {
  if (scheme == "block") return 4;
  if (scheme == "channel") return w.cols();
  return 1;
}

std::string schemeOptionsFor(const QString& scheme) {
  if (scheme == "nm") return R"({"n": 2, "m": 4})";
  if (scheme == "block") return R"({"height": 4, "width": 1})";
  return "{}";
}

double targetFor(const QString& scheme) {
  return scheme == "nm" ? 0.5 : 0.75;
}
}  // namespace

class TestAlgorithms : public QObject {
  Q_OBJECT

 private slots:
  void replaceMaskMovesValuesAndState_data();
  void replaceMaskMovesValuesAndState();
  void setKeepsBudgetAndScheme_data();
  void setKeepsBudgetAndScheme();
  void setStopsAfterStopFraction_data();
  void setStopsAfterStopFraction();
  void mestFollowsPhaseBounds_data();
  void mestFollowsPhaseBounds();
  void mestImportanceWeighsGradient_data();
  void mestImportanceWeighsGradient();
  void eventsDescribeTheChange_data();
  void eventsDescribeTheChange();
  void denseLayersNeverMutate();
  void staticAndDenseHaveNoHook();
  void badOptionsAreRefusedWithKeyPath_data();
  void badOptionsAreRefusedWithKeyPath();
  void mestDefaultDerivation_data();
  void mestDefaultDerivation();
  void mestScheduleEpochs();
};

void TestAlgorithms::replaceMaskMovesValuesAndState_data() {
  QTest::addColumn<bool>("sparse");
  QTest::addColumn<bool>("transposedIndex");
  QTest::newRow("sparse, transposed index") << true << true;
  QTest::newRow("sparse, scatter") << true << false;
  QTest::newRow("masked-dense") << false << false;
}

void TestAlgorithms::replaceMaskMovesValuesAndState() {
  QFETCH(bool, sparse);
  QFETCH(bool, transposedIndex);
  Rng rng(3);
  WeightMatrix w(12, 10);
  for (Eigen::Index i = 0; i < w.dense().size(); ++i) w.dense().data()[i] = rng.uniform(0.5f, 1.5f);
  Mask before(12, 10), after(12, 10);
  for (size_t i = 0; i < before.bits.size(); ++i) {
    before.bits[i] = rng.below(3) == 0;
    after.bits[i] = rng.below(3) == 0;
  }
  w.applyMask(before, sparse, transposedIndex);
  const Matrix valuesBefore = w.toDense();
  // Momentum and gradient name their position, so we can see where they went.
  std::vector<float> momentum(size_t(w.storedValues()), 0.0f);
  ParameterRef p = w.parameter("w");
  for (const auto& [position, index] : activeEntries(w)) {
    momentum[index] = 1000.0f + float(position);
    p.grads[index] = 2000.0f + float(position);
  }

  w.replaceMask(after, momentum);

  QCOMPARE(w.sparse(), sparse);
  QCOMPARE(w.mask().bits, after.bits);
  QCOMPARE(int64_t(momentum.size()), w.storedValues());
  const Matrix valuesAfter = w.toDense();
  p = w.parameter("w");
  for (const auto& [position, index] : activeEntries(w)) {
    const bool survived = before.bits[size_t(position)] != 0;
    QCOMPARE(valuesAfter.data()[position], survived ? valuesBefore.data()[position] : 0.0f);
    QCOMPARE(momentum[index], survived ? 1000.0f + float(position) : 0.0f);
    QCOMPARE(p.grads[index], survived ? 2000.0f + float(position) : 0.0f);
  }
  for (size_t i = 0; i < after.bits.size(); ++i)
    if (!after.bits[i]) {
      QCOMPARE(valuesAfter.data()[i], 0.0f);
      if (!sparse) QCOMPARE(momentum[i], 0.0f);
    }
  if (sparse) {
    const CsrMatrix rebuilt = CsrMatrix::fromMask(after, valuesAfter, transposedIndex);
    QCOMPARE(w.csr()->hasTransposedIndex, transposedIndex);
    QCOMPARE(w.csr()->rowStart, rebuilt.rowStart);
    QCOMPARE(w.csr()->column, rebuilt.column);
    QCOMPARE(w.csr()->colStart, rebuilt.colStart);
    QCOMPARE(w.csr()->rowOfEntryT, rebuilt.rowOfEntryT);
    QCOMPARE(w.csr()->entryOfT, rebuilt.entryOfT);
  }
  std::vector<float> noState;
  w.replaceMask(before, noState);
  QVERIFY(noState.empty());  // an optimizer that has not stepped yet keeps no state
}

void TestAlgorithms::setKeepsBudgetAndScheme_data() {
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<double>("sparseBelow");
  for (const char* scheme : {"unstructured", "nm", "block", "channel"}) {
    QTest::newRow(qPrintable(QString(scheme) + ", sparse")) << QString(scheme) << 1.0;
    QTest::newRow(qPrintable(QString(scheme) + ", masked-dense")) << QString(scheme) << 0.0;
  }
}

void TestAlgorithms::setKeepsBudgetAndScheme() {
  QFETCH(QString, scheme);
  QFETCH(double, sparseBelow);
  const std::string options = schemeOptionsFor(scheme);
  Harness h(algorithmProject(R"({"name": "set", "zeta": 0.3})", scheme.toStdString(), options, targetFor(scheme),
                             sparseBelow));
  QVERIFY(h.hook);
  const auto checker = makeScheme(scheme.toStdString(), options);
  std::map<std::string, int64_t> budget;
  for (const auto& layer : h.model.layers()) budget[layer->name()] = layer->weightMatrix()->activeCount();
  for (int epoch = 1; epoch <= 8; ++epoch) {
    h.train();
    std::map<std::string, int64_t> activeBefore;
    for (const auto& layer : h.model.layers()) activeBefore[layer->name()] = layer->weightMatrix()->activeCount();
    const size_t eventsBefore = h.events.size();
    h.hook->onEpochStart(epoch, 10 * (epoch - 1));
    for (size_t i = eventsBefore; i < h.events.size(); ++i) {
      const MaskChangeEvent& e = h.events[i];
      const WeightMatrix& w = *h.layer(e.layer).weightMatrix();
      const int64_t perGroup = groupWeights(scheme, w);
      QCOMPARE(e.dropped, std::llround(0.3 * double(activeBefore[e.layer] / perGroup)) * perGroup);
      QCOMPARE(e.grown, e.dropped);
    }
    for (const auto& layer : h.model.layers()) {
      const WeightMatrix& w = *layer->weightMatrix();
      QCOMPARE(w.activeCount(), budget[layer->name()]);
      QCOMPARE(w.sparse(), sparseBelow > 0.5);
      const std::string problem = checker->validate(w.mask(), {w.rows(), w.cols(), 1, layer->name()});
      QVERIFY2(problem.empty(), problem.c_str());
    }
  }
  QCOMPARE(h.events.size(), size_t(2 * 5));  // two layers, mutating at the starts of epochs 2 to 6
}

void TestAlgorithms::setStopsAfterStopFraction_data() {
  QTest::addColumn<QString>("options");
  QTest::addColumn<QList<int>>("mutatingEpochs");
  QTest::newRow("defaults: every epoch until 75% of 8") << "" << QList<int>{2, 3, 4, 5, 6};
  QTest::newRow("every 2 epochs") << R"(, "every_epochs": 2)" << QList<int>{3, 5};
  QTest::newRow("until half of training") << R"(, "stop_fraction": 0.5)" << QList<int>{2, 3, 4};
  QTest::newRow("whole training") << R"(, "stop_fraction": 1.0)" << QList<int>{2, 3, 4, 5, 6, 7, 8};
}

void TestAlgorithms::setStopsAfterStopFraction() {
  QFETCH(QString, options);
  QFETCH(QList<int>, mutatingEpochs);
  Harness h(algorithmProject(R"({"name": "set")" + options.toStdString() + "}", "unstructured", "{}", 0.75, 0.3));
  for (int epoch = 1; epoch <= 8; ++epoch) {
    h.train();
    h.hook->onEpochStart(epoch, 10 * (epoch - 1));
  }
  QList<int> seen;
  for (const MaskChangeEvent& e : h.events)
    if (e.layer == "fc1") seen.push_back(e.epoch);
  QCOMPARE(seen, mutatingEpochs);
}

void TestAlgorithms::mestFollowsPhaseBounds_data() {
  QTest::addColumn<QString>("variant");
  QTest::addColumn<QString>("scheme");
  // The default derivation for 8 epochs: phases end at epochs 2, 4 and 6, so the mutations at epochs 2..6
  // belong to phases 1, 2, 2, 3, 3. Shares of the layer's target kept by the prune and reached by the grow.
  QTest::addColumn<QList<double>>("lowShares");
  QTest::addColumn<QList<double>>("upShares");
  const QList<double> em{0.8, 0.9, 0.9, 1.0, 1.0}, ems{1.2, 1.1, 1.1, 1.0, 1.0}, ones(5, 1.0), vanilla(5, 0.8);
  for (const char* scheme : {"unstructured", "nm", "block", "channel"}) {
    QTest::newRow(qPrintable(QString("em, ") + scheme)) << "em" << QString(scheme) << em << ones;
    QTest::newRow(qPrintable(QString("em&s, ") + scheme)) << "em&s" << QString(scheme) << ones << ems;
    QTest::newRow(qPrintable(QString("vanilla, ") + scheme)) << "vanilla" << QString(scheme) << vanilla << ones;
  }
}

void TestAlgorithms::mestFollowsPhaseBounds() {
  QFETCH(QString, variant);
  QFETCH(QString, scheme);
  QFETCH(QList<double>, lowShares);
  QFETCH(QList<double>, upShares);
  const std::string options = schemeOptionsFor(scheme);
  const double target = targetFor(scheme);
  Harness h(algorithmProject(R"({"name": "mest", "variant": ")" + variant.toStdString() + R"("})", scheme.toStdString(),
                             options, target, 0.3));
  const auto checker = makeScheme(scheme.toStdString(), options);
  std::map<std::string, int64_t> budget;
  for (const auto& layer : h.model.layers()) budget[layer->name()] = layer->weightMatrix()->activeCount();
  for (int epoch = 1; epoch <= 8; ++epoch) {
    h.train();
    std::map<std::string, int64_t> activeBefore;
    for (const auto& layer : h.model.layers()) activeBefore[layer->name()] = layer->weightMatrix()->activeCount();
    const size_t eventsBefore = h.events.size();
    h.hook->onEpochStart(epoch, 10 * (epoch - 1));
    const bool mutates = epoch >= 2 && epoch <= 6;
    QCOMPARE(h.events.size() - eventsBefore, size_t(mutates ? 2 : 0));
    for (size_t i = eventsBefore; i < h.events.size(); ++i) {
      const MaskChangeEvent& e = h.events[i];
      const WeightMatrix& w = *h.layer(e.layer).weightMatrix();
      const int64_t perGroup = groupWeights(scheme, w);
      const int64_t targetGroups = budget[e.layer] / perGroup, active = activeBefore[e.layer] / perGroup;
      const double low = lowShares[epoch - 2], up = upShares[epoch - 2];
      int64_t dropped, grown;
      if (scheme == "nm") {  // balanced sets: a swap of the count the elastic mutation would regrow
        dropped = grown = std::llround(double(targetGroups) * (up - low));
      } else {
        const int64_t kept = std::min<int64_t>(active, std::llround(double(targetGroups) * low));
        dropped = active - kept;
        grown = int64_t(std::floor(double(targetGroups) * up + 1e-6)) - kept;
      }
      QCOMPARE(e.dropped, dropped * perGroup);
      QCOMPARE(e.grown, grown * perGroup);
      QCOMPARE(e.activeAfter, w.activeCount());
      // Never above the soft bound: (1 - s_up) of the weights, as a share of the layer's target.
      QVERIFY(double(e.activeAfter) <= up * double(budget[e.layer]) + 1e-9);
      if (up == 1.0 && low <= 1.0) QCOMPARE(e.activeAfter, budget[e.layer]);  // back at exactly the target
    }
    for (const auto& layer : h.model.layers()) {
      const WeightMatrix& w = *layer->weightMatrix();
      const std::string problem = checker->validate(w.mask(), {w.rows(), w.cols(), 1, layer->name()});
      QVERIFY2(problem.empty(), problem.c_str());
      if (epoch >= 6 || variant != "em&s") QCOMPARE(w.activeCount(), budget[layer->name()]);
    }
  }
  if (variant == "em&s" && scheme != "nm") {  // the soft bound was used: more weights than the target for a while
    bool grewPastTarget = false;
    for (const MaskChangeEvent& e : h.events) grewPastTarget |= e.activeAfter > budget[e.layer];
    QVERIFY(grewPastTarget);
  }
}

void TestAlgorithms::mestImportanceWeighsGradient_data() {
  QTest::addColumn<double>("lambda");
  QTest::addColumn<bool>("gradientWins");
  QTest::newRow("lambda 0.01: the large gradient keeps the smaller weight") << 0.01 << true;
  QTest::newRow("lambda 0: magnitude alone") << 0.0 << false;
}

void TestAlgorithms::mestImportanceWeighsGradient() {
  QFETCH(double, lambda);
  QFETCH(bool, gradientWins);
  // One mutation at epoch 2 prunes fc1 to 7/8 of its target, then grows back.
  Harness h(algorithmProject(R"({"name": "mest", "lambda": )" + std::to_string(lambda) +
                                 R"(, "phases": [{"until_epoch": 2, "prune_to": 0.78125, "grow_to": 0.75}]})",
                             "unstructured", "{}", 0.75, 0.3));
  Layer& fc1 = h.layer("fc1");
  WeightMatrix& w = *fc1.weightMatrix();
  const auto entries = activeEntries(w);
  const int64_t budget = int64_t(entries.size());
  const int64_t drops = budget - std::llround(double(budget) * 0.875);
  QVERIFY(drops >= 2);
  // All weights 1 without gradient, except drops - 1 tiny ones that go anyway, and two rivals for the last
  // drop: a (|w| 0.1, no gradient) and b (|w| 0.05, |g| 100).
  ParameterRef p = w.parameter(weightName(fc1));
  for (size_t i = 0; i < entries.size(); ++i) {
    const size_t index = entries[i].second;
    p.values[index] = i < size_t(drops - 1) ? 0.001f : 1.0f;
    p.grads[index] = 0.0f;
  }
  const auto [positionA, indexA] = entries[size_t(drops)];
  const auto [positionB, indexB] = entries[size_t(drops + 1)];
  p.values[indexA] = 0.1f;
  p.values[indexB] = -0.05f;
  p.grads[indexB] = -100.0f;

  h.hook->onEpochStart(2, 10);

  const Mask after = w.mask();
  const Matrix values = w.toDense();
  QCOMPARE(after.bits[size_t(positionB)] != 0, gradientWins);
  QCOMPARE(after.bits[size_t(positionA)] != 0, !gradientWins);
  QCOMPARE(values.data()[gradientWins ? positionB : positionA], gradientWins ? -0.05f : 0.1f);
  QCOMPARE(w.activeCount(), budget);
}

void TestAlgorithms::eventsDescribeTheChange_data() {
  QTest::addColumn<QString>("algorithm");
  QTest::addColumn<double>("sparseBelow");
  QTest::newRow("set, sparse") << R"({"name": "set"})" << 1.0;
  QTest::newRow("set, masked-dense") << R"({"name": "set"})" << 0.0;
  QTest::newRow("mest em&s, sparse") << R"({"name": "mest"})" << 1.0;
  QTest::newRow("mest em, masked-dense") << R"({"name": "mest", "variant": "em"})" << 0.0;
}

void TestAlgorithms::eventsDescribeTheChange() {
  QFETCH(QString, algorithm);
  QFETCH(double, sparseBelow);
  Harness h(algorithmProject(algorithm.toStdString(), "unstructured", "{}", 0.75, sparseBelow));
  h.train();
  std::map<std::string, Mask> masks;
  std::map<std::string, Matrix> values;
  std::map<std::string, std::map<int64_t, float>> momentum;  // by position
  for (const auto& layer : h.model.layers()) {
    const WeightMatrix& w = *layer->weightMatrix();
    masks[layer->name()] = w.mask();
    values[layer->name()] = w.toDense();
    for (const auto& [position, index] : activeEntries(w))
      momentum[layer->name()][position] = h.optimizer.state(weightName(*layer))[index];
  }
  h.hook->onEpochStart(2, 10);
  QCOMPARE(h.events.size(), size_t(2));
  for (const MaskChangeEvent& e : h.events) {
    Layer& layer = h.layer(e.layer);
    const WeightMatrix& w = *layer.weightMatrix();
    const Mask& before = masks[e.layer];
    const Mask after = w.mask();
    const Matrix now = w.toDense();
    QCOMPARE(e.epoch, 2);
    QCOMPARE(e.step, int64_t(10));
    QCOMPARE(e.rows, w.rows());
    QCOMPARE(e.cols, w.cols());
    QVERIFY(e.dropped + e.grown > 0);
    QCOMPARE(e.dropped, int64_t(e.droppedPositions.size()));
    QCOMPARE(e.grown, int64_t(e.grownPositions.size()));
    QCOMPARE(e.activeAfter, after.activeCount());
    QCOMPARE(e.activeAfter, before.activeCount() - e.dropped + e.grown);
    for (int64_t p : e.droppedPositions) {
      QVERIFY(before.bits[size_t(p)] && !after.bits[size_t(p)]);
      QCOMPARE(now.data()[p], 0.0f);
    }
    std::set<int64_t> grown(e.grownPositions.begin(), e.grownPositions.end());
    for (int64_t p : e.grownPositions) QVERIFY(!before.bits[size_t(p)] && after.bits[size_t(p)]);
    const std::vector<float>& state = h.optimizer.state(weightName(layer));
    QCOMPARE(int64_t(state.size()), w.storedValues());
    for (const auto& [position, index] : activeEntries(w)) {
      if (grown.count(position)) {
        QCOMPARE(now.data()[position], 0.0f);
        QCOMPARE(state[index], 0.0f);
      } else {
        QCOMPARE(now.data()[position], values[e.layer].data()[position]);
        QCOMPARE(state[index], momentum[e.layer][position]);
      }
    }
  }
}

void TestAlgorithms::denseLayersNeverMutate() {
  Harness h(algorithmProject(R"({"name": "set"})", "unstructured", "{}", 0.5, 0.3, R"(["last"])"));
  const Mask before = h.layer("fc2").weightMatrix()->mask();
  QCOMPARE(before.activeCount(), before.size());
  for (int epoch = 1; epoch <= 8; ++epoch) {
    h.train();
    h.hook->onEpochStart(epoch, 10 * (epoch - 1));
  }
  QVERIFY(!h.events.empty());
  for (const MaskChangeEvent& e : h.events) QCOMPARE(QString::fromStdString(e.layer), QString("fc1"));
  QCOMPARE(h.layer("fc2").weightMatrix()->mask().bits, before.bits);
  QVERIFY(!h.layer("fc2").weightMatrix()->sparse());
}

void TestAlgorithms::staticAndDenseHaveNoHook() {
  QVERIFY(!Harness(algorithmProject(R"({"name": "static"})", "unstructured", "{}", 0.75, 0.3)).hook);
  Project dense = algorithmProject(R"({"name": "dense"})", "unstructured", "{}", 0.0, 0.3);
  QVERIFY(!Harness(dense).hook);
}

void TestAlgorithms::badOptionsAreRefusedWithKeyPath_data() {
  QTest::addColumn<QString>("algorithm");
  QTest::addColumn<QString>("error");
  QTest::newRow("set zeta above 1") << R"({"name": "set", "zeta": 1.5})"
                                    << "algo: algorithm.zeta: must be a fraction";
  QTest::newRow("set zeta not a number") << R"({"name": "set", "zeta": "a"})"
                                         << "algorithm.zeta: expected a number";
  QTest::newRow("set misspelt key") << R"({"name": "set", "zetta": 0.3})"
                                    << "algorithm.zetta: unknown key (did you mean 'zeta'?)";
  QTest::newRow("set every 0 epochs") << R"({"name": "set", "every_epochs": 0})"
                                      << "algorithm.every_epochs: must be at least 1";
  QTest::newRow("set stop fraction 0") << R"({"name": "set", "stop_fraction": 0})"
                                       << "algorithm.stop_fraction:";
  QTest::newRow("static with options") << R"({"name": "static", "zeta": 0.3})"
                                       << "algorithm.zeta: unknown key";
  QTest::newRow("mest unknown variant") << R"({"name": "mest", "variant": "fast"})"
                                        << "algorithm.variant: 'fast' is not one of";
  QTest::newRow("mest negative lambda") << R"({"name": "mest", "lambda": -1})"
                                        << "algorithm.lambda: must not be negative";
  QTest::newRow("mest em&s with mutation ratio") << R"({"name": "mest", "mutation_ratio": 0.1})"
                                                 << "algorithm.mutation_ratio: variant em&s grows by soft_margin";
  QTest::newRow("mest em with soft margin") << R"({"name": "mest", "variant": "em", "soft_margin": 0.1})"
                                            << "algorithm.soft_margin: only variant em&s";
  QTest::newRow("mest ratio of 1") << R"({"name": "mest", "variant": "em", "mutation_ratio": 1})"
                                   << "algorithm.mutation_ratio: must be a fraction";
  QTest::newRow("mest decay epochs out of order") << R"({"name": "mest", "decay_epochs": [5, 3]})"
                                                  << "algorithm.decay_epochs: must be increasing";
  QTest::newRow("mest decay epoch after mutation stops") << R"({"name": "mest", "decay_epochs": [7]})"
                                                         << "algorithm.decay_epochs: each must be in [3, 6]";
  QTest::newRow("mest phases not a list") << R"({"name": "mest", "phases": 3})"
                                          << "algorithm.phases: expected";
  QTest::newRow("mest phase missing grow_to") << R"({"name": "mest", "phases": [{"until_epoch": 4, "prune_to": 0.8}]})"
                                              << "algorithm.phases[0].grow_to: required";
  QTest::newRow("mest phase grows past prune")
      << R"({"name": "mest", "phases": [{"until_epoch": 4, "prune_to": 0.7, "grow_to": 0.8}]})"
      << "algorithm.phases[0].grow_to: must not exceed prune_to";
  QTest::newRow("mest phases out of order")
      << R"({"name": "mest", "phases": [{"until_epoch": 4, "prune_to": 0.8, "grow_to": 0.75},
                                        {"until_epoch": 3, "prune_to": 0.75, "grow_to": 0.75}]})"
      << "algorithm.phases[1].until_epoch: must come after the previous phase's 4";
  QTest::newRow("mest phase unknown key")
      << R"({"name": "mest", "phases": [{"until_epoch": 4, "prune_to": 0.8, "grow_to": 0.75, "every": 2}]})"
      << "algorithm.phases[0].every: unknown key";
  QTest::newRow("mest phases with a ratio")
      << R"({"name": "mest", "mutation_ratio": 0.1, "phases": [{"until_epoch": 4, "prune_to": 0.8, "grow_to": 0.75}]})"
      << "algorithm.mutation_ratio: not used when phases are given";
  QTest::newRow("rigl not built") << R"({"name": "rigl"})"
                                  << "algorithm 'rigl' is not available";
}

void TestAlgorithms::badOptionsAreRefusedWithKeyPath() {
  QFETCH(QString, algorithm);
  QFETCH(QString, error);
  const Project p = algorithmProject(algorithm.toStdString(), "unstructured", "{}", 0.75, 0.3);
  try {
    Harness h(p);
    QFAIL("accepted");
  } catch (const InputError& e) {
    QVERIFY2(QString(e.what()).contains(error), e.what());
  }
}

void TestAlgorithms::mestDefaultDerivation_data() {
  QTest::addColumn<QString>("variant");
  QTest::addColumn<QList<double>>("pruneTo");
  QTest::addColumn<QList<double>>("growTo");
  QTest::newRow("em") << "em" << QList<double>{0.92, 0.91, 0.90} << QList<double>{0.90, 0.90, 0.90};
  QTest::newRow("em&s") << "em&s" << QList<double>{0.90, 0.90, 0.90} << QList<double>{0.88, 0.89, 0.90};
  QTest::newRow("vanilla") << "vanilla" << QList<double>{0.92, 0.92, 0.92} << QList<double>{0.90, 0.90, 0.90};
}

void TestAlgorithms::mestDefaultDerivation() {
  QFETCH(QString, variant);
  QFETCH(QList<double>, pruneTo);
  QFETCH(QList<double>, growTo);
  const MestOptions o = readMestOptions(R"({"variant": ")" + variant.toStdString() + R"("})", 0.9, 160, "p");
  QCOMPARE(o.lambda, 0.01);
  QCOMPARE(o.schedule.everyEpochs, 1);
  QCOMPARE(o.schedule.phases.size(), size_t(3));
  const int ends[] = {40, 80, 120};  // three equal phases up to 75% of 160 epochs
  for (size_t i = 0; i < 3; ++i) {
    QCOMPARE(o.schedule.phases[i].untilEpoch, ends[i]);
    QVERIFY(std::abs(o.schedule.phases[i].pruneTo - pruneTo[int(i)]) < 1e-12);
    QVERIFY(std::abs(o.schedule.phases[i].growTo - growTo[int(i)]) < 1e-12);
  }
  QCOMPARE(readMestOptions("{}", 0.9, 160, "p").variant, std::string("em&s"));
}

void TestAlgorithms::mestScheduleEpochs() {
  // The reference's decay epochs 90 and 120 of 160, mutating every 5 epochs until 75%.
  const MestOptions o = readMestOptions(
      R"({"variant": "em", "every_epochs": 5, "decay_epochs": [91, 121], "stop_fraction": 1})", 0.9, 160, "p");
  QCOMPARE(o.schedule.phases.size(), size_t(3));
  QCOMPARE(o.schedule.phases[0].untilEpoch, 90);
  QCOMPARE(o.schedule.phases[1].untilEpoch, 120);
  QCOMPARE(o.schedule.phases[2].untilEpoch, 160);
  QVERIFY(!o.schedule.phaseAt(1));
  QVERIFY(!o.schedule.phaseAt(5));
  QCOMPARE(o.schedule.phaseAt(6), &o.schedule.phases[0]);
  QCOMPARE(o.schedule.phaseAt(86), &o.schedule.phases[0]);
  QCOMPARE(o.schedule.phaseAt(91), &o.schedule.phases[1]);
  QCOMPARE(o.schedule.phaseAt(156), &o.schedule.phases[2]);
  const MestOptions explicitPhases = readMestOptions(
      R"({"phases": [{"until_epoch": 3, "prune_to": 0.95, "grow_to": 0.9}, {"until_epoch": 5, "prune_to": 0.9, "grow_to": 0.9}]})",
      0.9, 10, "p");
  QCOMPARE(explicitPhases.schedule.phaseAt(3)->pruneTo, 0.95);
  QCOMPARE(explicitPhases.schedule.phaseAt(4)->pruneTo, 0.9);
  QVERIFY(!explicitPhases.schedule.phaseAt(6));
}

QTEST_GUILESS_MAIN(TestAlgorithms)
#include "tst_algorithms.moc"
