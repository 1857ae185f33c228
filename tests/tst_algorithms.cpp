// The drop-and-grow algorithms: the mask mutation primitive moves values and optimizer state with their
// weights; SET and MEST keep every layer's budget and scheme through every mutation, follow their schedules,
// rank by the importance they state, and report each change; bad options are refused with key paths.
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numbers>
#include <optional>
#include <set>

#include "algorithms/algorithm_factory.h"
#include "algorithms/gmp_algorithm.h"
#include "algorithms/gradient_growth.h"
#include "algorithms/mest_algorithm.h"
#include "algorithms/mest_schedule.h"
#include "algorithms/rigl_algorithm.h"
#include "core/error.h"
#include "dense_gradient_helpers.h"
#include "nn/conv2d.h"
#include "nn/cross_entropy.h"
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

// Storage index of every active position, in storage order (sparse entries, or the dense row-major array).
std::vector<std::pair<int64_t, size_t>> activeEntries(const WeightMatrix& w) {
  std::vector<std::pair<int64_t, size_t>> entries;
  if (const SparseWeights* sparse = w.sparseWeights()) {
    const std::vector<int64_t> positions = sparse->positions();
    for (size_t e = 0; e < positions.size(); ++e) entries.push_back({positions[e], e});
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

// A stack of linear layers fc1, fc2, ... (default 32 -> 40 -> 16), optionally behind a convolution conv1 whose
// output feeds fc1, sparsified by the project as the experiment does (gmp starts dense), with its optimizer,
// hook and the events it emitted.
struct Harness {
  explicit Harness(const Project& p, const std::vector<int>& widths = {32, 40, 16},
                   const std::optional<ConvGeometry>& conv = std::nullopt)
      : project(p) {
    if (conv) {
      auto layer = std::make_unique<Conv2d>(*conv);
      layer->setName("conv1");
      Rng initRng(19);
      layer->initKaiming(initRng);
      model.add(std::move(layer));
    }
    for (size_t i = 0; i + 1 < widths.size(); ++i) {
      auto fc = std::make_unique<Linear>(widths[i], widths[i + 1]);
      fc->setName("fc" + std::to_string(i + 1));
      Rng initRng(20 + i);
      fc->initKaiming(initRng);
      model.add(std::move(fc));
    }
    Rng maskRng(11);
    if (project.sparsity.target > 0 && project.algorithm.name != "gmp") sparsifyModel(model, project.sparsity, maskRng);
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

  // Training steps as the trainer takes them, hooks included (static and dense have none), on random batches: 8 epochs
  // of 10 steps (the factory's stepsPerEpoch), calling check(epoch, step) after each.
  void runTraining(const std::function<void(int, int64_t)>& check = {}) {
    Matrix x, dLogits;
    std::vector<int32_t> labels(8);
    int64_t step = 0;
    for (int epoch = 1; epoch <= 8; ++epoch) {
      if (hook) hook->onEpochStart(epoch, step);
      for (int b = 0; b < 10; ++b) {
        Linear& last = static_cast<Linear&>(*model.layers().back());
        x.resize(8, model.layers().front()->inputShape().size());
        for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = trainRng.normal(0.0f, 1.0f);
        for (int32_t& label : labels) label = int32_t(trainRng.below(last.outputs()));
        softmaxCrossEntropy(model.forward(x, true), labels, &dLogits, nullptr);
        model.backward(dLogits);
        if (hook) hook->afterBackward(epoch, step + 1);
        optimizer.step(model.parameters(), 0.05f);
        ++step;
        if (hook) hook->afterStep(epoch, step);
        if (check) check(epoch, step);
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

// RigL on one 16 -> 8 layer in a case made by hand. The mask holds input columns 0-7, whose weights are small and
// distinct and see no input (x = 0), so their dense gradient is 0; columns 8-15 see x = 2^(c-8) and the output
// gradient is 1 + r/16, so every inactive position has its own |dense gradient| (r and c from the product) and no
// dropped weight can win its place back: every update drops and grows exactly round(f(t) * 64). Every step starts
// from this state, momentum 1 everywhere, and skips the optimizer.
struct HandMadeRigl {
  HandMadeRigl(const std::string& options, double sparseBelow)
      : h(algorithmProject(R"({"name": "rigl")" + options + "}", "unstructured", "{}", 0.5, sparseBelow), {16, 8}),
        chosen(8, 16),
        x(Matrix::Zero(1, 16)),
        dy(1, 8) {
    for (int r = 0; r < 8; ++r)
      for (int c = 0; c < 8; ++c) chosen.set(r, c, true);
    for (int c = 8; c < 16; ++c) x(0, c) = float(1 << (c - 8));
    for (int r = 0; r < 8; ++r) dy(0, r) = 1.0f + float(r) / 16.0f;
  }

  static float weightAt(int64_t position) { return float((position * 37) % 128 + 1) * 1e-3f; }
  float gradientAt(int64_t position) const { return dy(0, position / 16) * x(0, position % 16); }

  void restore() {
    WeightMatrix& w = *h.layer("fc1").weightMatrix();
    std::vector<float>& state = h.optimizer.state("fc1.weight");
    w.replaceMask(chosen, state);
    state.assign(size_t(w.storedValues()), 1.0f);
    ParameterRef p = w.parameter("fc1.weight");
    for (const auto& [position, index] : activeEntries(w)) p.values[index] = weightAt(position);
  }

  // The trainer's 80 steps (8 epochs of 10) without the optimizer; check(step) runs after afterBackward.
  void run(const std::function<void(int64_t)>& check) {
    int64_t step = 0;
    for (int epoch = 1; epoch <= 8; ++epoch) {
      h.hook->onEpochStart(epoch, step);
      for (int b = 0; b < 10; ++b) {
        restore();
        h.model.forward(x, true);
        h.model.backward(dy);
        h.hook->afterBackward(epoch, step + 1);
        ++step;
        check(step);
        h.hook->afterStep(epoch, step);
      }
    }
  }

  Harness h;
  Mask chosen;
  Matrix x, dy;
};

double riglFraction(double alpha, double stopFraction, int64_t step) {
  return alpha / 2.0 * (1.0 + std::cos(std::numbers::pi * double(step) / (stopFraction * 80.0)));
}

std::set<int64_t> positionsOf(const std::vector<int64_t>& positions) {
  return {positions.begin(), positions.end()};
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
  void unknownAlgorithmListsKnownOnes();
  void denseWeightGradientMatchesDenseLayer_data();
  void denseWeightGradientMatchesDenseLayer();
  void riglKeepsBudgetAndScheme_data();
  void riglKeepsBudgetAndScheme();
  void riglFollowsCosineSchedule_data();
  void riglFollowsCosineSchedule();
  void riglGrowsLargestDenseGradient_data();
  void riglGrowsLargestDenseGradient();
  void riglReportsDenseGradientTransient();
  void gmpFollowsCubicSchedule_data();
  void gmpFollowsCubicSchedule();
  void gmpMasksValidPerScheme_data();
  void gmpMasksValidPerScheme();
  void gmpKeepsSurvivorsAndMomentum_data();
  void gmpKeepsSurvivorsAndMomentum();
  void gmpPrunedWeightsStayZero_data();
  void gmpPrunedWeightsStayZero();
  void patternsHoldOnConvolutionsThroughEveryMutation_data();
  void patternsHoldOnConvolutionsThroughEveryMutation();
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
  w.applyMask(before, sparse, {.transposedIndex = transposedIndex});
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
    QCOMPARE(w.csr()->hasTransposedIndex(), transposedIndex);
    QCOMPARE(w.csr()->rowStart, rebuilt.rowStart);
    QCOMPARE(w.csr()->column, rebuilt.column);
    QVERIFY(w.csr()->transposed == rebuilt.transposed);
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
  QTest::newRow("rigl update every 0 steps") << R"({"name": "rigl", "update_steps": 0})"
                                             << "algo: algorithm.update_steps: must be at least 1";
  QTest::newRow("rigl alpha of 1") << R"({"name": "rigl", "alpha": 1})"
                                   << "algorithm.alpha: must be a fraction";
  QTest::newRow("rigl misspelt key") << R"({"name": "rigl", "stop_fraktion": 0.5})"
                                     << "algorithm.stop_fraktion: unknown key";
  QTest::newRow("gmp ends before it begins") << R"({"name": "gmp", "begin_fraction": 0.5, "end_fraction": 0.4})"
                                             << "algorithm.end_fraction: must be in (begin_fraction, 1]";
  QTest::newRow("gmp every 0 steps") << R"({"name": "gmp", "every_steps": 0})"
                                     << "algorithm.every_steps: must be at least 1";
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

void TestAlgorithms::unknownAlgorithmListsKnownOnes() {
  Project p = algorithmProject(R"({"name": "set"})", "unstructured", "{}", 0.75, 0.3);
  p.algorithm.name = "magic";
  try {
    Harness h(p);
    QFAIL("accepted");
  } catch (const InputError& e) {
    QVERIFY2(QString(e.what()).contains("algorithm 'magic' is unknown (known: dense, static, set, rigl, gmp, mest)"),
             e.what());
  }
}

void TestAlgorithms::denseWeightGradientMatchesDenseLayer_data() {
  QTest::addColumn<QString>("kind");
  QTest::addColumn<bool>("sparse");
  for (const char* kind : {"linear", "conv2d"}) {
    QTest::newRow(qPrintable(QString(kind) + ", sparse")) << QString(kind) << true;
    QTest::newRow(qPrintable(QString(kind) + ", masked-dense")) << QString(kind) << false;
  }
}

void TestAlgorithms::denseWeightGradientMatchesDenseLayer() {
  QFETCH(QString, kind);
  QFETCH(bool, sparse);
  // A dense layer's weight gradient is the dense gradient; a masked one must hand over the same, inactive
  // entries included, whatever its weights.
  auto makeLayer = [&]() -> std::unique_ptr<Layer> {
    if (kind == "linear") return std::make_unique<Linear>(12, 7);
    return std::make_unique<Conv2d>(ConvGeometry{2, 5, 5, 3, 3, 1, 1});
  };
  std::unique_ptr<Layer> dense = makeLayer(), masked = makeLayer();
  Rng rng(9);
  WeightMatrix& w = *masked->weightMatrix();
  for (Eigen::Index i = 0; i < w.dense().size(); ++i) w.dense().data()[i] = rng.normal(0.0f, 1.0f);
  Mask mask(w.rows(), w.cols());
  for (uint8_t& bit : mask.bits) bit = rng.below(4) == 0;
  w.applyMask(mask, sparse);
  const int inputs = masked->inputShape().size(), outputs = masked->outputShape().size();
  Matrix x(3, inputs), dy(3, outputs), y, dx;
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.normal(0.0f, 1.0f);
  for (Eigen::Index i = 0; i < dy.size(); ++i) dy.data()[i] = rng.normal(0.0f, 1.0f);
  Matrix handed;
  int calls = 0;
  masked->requestDenseWeightGradient(gatherDenseGradient(handed, w.rows(), w.cols(), &calls));
  masked->forward(x, y, true);
  masked->backward(x, y, dy, dx, true);
  masked->forward(x, y, true);
  masked->backward(x, y, dy, dx, true);
  QCOMPARE(calls, 1);  // one request, one gradient
  dense->forward(x, y, true);
  dense->backward(x, y, dy, dx, true);
  const Matrix& expected = dense->weightMatrix()->denseGradient();
  QCOMPARE(handed.rows(), expected.rows());
  QCOMPARE(handed.cols(), expected.cols());
  QVERIFY((handed - expected).cwiseAbs().maxCoeff() <= 1e-4f * (1.0f + expected.cwiseAbs().maxCoeff()));
}

void TestAlgorithms::riglKeepsBudgetAndScheme_data() {
  setKeepsBudgetAndScheme_data();
}

void TestAlgorithms::riglKeepsBudgetAndScheme() {
  QFETCH(QString, scheme);
  QFETCH(double, sparseBelow);
  const std::string options = schemeOptionsFor(scheme);
  Harness h(algorithmProject(R"({"name": "rigl", "update_steps": 10})", scheme.toStdString(), options,
                             targetFor(scheme), sparseBelow));
  QVERIFY(h.hook);
  const auto checker = makeScheme(scheme.toStdString(), options);
  std::map<std::string, int64_t> budget;
  for (const auto& layer : h.model.layers()) budget[layer->name()] = layer->weightMatrix()->activeCount();
  size_t seen = 0;
  int64_t changed = 0;
  h.runTraining([&](int, int64_t step) {
    for (; seen < h.events.size(); ++seen) {
      const MaskChangeEvent& e = h.events[seen];
      QCOMPARE(e.step, step);
      const int64_t perGroup = groupWeights(scheme, *h.layer(e.layer).weightMatrix());
      const int64_t asked = std::llround(riglFraction(0.3, 0.75, step) * double(budget[e.layer] / perGroup));
      QCOMPARE(e.grown, e.dropped);
      QVERIFY(e.dropped <= asked * perGroup);  // fewer when a dropped group wins its place back
      QCOMPARE(e.dropped % perGroup, int64_t(0));
      changed += e.dropped;
    }
    for (const auto& layer : h.model.layers()) {
      const WeightMatrix& w = *layer->weightMatrix();
      QCOMPARE(w.activeCount(), budget[layer->name()]);
      QCOMPARE(w.sparse(), sparseBelow > 0.5);
      const std::string problem = checker->validate(w.mask(), {w.rows(), w.cols(), 1, layer->name()});
      QVERIFY2(problem.empty(), problem.c_str());
    }
  });
  QCOMPARE(h.events.size(), size_t(2 * 5));  // two layers, updating after steps 10 to 50 (T_end = 60)
  QVERIFY(changed > 0);
}

void TestAlgorithms::riglFollowsCosineSchedule_data() {
  QTest::addColumn<QString>("options");
  QTest::addColumn<double>("alpha");
  QTest::addColumn<double>("stopFraction");
  QTest::addColumn<QList<int>>("updateSteps");
  QTest::newRow("every 10 steps until 75% of 80")
      << R"(, "update_steps": 10)" << 0.3 << 0.75 << QList<int>{10, 20, 30, 40, 50};
  QTest::newRow("every 25 steps") << R"(, "update_steps": 25)" << 0.3 << 0.75 << QList<int>{25, 50};
  QTest::newRow("until half of training")
      << R"(, "update_steps": 10, "stop_fraction": 0.5)" << 0.3 << 0.5 << QList<int>{10, 20, 30};
  QTest::newRow("alpha 0.5") << R"(, "update_steps": 20, "alpha": 0.5)" << 0.5 << 0.75 << QList<int>{20, 40};
  QTest::newRow("defaults: 100 steps is past T_end") << "" << 0.3 << 0.75 << QList<int>{};
}

void TestAlgorithms::riglFollowsCosineSchedule() {
  QFETCH(QString, options);
  QFETCH(double, alpha);
  QFETCH(double, stopFraction);
  QFETCH(QList<int>, updateSteps);
  HandMadeRigl rigl(options.toStdString(), 0.3);
  const RiglOptions parsed = readRiglOptions("{" + options.toStdString().substr(options.isEmpty() ? 0 : 1) + "}", "p");
  QList<int> seen;
  rigl.run([&](int64_t step) {
    const double f = riglUpdateFraction(parsed, 80, step);
    QCOMPARE(f > 0.0, updateSteps.contains(int(step)));
    if (f > 0.0) QVERIFY(std::abs(f - riglFraction(alpha, stopFraction, step)) < 1e-12);
    for (const MaskChangeEvent& e : rigl.h.events) {
      seen.push_back(int(e.step));
      const int64_t asked = std::llround(riglFraction(alpha, stopFraction, e.step) * 64.0);
      QCOMPARE(e.dropped, asked);
      QCOMPARE(e.grown, asked);
      QCOMPARE(e.activeAfter, int64_t(64));
    }
    rigl.h.events.clear();
  });
  QCOMPARE(seen, updateSteps);
}

void TestAlgorithms::riglGrowsLargestDenseGradient_data() {
  QTest::addColumn<double>("sparseBelow");
  QTest::newRow("sparse") << 1.0;
  QTest::newRow("masked-dense") << 0.0;
}

void TestAlgorithms::riglGrowsLargestDenseGradient() {
  QFETCH(double, sparseBelow);
  HandMadeRigl rigl(R"(, "update_steps": 10)", sparseBelow);
  int updates = 0;
  rigl.run([&](int64_t step) {
    for (const MaskChangeEvent& e : rigl.h.events) {
      ++updates;
      const size_t k = size_t(std::llround(riglFraction(0.3, 0.75, step) * 64.0));
      std::vector<int64_t> active, inactive;
      for (int64_t p = 0; p < 128; ++p) (rigl.chosen.bits[size_t(p)] ? active : inactive).push_back(p);
      std::sort(active.begin(), active.end(),
                [](int64_t a, int64_t b) { return HandMadeRigl::weightAt(a) < HandMadeRigl::weightAt(b); });
      std::sort(inactive.begin(), inactive.end(),
                [&](int64_t a, int64_t b) { return rigl.gradientAt(a) > rigl.gradientAt(b); });
      QCOMPARE(positionsOf(e.droppedPositions), std::set<int64_t>(active.begin(), active.begin() + long(k)));
      QCOMPARE(positionsOf(e.grownPositions), std::set<int64_t>(inactive.begin(), inactive.begin() + long(k)));
      // Grown weights start at zero with zero momentum; the others keep theirs.
      const WeightMatrix& w = *rigl.h.layer("fc1").weightMatrix();
      QCOMPARE(w.sparse(), sparseBelow > 0.5);
      const Matrix values = w.toDense();
      const std::vector<float>& state = rigl.h.optimizer.state("fc1.weight");
      QCOMPARE(int64_t(state.size()), w.storedValues());
      const std::set<int64_t> grown = positionsOf(e.grownPositions);
      for (const auto& [position, index] : activeEntries(w)) {
        const bool isNew = grown.count(position) != 0;
        QCOMPARE(values.data()[position], isNew ? 0.0f : HandMadeRigl::weightAt(position));
        QCOMPARE(state[index], isNew ? 0.0f : 1.0f);
      }
    }
    rigl.h.events.clear();
  });
  QCOMPARE(updates, 5);
}

void TestAlgorithms::riglReportsDenseGradientTransient() {
  // The largest sparse layer's dense gradient chunk: fc1 (40 x 32, one chunk) unless it is kept dense, then fc2
  // (16 x 40); and the kept and dropped units and growth candidates (alpha = 0.3 of the active) of every sparse layer,
  // which wait for afterBackward, a unit counted per active weight, with the one set that grows.
  const Project rigl = algorithmProject(R"({"name": "rigl"})", "unstructured", "{}", 0.75, 0.3);
  Harness h(rigl);
  const int64_t bothLayers = GradientGrowth::bytesFor(320, 96, 1) + GradientGrowth::bytesFor(160, 48, 1);
  QCOMPARE(algorithmTransientBytes(rigl, h.model), int64_t(40 * 32 * 4) + bothLayers);
  QCOMPARE(GradientGrowth::bytesFor(320, 96, 1), int64_t(320 * 8 + 96 * 16 + 16));
  const Project firstDense = algorithmProject(R"({"name": "rigl"})", "unstructured", "{}", 0.3, 0.3, R"(["first"])");
  Harness withFirstDense(firstDense);
  QCOMPARE(algorithmTransientBytes(firstDense, withFirstDense.model),
           int64_t(16 * 40 * 4) + GradientGrowth::bytesFor(64, 19, 1));  // fc2 at 0.1: what fc1 leaves of 0.7
  // Blocks stream the gradient in the same chunks: no layer's gradient is gathered whole.
  const Project blocks = algorithmProject(R"({"name": "rigl"})", "block", R"({"height": 4, "width": 1})", 0.75, 0.3);
  Harness withBlocks(blocks);
  QCOMPARE(algorithmTransientBytes(blocks, withBlocks.model), int64_t(40 * 32 * 4) + bothLayers);
  // Algorithms that never hold more than the budget: no transient. MEST+EM grows back only to the target.
  for (const char* other :
       {R"({"name": "static"})", R"({"name": "set"})", R"({"name": "gmp"})", R"({"name": "mest", "variant": "em"})"}) {
    const Project p = algorithmProject(other, "unstructured", "{}", 0.75, 0.3);
    Harness withOther(p);
    QCOMPARE(algorithmTransientBytes(p, withOther.model), int64_t(0));
  }
  // MEST+EM&S holds the soft bound's extra weights between mutations.
  const Project soft = algorithmProject(R"({"name": "mest", "variant": "em&s"})", "unstructured", "{}", 0.75, 0.3);
  Harness withSoft(soft);
  QVERIFY(algorithmTransientBytes(soft, withSoft.model) > 0);
}

void TestAlgorithms::gmpFollowsCubicSchedule_data() {
  QTest::addColumn<QString>("options");
  QTest::addColumn<int>("beginStep");
  QTest::addColumn<int>("endStep");
  QTest::addColumn<QList<int>>("pruneSteps");
  QTest::newRow("every 10 steps from 10% to 60% of 80")
      << R"(, "every_steps": 10)" << 8 << 48 << QList<int>{18, 28, 38, 48};
  QTest::newRow("every 15 steps: the last at t_end") << R"(, "every_steps": 15)" << 8 << 48 << QList<int>{23, 38, 48};
  QTest::newRow("from 25% to 50%, every 5 steps")
      << R"(, "every_steps": 5, "begin_fraction": 0.25, "end_fraction": 0.5)" << 20 << 40 << QList<int>{25, 30, 35, 40};
  QTest::newRow("defaults: Δt of 100 leaves t_end alone") << "" << 8 << 48 << QList<int>{48};
}

void TestAlgorithms::gmpFollowsCubicSchedule() {
  QFETCH(QString, options);
  QFETCH(int, beginStep);
  QFETCH(int, endStep);
  QFETCH(QList<int>, pruneSteps);
  Harness h(algorithmProject(R"({"name": "gmp")" + options.toStdString() + "}", "unstructured", "{}", 0.75, 0.3));
  const std::vector<LayerDensity> plan = planDensities(h.model, h.project.sparsity);
  QCOMPARE(modelDensity(h.model), 1.0);  // gmp starts dense
  int lastPrune = 0;
  QList<int> seen;
  h.runTraining([&](int, int64_t step) {
    if (pruneSteps.contains(int(step))) lastPrune = int(step);
    for (const LayerDensity& planned : plan) {
      const double finalDensity = double(planned.active) / double(planned.size);
      const double p = double(lastPrune - beginStep) / double(endStep - beginStep);
      const double density = lastPrune == 0 ? 1.0 : finalDensity + (1.0 - finalDensity) * std::pow(1.0 - p, 3);
      const int64_t active = h.layer(planned.name).weightMatrix()->activeCount();
      QVERIFY2(std::abs(double(active) - density * double(planned.size)) <= 1.0,
               qPrintable(QString("%1 at step %2: %3 active, schedule %4")
                              .arg(planned.name.c_str())
                              .arg(step)
                              .arg(active)
                              .arg(density * double(planned.size))));
      if (step >= endStep) QCOMPARE(active, planned.active);
    }
    for (const MaskChangeEvent& e : h.events)
      if (e.layer == "fc1") seen.push_back(int(e.step));
    h.events.clear();
  });
  QCOMPARE(seen, pruneSteps);
}

void TestAlgorithms::gmpMasksValidPerScheme_data() {
  setKeepsBudgetAndScheme_data();
}

void TestAlgorithms::gmpMasksValidPerScheme() {
  QFETCH(QString, scheme);
  QFETCH(double, sparseBelow);
  const std::string options = schemeOptionsFor(scheme);
  Harness h(algorithmProject(R"({"name": "gmp", "every_steps": 10})", scheme.toStdString(), options, targetFor(scheme),
                             sparseBelow));
  const auto checker = makeScheme(scheme.toStdString(), options);
  const GmpSchedule schedule = gmpSchedule(readGmpOptions(R"({"every_steps": 10})", "p"), 80);
  const std::vector<LayerDensity> plan = planDensities(h.model, h.project.sparsity);
  int64_t lastPrune = 0;
  h.runTraining([&](int, int64_t step) {
    if (schedule.prunesAfter(step)) lastPrune = step;
    for (const MaskChangeEvent& e : h.events) QCOMPARE(e.grown, int64_t(0));
    h.events.clear();
    for (const LayerDensity& planned : plan) {
      const WeightMatrix& w = *h.layer(planned.name).weightMatrix();
      const LayerGeometry g{w.rows(), w.cols(), 1, planned.name};
      const std::string problem = w.activeCount() == planned.size ? "" : checker->validate(w.mask(), g);
      QVERIFY2(problem.empty(), problem.c_str());
      const double density =
          lastPrune ? schedule.densityAfter(lastPrune, double(planned.active) / double(planned.size)) : 1.0;
      const int64_t reachable = std::llround(checker->achievableDensity(g, density) * double(planned.size));
      if (scheme == "nm")  // a fixed share: dense until the schedule is nearer it, then exactly it
        QVERIFY(w.activeCount() == planned.size || w.activeCount() == reachable);
      else
        QCOMPARE(w.activeCount(), lastPrune ? reachable : planned.size);
      if (w.activeCount() < planned.size) QCOMPARE(w.sparse(), w.mask().density() <= sparseBelow);
    }
  });
  for (const LayerDensity& planned : plan) {
    const WeightMatrix& w = *h.layer(planned.name).weightMatrix();
    const LayerGeometry g{w.rows(), w.cols(), 1, planned.name};
    QCOMPARE(w.activeCount(),
             std::llround(checker->achievableDensity(g, double(planned.active) / double(planned.size)) *
                          double(planned.size)));
  }
}

void TestAlgorithms::gmpKeepsSurvivorsAndMomentum_data() {
  QTest::addColumn<double>("sparseBelow");
  QTest::newRow("masked-dense throughout") << 0.0;
  QTest::newRow("to sparse execution half-way") << 0.5;
  QTest::newRow("sparse from the first pruning") << 1.0;
}

void TestAlgorithms::gmpKeepsSurvivorsAndMomentum() {
  QFETCH(double, sparseBelow);
  Harness h(algorithmProject(R"({"name": "gmp", "every_steps": 10})", "unstructured", "{}", 0.75, sparseBelow));
  bool switched = false;
  for (int64_t step : {18, 28, 38, 48}) {
    h.train();
    std::map<std::string, Mask> masks;
    std::map<std::string, Matrix> values;
    std::map<std::string, std::map<int64_t, float>> momentum;
    std::map<std::string, bool> wasSparse;
    for (const auto& layer : h.model.layers()) {
      const WeightMatrix& w = *layer->weightMatrix();
      masks[layer->name()] = w.mask();
      values[layer->name()] = w.toDense();
      wasSparse[layer->name()] = w.sparse();
      for (const auto& [position, index] : activeEntries(w))
        momentum[layer->name()][position] = h.optimizer.state(weightName(*layer))[index];
    }
    h.hook->afterStep(3, step);
    QCOMPARE(h.events.size(), size_t(2));
    for (const MaskChangeEvent& e : h.events) {
      Layer& layer = h.layer(e.layer);
      const WeightMatrix& w = *layer.weightMatrix();
      switched |= w.sparse() && !wasSparse[e.layer];
      QCOMPARE(e.grown, int64_t(0));
      QCOMPARE(e.activeAfter, w.activeCount());
      const std::vector<float>& state = h.optimizer.state(weightName(layer));
      QCOMPARE(int64_t(state.size()), w.storedValues());
      const Matrix now = w.toDense();
      for (const auto& [position, index] : activeEntries(w)) {
        QVERIFY(masks[e.layer].bits[size_t(position)]);
        QCOMPARE(now.data()[position], values[e.layer].data()[position]);
        QCOMPARE(state[index], momentum[e.layer][position]);
      }
      // Magnitude: no survivor is smaller than a weight pruned now.
      float largestPruned = 0.0f, smallestKept = std::numeric_limits<float>::max();
      for (int64_t p : e.droppedPositions) largestPruned = std::max(largestPruned, std::abs(values[e.layer].data()[p]));
      for (const auto& [position, index] : activeEntries(w))
        smallestKept = std::min(smallestKept, std::abs(now.data()[position]));
      QVERIFY(largestPruned <= smallestKept);
    }
    h.events.clear();
  }
  QCOMPARE(switched, sparseBelow > 0.0);
}

void TestAlgorithms::gmpPrunedWeightsStayZero_data() {
  gmpKeepsSurvivorsAndMomentum_data();
}

void TestAlgorithms::gmpPrunedWeightsStayZero() {
  QFETCH(double, sparseBelow);
  Harness h(algorithmProject(R"({"name": "gmp", "every_steps": 10})", "unstructured", "{}", 0.75, sparseBelow));
  std::map<std::string, std::set<int64_t>> pruned;
  h.runTraining([&](int, int64_t) {
    for (const MaskChangeEvent& e : h.events)
      pruned[e.layer].insert(e.droppedPositions.begin(), e.droppedPositions.end());
    h.events.clear();
    for (const auto& layer : h.model.layers()) {
      const WeightMatrix& w = *layer->weightMatrix();
      const Mask mask = w.mask();
      const Matrix values = w.toDense();
      const std::vector<float>& state = h.optimizer.state(weightName(*layer));
      for (int64_t p : pruned[layer->name()]) {
        QVERIFY(!mask.bits[size_t(p)]);
        QCOMPARE(values.data()[p], 0.0f);
        if (!w.sparse()) QCOMPARE(state[size_t(p)], 0.0f);
      }
    }
  });
  for (const auto& layer : h.model.layers())
    QCOMPARE(
        int64_t(pruned[layer->name()].size()),
        int64_t(layer->weightMatrix()->rows()) * layer->weightMatrix()->cols() - layer->weightMatrix()->activeCount());
}

void TestAlgorithms::patternsHoldOnConvolutionsThroughEveryMutation_data() {
  QTest::addColumn<QString>("algorithm");
  QTest::addColumn<bool>("mutatesConvolution");
  QTest::newRow("static") << R"({"name": "static"})" << false;
  QTest::newRow("set") << R"({"name": "set"})" << true;
  QTest::newRow("rigl") << R"({"name": "rigl", "update_steps": 10})" << true;
  QTest::newRow("gmp") << R"({"name": "gmp", "every_steps": 10})" << true;
  QTest::newRow("mest vanilla") << R"({"name": "mest", "variant": "vanilla"})" << true;
  QTest::newRow("mest em") << R"({"name": "mest", "variant": "em"})" << true;
  QTest::newRow("mest em&s") << R"({"name": "mest", "variant": "em&s"})" << true;
}

// The pattern scheme on a convnet: the 3x3 convolution keeps library patterns in filter-balanced kernels and
// the fully connected layers stay unstructured, after every step of every algorithm, and each ends at its
// budget (gmp: the target's achievable density).
void TestAlgorithms::patternsHoldOnConvolutionsThroughEveryMutation() {
  QFETCH(QString, algorithm);
  QFETCH(bool, mutatesConvolution);
  const ConvGeometry conv{8, 4, 4, 6, 3, 1, 1};  // 8 input channels: 8 kernels per filter, 5 of them kept at 0.25
  Harness h(algorithmProject(algorithm.toStdString(), "pattern", "{}", 0.75, 1.0), {6 * 16, 40, 16}, conv);
  const auto pattern = makeScheme("pattern", "{}");
  const std::vector<LayerDensity> plan = planDensities(h.model, h.project.sparsity);
  std::map<std::string, int64_t> budget;
  for (const LayerDensity& planned : plan) {
    const LayerGeometry g = layerGeometry(h.layer(planned.name));
    budget[planned.name] = std::llround(pattern->achievableDensity(g, double(planned.active) / double(planned.size)) *
                                        double(planned.size));
  }
  QCOMPARE(budget["conv1"], int64_t(6 * 5 * 4));
  int64_t convChanges = 0;
  h.runTraining([&](int, int64_t) {
    for (const MaskChangeEvent& e : h.events)
      if (e.layer == "conv1" && e.dropped > 0) ++convChanges;
    h.events.clear();
    for (const auto& layer : h.model.layers()) {
      const WeightMatrix& w = *layer->weightMatrix();
      if (w.activeCount() == int64_t(w.rows()) * w.cols()) continue;  // gmp before its first prune
      const std::string problem = pattern->validate(w.mask(), layerGeometry(*layer));
      QVERIFY2(problem.empty(), (layer->name() + ": " + problem).c_str());
    }
  });
  for (const auto& [name, active] : budget) QCOMPARE(h.layer(name).weightMatrix()->activeCount(), active);
  QCOMPARE(convChanges > 0, mutatesConvolution);
}

QTEST_GUILESS_MAIN(TestAlgorithms)
#include "tst_algorithms.moc"
