// Issue 30: a structured sparse layer holds no dense-sized buffer while its mask is drawn or mutated. A layer of
// 4096 x 8192 weights at 90% sparsity is drawn, born sparse, then mutated by SET, MEST (elastic, past its budget and
// back) and RigL (whose dense gradient comes in row chunks); this test's own operator new records the largest single
// allocation of each, which must stay below one byte per weight of the layer. The old path held a float score and a
// byte of mask per weight, and a list per group.
//
// What remains is of the order of the active weights: their positions are 8 bytes each, one byte per weight at a
// density of 1/8, so the bound is checked below that (10% here, 11% at MEST's soft bound). The layer stores its
// weights as CSR, which holds any positions: the storage layouts of N:M groups, blocks and channels are still built
// through a byte mask of the layer (SparseWeights::fromPositions), a matter of storage, not of drawing or mutation.
#include <QtTest>
#include <atomic>
#include <cstdlib>
#include <new>

#include "algorithms/algorithm_factory.h"
#include "nn/conv2d.h"
#include "nn/linear.h"
#include "project/project.h"
#include "sanitized_build.h"
#include "sparse/model_sparsity.h"
#include "sparse/scheme.h"
#include "sparse/weight_matrix.h"

namespace {
std::atomic<bool> recording{false};
std::atomic<size_t> largestAllocation{0};

// The largest single allocation made through operator new while `body` runs.
template <typename F>
size_t largestAllocationOf(F&& body) {
  largestAllocation = 0;
  recording = true;
  body();
  recording = false;
  return largestAllocation;
}
}  // namespace

// A sanitizer brings its own operator new, which must stay in charge of the heap; the test then has nothing to count.
#ifndef SPARSESCOPE_SANITIZED
void* operator new(std::size_t size) {
  if (recording.load(std::memory_order_relaxed)) {
    size_t seen = largestAllocation.load(std::memory_order_relaxed);
    while (size > seen && !largestAllocation.compare_exchange_weak(seen, size, std::memory_order_relaxed)) {
    }
  }
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
#endif

using namespace ss;

namespace {
constexpr int kRows = 4096, kCols = 8192, kChannels = 910;  // a convolution of 910 channels has 8190 inputs
constexpr double kTarget = 0.9;

// One sparse layer of the scheme, born sparse at 90%, with every algorithm's hook on it.
struct BigLayer {
  BigLayer(const std::string& scheme, const std::string& options) {
    const bool kernels = scheme == "pattern";
    if (kernels)
      model.add(std::make_unique<Conv2d>(ConvGeometry{kChannels, 1, 1, kRows, 3, 1, 1}, WeightAllocation::Deferred));
    else
      model.add(std::make_unique<Linear>(kCols, kRows, WeightAllocation::Deferred));
    model.layers().front()->setName("big");
    geometry = layerGeometry(*model.layers().front());
    const auto s = makeScheme(scheme, options);
    Rng maskRng(1), initRng(2);
    drawn = randomStartPositions(geometry, *s, 1.0 - kTarget, maskRng);
    if (kernels)
      static_cast<Conv2d&>(*model.layers().front()).initKaimingSparse(drawn, SparseFormat{}, initRng);
    else
      static_cast<Linear&>(*model.layers().front()).initKaimingSparse(drawn, SparseFormat{}, initRng);
    for (const char* algorithm :
         {R"({"name": "set"})", R"({"name": "rigl", "update_steps": 1})",
          R"({"name": "mest", "phases": [{"until_epoch": 3, "prune_to": 0.92, "grow_to": 0.89}]})"})
      hooks.push_back(makeAlgorithmHook(projectWith(algorithm, scheme, options), model, optimizer, rng, 10, nullptr));
  }

  static Project projectWith(const std::string& algorithm, const std::string& scheme, const std::string& options) {
    return parseProject(R"({"format": 1, "name": "big", "algorithm": )" + algorithm +
                            R"(, "train": {"epochs": 8}, "sparsity": {"target": 0.9, "scheme": ")" + scheme +
                            R"(", "scheme_options": )" + options + "}}",
                        "big.json");
  }

  WeightMatrix& weights() { return *model.layers().front()->weightMatrix(); }
  int64_t size() const { return int64_t(geometry.rows) * geometry.cols; }

  Model model;
  LayerGeometry geometry;
  std::vector<int64_t> drawn;
  Sgd optimizer{SgdSettings{}};
  Rng rng{3};
  std::vector<std::unique_ptr<TrainingHook>> hooks;  // set, rigl, mest
};
}  // namespace

class TestMutationMemory : public QObject {
  Q_OBJECT

 private slots:
  void drawingAndMutationHoldNoDenseBuffer_data();
  void drawingAndMutationHoldNoDenseBuffer();
};

void TestMutationMemory::drawingAndMutationHoldNoDenseBuffer_data() {
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<QString>("options");
  QTest::newRow("nm 1:10") << "nm"
                           << R"({"n": 1, "m": 10})";
  QTest::newRow("block 4x1") << "block"
                             << R"({"height": 4, "width": 1})";
  QTest::newRow("channel") << "channel"
                           << "{}";
  QTest::newRow("pattern") << "pattern"
                           << "{}";
}

void TestMutationMemory::drawingAndMutationHoldNoDenseBuffer() {
#ifdef SPARSESCOPE_SANITIZED
  QSKIP("a sanitizer's operator new owns the heap here");
#endif
  QFETCH(QString, scheme);
  QFETCH(QString, options);
  BigLayer big(scheme.toStdString(), options.toStdString());
  WeightMatrix& w = big.weights();
  QVERIFY(w.sparse());
  QVERIFY(std::abs(double(w.activeCount()) / double(big.size()) - 0.1) < 0.002);
  const auto check = [&](const char* what, size_t largest) {
    qInfo("%s: largest allocation %.1f MB, the layer has %.1f M weights", what, double(largest) / 1e6,
          double(big.size()) / 1e6);
    QVERIFY2(int64_t(largest) < big.size(), what);
  };

  const auto s = makeScheme(scheme.toStdString(), options.toStdString());
  Rng maskRng(1);
  std::vector<int64_t> drawn;
  check("drawing", largestAllocationOf([&] { drawn = randomStartPositions(big.geometry, *s, 0.1, maskRng); }));
  QCOMPARE(drawn, big.drawn);

  check("set", largestAllocationOf([&] { big.hooks[0]->onEpochStart(2, 10); }));
  QCOMPARE(w.activePositions().size(), big.drawn.size());

  // RigL: the hook asks for the dense gradient of the next step, which backward hands over in row chunks.
  const Matrix x = Matrix::Ones(2, scheme == "pattern" ? kChannels : kCols);
  big.hooks[1]->onEpochStart(1, 0);
  big.model.forward(x, true);
  check("rigl", largestAllocationOf([&] {
          big.model.backward(Matrix::Ones(2, kRows));
          big.hooks[1]->afterBackward(1, 1);
        }));
  QCOMPARE(w.activePositions().size(), big.drawn.size());

  check("mest", largestAllocationOf([&] { big.hooks[2]->onEpochStart(2, 10); }));
  QVERIFY(w.activeCount() > 0);
  const std::string problem = s->validate(w.mask(), big.geometry);
  QVERIFY2(problem.empty(), problem.c_str());
}

QTEST_GUILESS_MAIN(TestMutationMemory)
#include "tst_mutation_memory.moc"
