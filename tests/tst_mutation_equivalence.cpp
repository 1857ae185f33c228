// Issue 30: structured masks are drawn and mutated as lists of units, never a score or a byte per weight. They must
// come out exactly as the dense group path made them, with the same random draws: the random start, the projection,
// SET's swap, MEST's elastic prune-and-grow and RigL's drop-and-grow by gradient, against the dense reference
// (dense_mutation_reference.h) on random layers of every structured scheme, ragged edges, ties and NaN included.
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <limits>

#include "algorithms/active_units.h"
#include "algorithms/algorithm_factory.h"
#include "algorithms/gradient_growth.h"
#include "algorithms/unit_mutation.h"
#include "dense_mutation_reference.h"
#include "nn/conv2d.h"
#include "nn/linear.h"
#include "project/project.h"
#include "sparse/model_sparsity.h"
#include "sparse/scheme.h"
#include "sparse/weight_matrix.h"

using namespace ss;

namespace {

struct Case {
  const char* name;
  const char* scheme;
  const char* options;
  reference::Shape shape;
  int kernelArea;
};

// Every structured shape, with N:M where a swap cannot always regrow in the run it dropped from (3:4), blocks whose
// short and narrow edge blocks have the same size (4x2), single-weight blocks, and the pattern scheme on a 3x3
// convolution and on a layer it leaves unstructured.
const Case kCases[] = {
    {"nm 2:4", "nm", R"({"n":2,"m":4})", {"nm", 2, 4}, 1},
    {"nm 1:3", "nm", R"({"n":1,"m":3})", {"nm", 1, 3}, 1},
    {"nm 3:4", "nm", R"({"n":3,"m":4})", {"nm", 3, 4}, 1},
    {"nm 3:8", "nm", R"({"n":3,"m":8})", {"nm", 3, 8}, 1},
    {"block 4x1", "block", R"({"height":4,"width":1})", {"block", 0, 0, 4, 1}, 1},
    {"block 2x3", "block", R"({"height":2,"width":3})", {"block", 0, 0, 2, 3}, 1},
    {"block 4x2", "block", R"({"height":4,"width":2})", {"block", 0, 0, 4, 2}, 1},
    {"block 1x1", "block", R"({"height":1,"width":1})", {"block", 0, 0, 1, 1}, 1},
    {"channel", "channel", "{}", {"channel"}, 1},
    {"pattern, 3x3 convolution", "pattern", "{}", {"pattern"}, 9},
    {"pattern, linear layer", "pattern", "{}", {"pattern"}, 1},
};

struct RandomLayer {
  reference::Layer layer;
  double density;
  uint64_t seed;
};

// Random shapes for a case, the first ones fixed: a 10 x 7 layer has 4x2 blocks of both edge kinds with 4 weights.
std::vector<RandomLayer> layersFor(const Case& c, int count) {
  Rng rng(uint64_t(std::hash<std::string>{}(c.name)));
  std::vector<RandomLayer> out{{{10, c.kernelArea == 9 ? 27 : 7, c.kernelArea}, 0.4, 1}};
  while (int(out.size()) < count) {
    const int rows = 1 + int(rng.below(23));
    const int cols = c.kernelArea == 9 ? 9 * (1 + int(rng.below(6))) : 1 + int(rng.below(40));
    out.push_back({{rows, cols, c.kernelArea}, 0.05 + 0.9 * rng.uniform(0.0f, 1.0f), rng.next()});
  }
  return out;
}

LayerGeometry geometryOf(const reference::Layer& l) {
  return {l.rows, l.cols, l.kernelArea, "layer"};
}

// Scores in [0, 1) with few distinct values (many ties) and a NaN, as trained weights can have.
Matrix tiedScores(const reference::Layer& l, Rng& rng) {
  Matrix m(l.rows, l.cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = std::floor(rng.uniform(0.0f, 1.0f) * 6.0f) / 6.0f;
  m.data()[rng.below(m.size())] = std::numeric_limits<float>::quiet_NaN();
  return m;
}

Matrix randomScores(const reference::Layer& l, Rng& rng) {
  Matrix m(l.rows, l.cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(-1.0f, 1.0f);
  return m;
}

// The scores at a mask's active positions, zero elsewhere, as the dense path ranked active groups by.
Matrix activeOnly(const Matrix& scores, const Mask& mask) {
  Matrix out = Matrix::Zero(scores.rows(), scores.cols());
  for (size_t i = 0; i < mask.bits.size(); ++i)
    if (mask.bits[i]) out.data()[i] = scores.data()[i];
  return out;
}

std::vector<float> atPositions(const Matrix& scores, const std::vector<int64_t>& positions) {
  std::vector<float> out;
  for (int64_t p : positions) out.push_back(scores.data()[p]);
  return out;
}

// Both streams must have made the same draws: their next outputs agree.
bool sameStream(Rng& a, Rng& b) {
  return a.next() == b.next();
}

void addCaseRows() {
  QTest::addColumn<int>("index");
  for (int i = 0; i < int(std::size(kCases)); ++i) QTest::newRow(kCases[i].name) << i;
}

// The case of the running data row.
const Case& currentCase() {
  QFETCH(int, index);
  return kCases[index];
}

// A random layer's start (a projected mask), scores for its active units (ties and a NaN among them) and both views
// of it: the dense reference's groups and the engine's units.
struct Start {
  Start(const Case& c, const RandomLayer& r)
      : rng(r.seed),
        mask(reference::project(c.shape, r.layer, randomScores(r.layer, rng), r.density)),
        scores(tiedScores(r.layer, rng).cwiseAbs()),
        dense{c.shape, r.layer},
        units(makeScheme(c.scheme, c.options)->unitLayout(geometryOf(r.layer))),
        positions(positionsOf(mask)),
        active(activeUnits(*units, r.layer.cols, positions, atPositions(scores, positions))) {}

  Matrix activeScores() const { return activeOnly(scores, mask); }

  Rng rng;
  Mask mask;
  Matrix scores;
  reference::Mutation dense;
  std::unique_ptr<UnitLayout> units;
  std::vector<int64_t> positions;
  ActiveUnits active;
};

// A one-layer model for the algorithm hooks: a linear layer, or a 3x3 convolution on a 1x1 image for a kernel case.
struct OneLayerModel {
  OneLayerModel(const Case& c, const reference::Layer& l, const std::string& algorithm, double target) {
    if (c.kernelArea == 9) {
      auto conv = std::make_unique<Conv2d>(ConvGeometry{l.cols / 9, 1, 1, l.rows, 3, 1, 1});
      conv->setName("layer");
      model.add(std::move(conv));
    } else {
      auto fc = std::make_unique<Linear>(l.cols, l.rows);
      fc->setName("layer");
      model.add(std::move(fc));
    }
    project = parseProject(R"({"format": 1, "name": "eq", "algorithm": )" + algorithm +
                               R"(, "train": {"epochs": 8}, "sparsity": {"target": )" + std::to_string(target) +
                               R"(, "scheme": ")" + c.scheme + R"(", "scheme_options": )" + c.options + "}}",
                           "eq.json");
    Rng maskRng(7);
    sparsifyModel(model, project.sparsity, maskRng);
    hook = makeAlgorithmHook(project, model, optimizer, rng, 10, nullptr);
  }

  WeightMatrix& weights() { return *model.layers().front()->weightMatrix(); }

  Model model;
  Project project;
  Sgd optimizer{SgdSettings{}};
  Rng rng{5};
  std::unique_ptr<TrainingHook> hook;
};

}  // namespace

class TestMutationEquivalence : public QObject {
  Q_OBJECT

 private slots:
  void randomStartMatchesTheDenseReference_data() { addCaseRows(); }
  void randomStartMatchesTheDenseReference();
  void projectionMatchesTheDenseReference_data() { addCaseRows(); }
  void projectionMatchesTheDenseReference();
  void swapMatchesTheDenseReference_data() { addCaseRows(); }
  void swapMatchesTheDenseReference();
  void pruneAndGrowMatchesTheDenseReference_data() { addCaseRows(); }
  void pruneAndGrowMatchesTheDenseReference();
  void gradientDropAndGrowMatchesTheDenseReference_data() { addCaseRows(); }
  void gradientDropAndGrowMatchesTheDenseReference();
  void setAndMestHooksMatchTheDenseReference_data() { addCaseRows(); }
  void setAndMestHooksMatchTheDenseReference();
};

void TestMutationEquivalence::randomStartMatchesTheDenseReference() {
  const Case& c = currentCase();
  const auto scheme = makeScheme(c.scheme, c.options);
  for (const RandomLayer& r : layersFor(c, 40)) {
    Rng engineRng(r.seed), referenceRng(r.seed);
    const std::vector<int64_t> drawn = randomStartPositions(geometryOf(r.layer), *scheme, r.density, engineRng);
    const Mask expected = reference::randomStart(c.shape, r.layer, r.density, referenceRng);
    QCOMPARE(drawn, positionsOf(expected));
    QVERIFY(sameStream(engineRng, referenceRng));
  }
}

void TestMutationEquivalence::projectionMatchesTheDenseReference() {
  const Case& c = currentCase();
  const auto scheme = makeScheme(c.scheme, c.options);
  for (const RandomLayer& r : layersFor(c, 40)) {
    Rng rng(r.seed);
    for (const Matrix& scores : {randomScores(r.layer, rng), tiedScores(r.layer, rng)}) {
      const Mask mask = scheme->project(scores, geometryOf(r.layer), r.density);
      QCOMPARE(positionsOf(mask), positionsOf(reference::project(c.shape, r.layer, scores, r.density)));
    }
  }
}

// SET's step (and MEST's on balanced sets) for a third, two thirds and nearly all of the active units: at 3:4 a run
// cannot regrow three of its units, so the walk must skip to the next lowest elsewhere.
void TestMutationEquivalence::swapMatchesTheDenseReference() {
  const Case& c = currentCase();
  int changed = 0;
  for (const RandomLayer& r : layersFor(c, 30)) {
    const Start start(c, r);
    QCOMPARE(int64_t(start.active.units.size()), start.dense.activeGroups(start.mask));
    for (double share : {0.3, 0.7, 0.95}) {
      const int64_t count = std::llround(share * double(start.active.units.size()));
      Rng engineRng(r.seed + 1), referenceRng(r.seed + 1);
      const UnitChange change = swapUnits(*start.units, start.active, count, engineRng);
      const Mask expected = start.dense.swap(start.mask, start.activeScores(), count, referenceRng);
      QCOMPARE(positionsAfter(*start.units, start.positions, change), positionsOf(expected));
      QVERIFY(sameStream(engineRng, referenceRng));
      changed += expected.bits != start.mask.bits ? 1 : 0;
    }
  }
  QVERIFY(changed > 0);
}

// MEST's elastic step on the layouts without balanced sets: prune below the budget and grow back to it or past it,
// and a grow-to beyond what a set can hold.
void TestMutationEquivalence::pruneAndGrowMatchesTheDenseReference() {
  const Case& c = currentCase();
  for (const RandomLayer& r : layersFor(c, 30)) {
    const Start start(c, r);
    const std::vector<int64_t> budget = start.dense.activePerSet(start.mask);
    QCOMPARE(start.units->setCount(), int64_t(budget.size()));
    for (const auto& [low, up] : {std::pair{0.8, 1.0}, std::pair{1.0, 1.2}, std::pair{0.5, 3.0}}) {
      std::vector<int64_t> keep, growTo;
      for (int64_t b : budget) {
        keep.push_back(std::llround(double(b) * low));
        growTo.push_back(int64_t(std::floor(double(b) * up + 1e-6)));
      }
      Rng engineRng(r.seed + 2), referenceRng(r.seed + 2);
      const UnitChange change = pruneAndGrowUnits(*start.units, start.active, keep, growTo, engineRng);
      const Mask expected = start.dense.pruneAndGrow(start.mask, start.activeScores(), keep, growTo, referenceRng);
      QCOMPARE(positionsAfter(*start.units, start.positions, change), positionsOf(expected));
      QVERIFY(sameStream(engineRng, referenceRng));
    }
  }
}

// RigL's step with the dense gradient handed over whole, in chunks of 7 rows and row by row.
void TestMutationEquivalence::gradientDropAndGrowMatchesTheDenseReference() {
  const Case& c = currentCase();
  const auto scheme = makeScheme(c.scheme, c.options);
  for (const RandomLayer& r : layersFor(c, 30)) {
    Start start(c, r);
    const Matrix gradient = start.rng.below(2) ? tiedScores(r.layer, start.rng) : randomScores(r.layer, start.rng);
    const int64_t count = std::llround(0.3 * double(start.active.units.size()));
    const Mask expected = start.dense.dropAndGrow(start.mask, start.activeScores(), gradient.cwiseAbs(), count);
    for (int chunkRows : {r.layer.rows, 7, 1}) {
      KeptAndDropped split = keepBestUnits(start.active, int64_t(start.active.units.size()) - count);
      const auto quotas = countPerSet(*start.units, split.dropped);
      GradientGrowth growth(scheme->unitLayout(geometryOf(r.layer)), r.layer.cols, std::move(split.kept), quotas);
      for (int first = 0; first < r.layer.rows; first += chunkRows)
        growth.addRows(first, gradient.middleRows(first, std::min(chunkRows, r.layer.rows - first)));
      const UnitChange change{split.dropped, growth.grownPositions()};
      QCOMPARE(positionsAfter(*start.units, start.positions, change), positionsOf(expected));
    }
  }
}

// The hooks as training calls them: SET and MEST (elastic on layouts without balanced sets, a swap on balanced ones)
// mutate each layer to the mask the dense path makes from the layer's weights and gradients, with the hook's stream.
void TestMutationEquivalence::setAndMestHooksMatchTheDenseReference() {
  const Case& c = currentCase();
  const double target = 0.6, lambda = 0.01, zeta = 0.3;
  const double lowShare = (1.0 - 0.7) / (1.0 - target), upShare = (1.0 - 0.55) / (1.0 - target);  // the phase's bounds
  const std::string mest = R"({"name": "mest", "lambda": 0.01, "phases": [{"until_epoch": 3, "prune_to": 0.7,
      "grow_to": 0.55}]})";
  const std::string set = R"({"name": "set", "zeta": 0.3})";
  int changed = 0;
  for (const RandomLayer& r : layersFor(c, 12)) {
    for (const std::string& algorithm : {set, mest}) {
      OneLayerModel m(c, r.layer, algorithm, target);
      WeightMatrix& w = m.weights();
      if (w.activeCount() == r.layer.size()) continue;  // left dense: nothing mutates
      const std::vector<int64_t> positions = w.activePositions();
      const Mask start = maskAt(r.layer.rows, r.layer.cols, positions);
      const reference::Mutation dense{c.shape, r.layer};
      const std::vector<int64_t> budget = dense.activePerSet(start);
      Rng values(r.seed);
      ParameterRef p = w.parameter("layer.weight");
      Matrix importance = Matrix::Zero(r.layer.rows, r.layer.cols);
      for (size_t e = 0; e < positions.size(); ++e) {
        const size_t at = w.sparse() ? e : size_t(positions[e]);
        p.values[at] = std::floor(values.uniform(-1.0f, 1.0f) * 4.0f) / 4.0f;
        p.grads[at] = values.normal(0.0f, 1.0f);
        importance.data()[positions[e]] =
            algorithm == set ? std::abs(p.values[at]) : std::abs(p.values[at]) + float(lambda) * std::abs(p.grads[at]);
      }
      Rng hookStream = Rng(5).fork(1);
      Mask expected;
      if (algorithm == set) {
        expected = dense.swap(start, importance, std::llround(zeta * double(dense.activeGroups(start))), hookStream);
      } else if (dense.setList.balanced) {
        const double share = std::max(0.0, upShare - lowShare);
        expected = dense.swap(start, importance, std::llround(double(dense.activeGroups(start)) * share), hookStream);
      } else {
        std::vector<int64_t> keep, grow;
        for (int64_t b : budget) {
          keep.push_back(std::llround(double(b) * lowShare));
          grow.push_back(int64_t(std::floor(double(b) * upShare + 1e-6)));
        }
        expected = dense.pruneAndGrow(start, importance, keep, grow, hookStream);
      }
      m.hook->onEpochStart(2, 10);
      QCOMPARE(w.activePositions(), positionsOf(expected));
      changed += expected.bits != start.bits ? 1 : 0;
    }
  }
  QVERIFY(changed > 0);
}

QTEST_GUILESS_MAIN(TestMutationEquivalence)
#include "tst_mutation_equivalence.moc"
