// Layers born sparse (issue [1/7]): masks drawn as positions, only the active weights allocated and initialised,
// and the unstructured mutations on positions, checked against the dense path they replace for large layers.
#include <sys/resource.h>

#include <QtTest>
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "algorithms/active_units.h"
#include "algorithms/gradient_growth.h"
#include "algorithms/unit_mutation.h"
#include "core/machine_memory.h"
#include "core/rng.h"
#include "dense_mutation_reference.h"
#include "nn/linear.h"
#include "nn/model_factory.h"
#include "project/project.h"
#include "sparse/model_sparsity.h"
#include "sparse/random_positions.h"
#include "sparse/scheme.h"
#include "sparse/weight_matrix.h"

using namespace ss;

namespace {
bool ascendingDistinctWithin(const std::vector<int64_t>& p, int64_t size) {
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] < 0 || p[i] >= size || (i > 0 && p[i] <= p[i - 1])) return false;
  return true;
}

// The process's peak resident set so far, in bytes.
int64_t peakResidentBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return int64_t(usage.ru_maxrss) * 1024;
}

SparsitySpec unstructured(double target, const std::string& distribution = "uniform") {
  SparsitySpec spec;
  spec.target = target;
  spec.distribution = distribution;
  return spec;
}

Matrix randomScores(int rows, int cols, Rng& rng, int levels = 0) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    const float u = rng.uniform(0.0f, 1.0f);
    m.data()[i] = levels > 0 ? std::floor(u * float(levels)) : u;  // few levels: many ties
  }
  return m;
}
}  // namespace

class TestBornSparse : public QObject {
  Q_OBJECT

 private slots:
  // First, while this process is still small: a model whose dense form is 52 GB trains at 99.9% in megabytes.
  void hugeModelIsBuiltWithoutADenseTensor();
  void randomPositionsAreDistinctAscendingAndExact_data();
  void randomPositionsAreDistinctAscendingAndExact();
  void randomPositionsAreUniform();
  void randomPositionsOutsideAvoidTheExcluded();
  void bornSparseLayersHoldOnlyTheirActiveWeights();
  void activeWeightsKeepTheDenseInitialisersMoments();
  void planKeepsDenseAndMaskedDenseLayersAsBefore();
  void convolutionsSwitchToSparseKernelsAtTheirOwnDensity();
  void keepBestUnitsMatchesTheDensePath();
  void swapAndPruneAndGrowKeepCountsAndGrowOnlyWhereInactive();
  void gradientGrowthGrowsWhatTheDenseArgTopKGrows_data();
  void gradientGrowthGrowsWhatTheDenseArgTopKGrows();
  void replaceActiveCarriesValuesAndState();
};

void TestBornSparse::hugeModelIsBuiltWithoutADenseTensor() {
  ModelSpec spec;
  spec.preset = "mlp";
  spec.hidden = {65536, 65536};
  const SparsitySpec sparsity = unstructured(0.999);
  Rng initRng(1), maskRng(2);
  const int64_t before = peakResidentBytes();
  std::vector<LayerDensity> plan;
  Model model = buildSparseModel(spec, {1, 1, 2}, 3, initRng, {sparsity, maskRng}, physicalMemoryBytes(), plan);
  const int64_t grew = peakResidentBytes() - before;
  WeightMatrix& fc2 = *model.layers()[2]->weightMatrix();
  QCOMPARE(model.layers()[2]->name(), std::string("fc2"));
  QVERIFY(fc2.sparse());
  QCOMPARE(fc2.activeCount(), plan[1].active);
  QCOMPARE(fc2.activeCount(), std::llround(0.001 * 65536.0 * 65536.0));
  // 4.3 M active weights: values, gradients, a 2-byte column and a 6-byte transposed entry each, plus the
  // positions drawn (8 bytes each, freed): about 100 MB at the peak, 315 MB under ASan (redzones, quarantine).
  // One dense tensor of fc2 would be 17 GB.
  QVERIFY2(grew < int64_t(1e9), qPrintable(QString("the build's peak grew by %1 MB").arg(grew / 1e6)));
}

void TestBornSparse::randomPositionsAreDistinctAscendingAndExact_data() {
  QTest::addColumn<qint64>("size");
  QTest::addColumn<qint64>("count");
  QTest::newRow("empty") << qint64(100) << qint64(0);
  QTest::newRow("one") << qint64(100) << qint64(1);
  QTest::newRow("sparse") << qint64(1000000) << qint64(1000);
  QTest::newRow("half") << qint64(1000) << qint64(500);
  QTest::newRow("dense side (draws the left-out ones)") << qint64(1000) << qint64(990);
  QTest::newRow("all") << qint64(64) << qint64(64);
}

void TestBornSparse::randomPositionsAreDistinctAscendingAndExact() {
  QFETCH(qint64, size);
  QFETCH(qint64, count);
  Rng rng(7);
  const std::vector<int64_t> p = randomPositions(size, count, rng);
  QCOMPARE(int64_t(p.size()), int64_t(count));
  QVERIFY(ascendingDistinctWithin(p, size));
  Rng again(7);
  QCOMPARE(randomPositions(size, count, again), p);  // the seed decides
}

// Each of 40 positions drawn 10 at a time, 20000 times: 5000 hits expected each; a biased draw (low positions
// first, say) is off by far more than the 4-sigma band of about +-250.
void TestBornSparse::randomPositionsAreUniform() {
  for (int64_t count : {10, 30}) {  // the rejection path and the complement path
    std::vector<int> hits(40, 0);
    Rng rng(11);
    const int draws = 20000;
    for (int i = 0; i < draws; ++i)
      for (int64_t p : randomPositions(40, count, rng)) ++hits[size_t(p)];
    const double expected = double(draws) * double(count) / 40.0;
    const double sigma = std::sqrt(expected * (1.0 - double(count) / 40.0));
    for (int h : hits) QVERIFY2(std::abs(h - expected) < 5 * sigma, qPrintable(QString::number(h)));
  }
}

void TestBornSparse::randomPositionsOutsideAvoidTheExcluded() {
  Rng rng(3);
  const std::vector<int64_t> excluded = randomPositions(5000, 1500, rng);
  for (int64_t count : {0, 10, 1000, 3500}) {
    const std::vector<int64_t> p = randomPositionsOutside(5000, excluded, count, rng);
    QCOMPARE(int64_t(p.size()), count);
    QVERIFY(ascendingDistinctWithin(p, 5000));
    std::vector<int64_t> common;
    std::set_intersection(p.begin(), p.end(), excluded.begin(), excluded.end(), std::back_inserter(common));
    QVERIFY(common.empty());
  }
  QVERIFY_THROWS_EXCEPTION(std::invalid_argument, randomPositionsOutside(5000, excluded, 3501, rng));
}

void TestBornSparse::bornSparseLayersHoldOnlyTheirActiveWeights() {
  ModelSpec spec;
  spec.preset = "mlp";
  spec.hidden = {300, 100};
  Rng initRng(1), maskRng(2);
  std::vector<LayerDensity> plan;
  Model model = buildSparseModel(spec, {1, 28, 28}, 10, initRng, {unstructured(0.9, "erk"), maskRng}, 0, plan);
  // ERK at 90%: fc1 0.0796 and fc2 0.230 on the sparse kernels, fc3 dense (docs/algorithms.md's example).
  QCOMPARE(plan.size(), size_t(3));
  for (size_t i = 0; i < 2; ++i) {
    WeightMatrix& w = *model.layers()[2 * i]->weightMatrix();
    QVERIFY(w.sparse());
    QCOMPARE(w.dense().size(), Eigen::Index(0));
    QCOMPARE(w.denseGradient().size(), Eigen::Index(0));
    QCOMPARE(w.activeCount(), plan[i].active);
    QCOMPARE(int64_t(w.parameter("w").values.size()), plan[i].active);
    QCOMPARE(int64_t(w.parameter("w").grads.size()), plan[i].active);
  }
  QCOMPARE(plan[2].density, 1.0);
  QVERIFY(!model.layers()[4]->weightMatrix()->sparse());
  QCOMPARE(model.parameterCount(), plan[0].active + plan[1].active + 100 * 10 + 300 + 100 + 10);
  QCOMPARE(model.denseParameterCount(), int64_t(784 * 300 + 300 * 100 + 100 * 10 + 300 + 100 + 10));
}

// The born-sparse weights are draws of the dense initialiser N(0, 2 / fan_in) over the dense fan-in: mean 0,
// variance 2 / 784, kurtosis 3, within a few standard errors over 47 000 weights.
void TestBornSparse::activeWeightsKeepTheDenseInitialisersMoments() {
  ModelSpec spec;
  spec.preset = "mlp";
  spec.hidden = {600};
  Rng initRng(5), maskRng(6);
  std::vector<LayerDensity> plan;
  Model model = buildSparseModel(spec, {1, 28, 28}, 10, initRng, {unstructured(0.9), maskRng}, 0, plan);
  const std::vector<float> values = model.layers()[0]->weightMatrix()->activeValues();
  const double n = double(values.size());
  QVERIFY(n > 40000);
  double sum = 0, squares = 0, fourth = 0;
  for (float v : values) sum += v;
  const double mean = sum / n;
  for (float v : values) {
    squares += (v - mean) * (v - mean);
    fourth += std::pow(v - mean, 4.0);
  }
  const double variance = squares / n, expected = 2.0 / 784.0;
  QVERIFY2(std::abs(mean) < 4 * std::sqrt(expected / n), qPrintable(QString::number(mean)));
  QVERIFY2(std::abs(variance / expected - 1.0) < 4 * std::sqrt(2.0 / n), qPrintable(QString::number(variance)));
  const double kurtosis = fourth / n / (variance * variance);
  QVERIFY2(std::abs(kurtosis - 3.0) < 4 * std::sqrt(24.0 / n), qPrintable(QString::number(kurtosis)));
}

// Born sparse or built dense and then masked (sparsifyModel), the plan and the masks are the same for one mask
// stream; layers above sparse_execution_below stay masked-dense.
void TestBornSparse::planKeepsDenseAndMaskedDenseLayersAsBefore() {
  ModelSpec spec;
  spec.preset = "mlp";
  spec.hidden = {64, 32};
  SparsitySpec sparsity = unstructured(0.8, "erk");
  sparsity.sparseExecutionBelow = 0.3;
  Rng initA(1), maskA(2), initB(1), maskB(2);
  std::vector<LayerDensity> plan;
  Model born = buildSparseModel(spec, {1, 1, 20}, 4, initA, {sparsity, maskA}, 0, plan);
  Model masked = buildModel(spec, {1, 1, 20}, 4, initB, 0);
  const std::vector<LayerDensity> after = sparsifyModel(masked, sparsity, maskB);
  QCOMPARE(plan.size(), after.size());
  for (size_t i = 0; i < plan.size(); ++i) {
    QCOMPARE(plan[i].active, after[i].active);
    WeightMatrix& b = *born.layers()[2 * i]->weightMatrix();
    WeightMatrix& m = *masked.layers()[2 * i]->weightMatrix();
    QCOMPARE(b.activePositions(), m.activePositions());
    QCOMPARE(b.sparse(), m.sparse());
  }
  QVERIFY(born.layers()[0]->weightMatrix()->sparse() || plan[0].density > 0.3);
}

// A conv and a linear layer at the same density between the two switches: the conv runs on the sparse kernels, the
// linear layer stays masked-dense, born sparse or masked after building alike; the memory plan agrees.
void TestBornSparse::convolutionsSwitchToSparseKernelsAtTheirOwnDensity() {
  ModelSpec spec;
  spec.preset = "convnet";
  spec.channels = {8};
  spec.fc = {16};
  SparsitySpec sparsity = unstructured(0.5, "uniform");
  sparsity.sparseExecutionBelow = 0.3;
  sparsity.convSparseExecutionBelow = 0.7;
  for (bool bornSparse : {true, false}) {
    Rng init(1), mask(2);
    std::vector<LayerDensity> plan;
    Model model = bornSparse ? buildSparseModel(spec, {1, 8, 8}, 4, init, {sparsity, mask}, 0, plan)
                             : buildModel(spec, {1, 8, 8}, 4, init, 0);
    if (!bornSparse) sparsifyModel(model, sparsity, mask);
    int convs = 0, linears = 0;
    for (const auto& layer : model.layers()) {
      const WeightMatrix* w = layer->weightMatrix();
      if (!w) continue;
      const bool conv = layer->kind() == "conv2d";
      (conv ? convs : linears)++;
      QVERIFY2(w->sparse() == conv, layer->name().c_str());
      QVERIFY2(std::abs(double(w->activeCount()) / (double(w->rows()) * w->cols()) - 0.5) < 0.05,
               layer->name().c_str());
    }
    QCOMPARE(convs, 1);
    QCOMPARE(linears, 2);
  }
  QVERIFY(runsOnSparseKernels(50, 100, sparsity, true));
  QVERIFY(!runsOnSparseKernels(50, 100, sparsity, false));
  QVERIFY(!runsOnSparseKernels(71, 100, sparsity, true));
}

// The unstructured scheme's units are its positions, one set, grown by drawing positions.
struct PositionLayer {
  explicit PositionLayer(int rows, int cols)
      : geometry{rows, cols}, units(makeScheme("unstructured", "{}")->unitLayout(geometry)) {}
  ActiveUnits active(const std::vector<int64_t>& positions, const std::vector<float>& scores) const {
    return activeUnits(*units, geometry.cols, positions, scores);
  }
  LayerGeometry geometry;
  std::unique_ptr<UnitLayout> units;
};

// Keeping the k best of the active scores is what the dense path's drop of the lowest leaves (one group per
// position), ties and NaN included.
void TestBornSparse::keepBestUnitsMatchesTheDensePath() {
  const PositionLayer layer(30, 40);
  const reference::Mutation dense{{"unstructured"}, {30, 40}};
  Rng rng(13);
  const std::vector<int64_t> active = randomPositions(1200, 300, rng);
  Matrix scores = randomScores(30, 40, rng, 7);
  scores.data()[active[5]] = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> activeScores;
  Matrix onlyActive = Matrix::Zero(30, 40);
  for (int64_t p : active) {
    activeScores.push_back(scores.data()[p]);
    onlyActive.data()[p] = scores.data()[p];
  }
  const ActiveUnits units = layer.active(active, activeScores);
  for (int64_t keep : {0, 1, 120, 299, 300}) {
    const Mask viaDense = dense.pruneAndGrow(maskAt(30, 40, active), onlyActive, {keep}, {keep}, rng);
    QCOMPARE(keepBestUnits(units, keep).kept, positionsOf(viaDense));
  }
}

void TestBornSparse::swapAndPruneAndGrowKeepCountsAndGrowOnlyWhereInactive() {
  Rng rng(17);
  const PositionLayer layer(100, 200);
  const int64_t size = 20000;
  const std::vector<int64_t> active = randomPositions(size, 2000, rng);
  std::vector<float> scores(active.size());
  for (float& s : scores) s = rng.uniform(0.0f, 1.0f);
  const ActiveUnits units = layer.active(active, scores);
  auto grownOf = [&](const std::vector<int64_t>& next) {
    std::vector<int64_t> grown;
    std::set_difference(next.begin(), next.end(), active.begin(), active.end(), std::back_inserter(grown));
    return grown;
  };
  const std::vector<int64_t> swapped = positionsAfter(*layer.units, active, swapUnits(*layer.units, units, 600, rng));
  QVERIFY(ascendingDistinctWithin(swapped, size));
  QCOMPARE(swapped.size(), active.size());
  QCOMPARE(grownOf(swapped).size(), size_t(600));
  std::vector<int64_t> survivors;
  std::set_intersection(swapped.begin(), swapped.end(), active.begin(), active.end(), std::back_inserter(survivors));
  QCOMPARE(survivors, keepBestUnits(units, 1400).kept);
  // MEST+EM&S: prune to 1800, grow to 2400 (the soft bound), only where it was inactive.
  const std::vector<int64_t> grown =
      positionsAfter(*layer.units, active, pruneAndGrowUnits(*layer.units, units, {1800}, {2400}, rng));
  QVERIFY(ascendingDistinctWithin(grown, size));
  QCOMPARE(grown.size(), size_t(2400));
  QCOMPARE(grownOf(grown).size(), size_t(600));
  // A nearly full small layer drops fewer rather than regrowing what it dropped: 90 of 100 active, grow to 100.
  const PositionLayer small(10, 10);
  const std::vector<int64_t> nearlyFull = randomPositions(100, 90, rng);
  const ActiveUnits smallUnits = small.active(nearlyFull, std::vector<float>(90, 1.0f));
  const UnitChange filled = pruneAndGrowUnits(*small.units, smallUnits, {60}, {100}, rng);
  QCOMPARE(positionsAfter(*small.units, nearlyFull, filled).size(), size_t(100));
}

void TestBornSparse::gradientGrowthGrowsWhatTheDenseArgTopKGrows_data() {
  QTest::addColumn<int>("chunkRows");
  QTest::addColumn<int>("levels");
  QTest::newRow("whole, continuous") << 50 << 0;
  QTest::newRow("rows of 7, continuous") << 7 << 0;
  QTest::newRow("single rows, many ties") << 1 << 5;
}

void TestBornSparse::gradientGrowthGrowsWhatTheDenseArgTopKGrows() {
  QFETCH(int, chunkRows);
  QFETCH(int, levels);
  const int rows = 50, cols = 60;
  const PositionLayer layer(rows, cols);
  const reference::Mutation dense{{"unstructured"}, {rows, cols}};
  Rng rng(23);
  const std::vector<int64_t> active = randomPositions(rows * cols, 400, rng);
  const Matrix magnitudes = randomScores(rows, cols, rng);
  Matrix gradient = randomScores(rows, cols, rng, levels);
  gradient.data()[7] = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> activeMagnitudes;
  for (int64_t p : active) activeMagnitudes.push_back(magnitudes.data()[p]);
  const int64_t count = 90;
  KeptAndDropped split = keepBestUnits(layer.active(active, activeMagnitudes), 400 - count);
  GradientGrowth growth(makeScheme("unstructured", "{}")->unitLayout(layer.geometry), cols, std::move(split.kept),
                        {{0, count}});
  for (int first = 0; first < rows; first += chunkRows)
    growth.addRows(first, gradient.middleRows(first, std::min(chunkRows, rows - first)));
  Matrix masked = magnitudes;
  for (Eigen::Index i = 0; i < masked.size(); ++i)
    if (!std::binary_search(active.begin(), active.end(), int64_t(i))) masked.data()[i] = 0.0f;
  const Mask viaDense = dense.dropAndGrow(maskAt(rows, cols, active), masked, gradient.cwiseAbs(), count);
  QCOMPARE(positionsAfter(*layer.units, active, {split.dropped, growth.grownPositions()}), positionsOf(viaDense));
}

void TestBornSparse::replaceActiveCarriesValuesAndState() {
  WeightMatrix w(8, 16, WeightAllocation::Deferred);
  const std::vector<int64_t> before{1, 5, 17, 40, 99, 127};
  w.bornSparse(before, {1, 2, 3, 4, 5, 6}, SparseFormat{});
  std::vector<float> momentum{10, 20, 30, 40, 50, 60};
  const std::vector<int64_t> next{0, 5, 40, 41, 127};
  w.replaceActive(next, momentum);
  QCOMPARE(w.activePositions(), next);
  QCOMPARE(w.activeValues(), (std::vector<float>{0, 2, 4, 0, 6}));
  QCOMPARE(momentum, (std::vector<float>{0, 20, 40, 0, 60}));
}

QTEST_GUILESS_MAIN(TestBornSparse)
#include "tst_born_sparse.moc"
