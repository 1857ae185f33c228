// The structured storage layouts (N:M groups, blocks, kept channels) against dense Eigen: their products,
// training through them, and moving weights and optimizer state when the mask changes.
#include <omp.h>

#include <QScopeGuard>
#include <QtTest>

#include "bench/step_benchmark.h"
#include "core/rng.h"
#include "dense_gradient_helpers.h"
#include "memory/memory_model.h"
#include "nn/conv2d.h"
#include "nn/linear.h"
#include "sparse/scheme.h"
#include "sparse/sparse_weights.h"
#include "sparse/weight_matrix.h"
#include "train/sgd.h"

using namespace ss;

namespace {

Matrix randomMatrix(int rows, int cols, Rng& rng) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(-1.0f, 1.0f);
  return m;
}

std::unique_ptr<Scheme> schemeFor(const QString& text) {
  const auto [name, options] = parseSchemeArgument(text.toStdString());
  return makeScheme(name, options, "test");
}

// A mask in the scheme's shape at the density, from random scores.
Mask schemeMask(const Scheme& scheme, int rows, int cols, double density, Rng& rng) {
  return scheme.project(randomMatrix(rows, cols, rng), {rows, cols, 1, "w"}, density);
}

double maxAbsDiff(const Matrix& a, const Matrix& b) {
  return a.size() == 0 && b.size() == 0 ? 0.0 : double((a - b).cwiseAbs().maxCoeff());
}

SparseFormat formatFor(const Scheme& scheme, bool transposedIndex) {
  SparseFormat format = scheme.sparseFormat();
  format.transposedIndex = transposedIndex;
  return format;
}

// Several SGD steps with momentum through `sparse`, stored in the format, and through `dense`, the same layer
// masked-dense from the same weights, must agree in outputs, input gradients and weights; the sparse optimizer
// keeps state for the active weights only.
void checkTrainsLikeMaskedDense(Layer& sparse, Layer& dense, const Mask& mask, const SparseFormat& format, float lr,
                                Rng& rng) {
  dense.weightMatrix()->dense() = sparse.weightMatrix()->dense();
  sparse.weightMatrix()->applyMask(mask, true, format);
  dense.weightMatrix()->applyMask(mask, false);
  QCOMPARE(sparse.weightMatrix()->sparseWeights()->layout(), format.layout);
  sparse.setName("s");
  dense.setName("d");
  Sgd optSparse({0.9f, true, 5e-4f}), optDense({0.9f, true, 5e-4f});
  const int batch = 7, inputs = sparse.inputShape().size(), outputs = sparse.outputShape().size();
  for (int step = 0; step < 5; ++step) {
    const Matrix x = randomMatrix(batch, inputs, rng), dy = randomMatrix(batch, outputs, rng);
    Matrix ys, yd, dxs, dxd;
    sparse.forward(x, ys, true);
    dense.forward(x, yd, true);
    QVERIFY(maxAbsDiff(ys, yd) < 1e-4);
    sparse.backward(x, ys, dy, dxs, true);
    dense.backward(x, yd, dy, dxd, true);
    QVERIFY(maxAbsDiff(dxs, dxd) < 1e-4);
    optSparse.step(sparse.parameters(), lr);
    optDense.step(dense.parameters(), lr);
  }
  QVERIFY(maxAbsDiff(sparse.weightMatrix()->toDense(), dense.weightMatrix()->toDense()) < 1e-4);
  QCOMPARE(sparse.weightMatrix()->mask().bits, mask.bits);
  QCOMPARE(int64_t(optSparse.state("s.weight").size()), mask.activeCount());
}

}  // namespace

class TestSparseLayouts : public QObject {
  Q_OBJECT

 private slots:
  void productsMatchDenseEigen_data();
  void productsMatchDenseEigen();
  void maskWithoutTheShapeIsStoredAsCsr();
  void indexBytesByHand_data();
  void indexBytesByHand();
  void linearTrainsLikeMaskedDense_data();
  void linearTrainsLikeMaskedDense();
  void convTrainsLikeMaskedDense_data();
  void convTrainsLikeMaskedDense();
  void convHandsOverADenseGradientWhenAsked();
  void maskChangeMovesValuesAndState_data();
  void maskChangeMovesValuesAndState();
};

void TestSparseLayouts::productsMatchDenseEigen_data() {
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<int>("rows");
  QTest::addColumn<int>("cols");
  QTest::addColumn<int>("width");
  QTest::addColumn<double>("density");
  QTest::newRow("nm 1:8, mlp fc1") << "nm:1:8" << 300 << 784 << 128 << 0.125;
  QTest::newRow("nm 2:4, odd sizes, short last run") << "nm:2:4" << 37 << 53 << 131 << 0.5;
  QTest::newRow("nm 3:7, short last run of 6") << "nm:3:7" << 9 << 20 << 19 << 0.43;
  QTest::newRow("nm 1:8, run longer than the row") << "nm:1:8" << 5 << 3 << 17 << 0.125;
  QTest::newRow("nm 1:4, one element") << "nm:1:4" << 1 << 1 << 1 << 0.25;
  QTest::newRow("nm 1:2, two slices + vectors + tail") << "nm:1:2" << 13 << 21 << 2 * 128 + 16 + 3 << 0.5;
  QTest::newRow("block 4x1, mlp fc1, d=0.1") << "block:4x1" << 300 << 784 << 128 << 0.1;
  QTest::newRow("block 4x1, odd sizes: a 1-row group") << "block:4x1" << 37 << 53 << 131 << 0.37;
  QTest::newRow("block 1x4, odd sizes: a 1-column block") << "block:1x4" << 37 << 53 << 131 << 0.37;
  QTest::newRow("block 8x1, d=0.05, empty groups") << "block:8x1" << 64 << 40 << 128 << 0.05;
  QTest::newRow("block 3x5, ragged both ways") << "block:3x5" << 11 << 17 << 19 << 0.5;
  QTest::newRow("block 4x1, density 0") << "block:4x1" << 8 << 9 << 64 << 0.0;
  QTest::newRow("block 4x1, density 1") << "block:4x1" << 8 << 9 << 200 << 1.0;
  QTest::newRow("block 4x1, one element") << "block:4x1" << 1 << 1 << 1 << 1.0;
  QTest::newRow("channel, mlp fc1, d=0.1") << "channel" << 300 << 784 << 128 << 0.1;
  QTest::newRow("channel, odd sizes") << "channel" << 37 << 53 << 131 << 0.37;
  QTest::newRow("channel, density 0") << "channel" << 8 << 9 << 64 << 0.0;
  QTest::newRow("channel, density 1") << "channel" << 8 << 9 << 200 << 1.0;
  QTest::newRow("channel, one element") << "channel" << 1 << 1 << 1 << 1.0;
}

// Every product of every layout, with and without the transposed index, on one, two and three threads.
void TestSparseLayouts::productsMatchDenseEigen() {
  QFETCH(QString, scheme);
  QFETCH(int, rows);
  QFETCH(int, cols);
  QFETCH(int, width);
  QFETCH(double, density);
  Rng rng(uint64_t(rows * 1000 + cols + width));
  const auto s = schemeFor(scheme);
  const Mask mask = schemeMask(*s, rows, cols, density, rng);
  const Matrix values = randomMatrix(rows, cols, rng);
  const Matrix in = randomMatrix(cols, width, rng), dOut = randomMatrix(rows, width, rng);
  Vector bias(rows);
  for (int r = 0; r < rows; ++r) bias(r) = rng.uniform(-1.0f, 1.0f);

  const int threadsBefore = omp_get_max_threads();
  const auto restore = qScopeGuard([&] { omp_set_num_threads(threadsBefore); });
  for (bool transposedIndex : {false, true}) {
    const SparseFormat format = formatFor(*s, transposedIndex);
    SparseWeights w = SparseWeights::build(mask, values, format);
    QCOMPARE(w.layout(), format.layout);
    QCOMPARE(w.mask().bits, mask.bits);
    QCOMPARE(w.activeCount(), mask.activeCount());
    const Matrix dense = w.toDense();
    for (Eigen::Index i = 0; i < dense.size(); ++i)
      QCOMPARE(dense.data()[i], mask.bits[size_t(i)] ? values.data()[i] : 0.0f);
    const std::vector<int64_t> positions = w.positions();
    QVERIFY(std::is_sorted(positions.begin(), positions.end()));

    const Matrix expectedOut = dense * in, expectedDIn = dense.transpose() * dOut;
    const Matrix expectedOutRows = expectedOut.transpose().rowwise() + bias.transpose();
    const Matrix denseGrad = dOut * in.transpose();
    for (int threads : {1, 2, 3}) {
      omp_set_num_threads(threads);
      Matrix out, outRows, dIn, dInRows;
      w.multiply(in, bias, out);
      QVERIFY(maxAbsDiff(out, (expectedOut.colwise() + bias).eval()) < 1e-4);
      w.multiplyToRows(in, bias, outRows);
      QVERIFY(maxAbsDiff(outRows, expectedOutRows) < 1e-4);
      w.multiplyTransposed(dOut, dIn);
      QVERIFY(maxAbsDiff(dIn, expectedDIn) < 1e-4);
      w.multiplyTransposedToRows(dOut, dInRows);
      QVERIFY(maxAbsDiff(dInRows, expectedDIn.transpose()) < 1e-4);
      std::fill(w.grads().begin(), w.grads().end(), 99.0f);
      w.accumulateGradient(dOut, in);
      for (size_t e = 0; e < positions.size(); ++e)
        QVERIFY(std::abs(w.grads()[e] - denseGrad.data()[positions[e]]) < 1e-3);
    }
  }
}

void TestSparseLayouts::maskWithoutTheShapeIsStoredAsCsr() {
  Rng rng(4);
  Mask mask(8, 8);
  mask.set(0, 0, true);
  mask.set(3, 5, true);  // not 1 of every 4, not whole 4x1 blocks, not whole rows
  const Matrix values = randomMatrix(8, 8, rng);
  for (const char* text : {"nm:1:4", "block:4x1", "channel"}) {
    const SparseWeights w = SparseWeights::build(mask, values, schemeFor(text)->sparseFormat());
    QCOMPARE(w.layout(), SparseLayout::Csr);
    QCOMPARE(w.mask().bits, mask.bits);
  }
}

void TestSparseLayouts::indexBytesByHand_data() {
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<bool>("transposedIndex");
  QTest::addColumn<int64_t>("indexBytes");
  // An 8x12 layer. nm 1:4 keeps 3 of each row's 12: 24 weights, one byte of position each.
  QTest::newRow("nm 1:4") << "nm:1:4" << false << int64_t(24);
  // The transposed index adds 13 column pointers of 4 bytes and per weight a 2-byte row and a 4-byte
  // value position.
  QTest::newRow("nm 1:4, transposed index") << "nm:1:4" << true << int64_t(24 + 13 * 4 + 24 * (2 + 4));
  // block 4x1 at density 0.25: 2 row groups x 12 segments = 24 blocks, 6 kept (24 weights); two pointers of
  // 4 bytes per row group and one more each, and a 2-byte segment number per kept block.
  QTest::newRow("block 4x1") << "block:4x1" << false << int64_t(2 * 3 * 4 + 6 * 2);
  QTest::newRow("block 4x1, transposed index") << "block:4x1" << true << int64_t(2 * 3 * 4 + 6 * 2 + 13 * 4 + 24 * 6);
  // channel at density 0.25: 2 of 8 rows, a 4-byte row number each; no transposed index is kept.
  QTest::newRow("channel") << "channel" << false << int64_t(2 * 4);
  QTest::newRow("channel, transposed index asked") << "channel" << true << int64_t(2 * 4);
  // CSR for comparison: 9 row pointers of 4 bytes, a 2-byte column per weight.
  QTest::newRow("csr") << "unstructured" << false << int64_t(9 * 4 + 24 * 2);
}

// The storage, the memory model's figure for it, and the formula from the count alone all agree with the
// bytes counted by hand.
void TestSparseLayouts::indexBytesByHand() {
  QFETCH(QString, scheme);
  QFETCH(bool, transposedIndex);
  QFETCH(int64_t, indexBytes);
  Rng rng(5);
  const auto s = schemeFor(scheme);
  const Mask mask = schemeMask(*s, 8, 12, 0.25, rng);
  QCOMPARE(mask.activeCount(), int64_t(24));
  const SparseFormat format = formatFor(*s, transposedIndex);
  WeightMatrix w(8, 12);
  w.applyMask(mask, true, format);
  QCOMPARE(w.indexBytes(), indexBytes);
  const LayerMemory m = weightMemory(weightStorageOf(w));
  QCOMPARE(m.indices, indexBytes);
  QCOMPARE(m.weights, int64_t(24 * 4));
  QCOMPARE(m.gradients, int64_t(24 * 4));
  QCOMPARE(m.optimizer, int64_t(24 * 4));
  QCOMPARE(weightMemory(denseStorageOf(w)).parameterState(), int64_t(3 * 96 * 4));
  QCOMPARE(SparseWeights::indexBytesFor(format, 8, 12, 24), indexBytes);
}

void TestSparseLayouts::linearTrainsLikeMaskedDense_data() {
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<double>("density");
  QTest::addColumn<bool>("transposedIndex");
  QTest::newRow("csr, gather dX (transposed index)") << "unstructured" << 0.2 << true;
  QTest::newRow("csr, scatter dX") << "unstructured" << 0.2 << false;
  QTest::newRow("nm 1:8, gather dX") << "nm:1:8" << 0.125 << true;
  QTest::newRow("nm 2:4, scatter dX") << "nm:2:4" << 0.5 << false;
  QTest::newRow("block 4x1, gather dX") << "block:4x1" << 0.25 << true;
  QTest::newRow("block 1x4, scatter dX") << "block:1x4" << 0.25 << false;
  QTest::newRow("block 3x5 ragged") << "block:3x5" << 0.4 << true;
  QTest::newRow("channel") << "channel" << 0.3 << true;
}

// Through a linear layer.
void TestSparseLayouts::linearTrainsLikeMaskedDense() {
  QFETCH(QString, scheme);
  QFETCH(double, density);
  QFETCH(bool, transposedIndex);
  Rng rng(9);
  Linear sparse(41, 23), dense(41, 23);
  sparse.initKaiming(rng);
  const auto s = schemeFor(scheme);
  checkTrainsLikeMaskedDense(sparse, dense, schemeMask(*s, 23, 41, density, rng), formatFor(*s, transposedIndex), 0.1f,
                             rng);
}

void TestSparseLayouts::convTrainsLikeMaskedDense_data() {
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<double>("density");
  QTest::addColumn<bool>("transposedIndex");
  // in channels, height, width, filters, kernel, padding (, stride: 1 if absent)
  QTest::addColumn<QVector<int>>("geometry");
  QTest::addColumn<int>("threads");
  QTest::addColumn<bool>("direct");  // convolves from the padded planes rather than by im2col
  const QVector<int> odd{3, 7, 5, 10, 3, 1};
  QTest::newRow("csr") << "unstructured" << 0.3 << true << odd << 2 << true;
  QTest::newRow("nm 1:8") << "nm:1:8" << 0.125 << true << odd << 2 << true;
  QTest::newRow("nm 2:4, scatter dX") << "nm:2:4" << 0.5 << false << odd << 2 << true;
  QTest::newRow("block 4x1") << "block:4x1" << 0.25 << true << odd << 2 << true;
  QTest::newRow("block 8x1, scatter dX") << "block:8x1" << 0.25 << false << odd << 2 << true;
  QTest::newRow("channel (im2col)") << "channel" << 0.5 << true << odd << 2 << false;
  QTest::newRow("csr, one thread") << "unstructured" << 0.3 << true << odd << 1 << true;
  QTest::newRow("csr, three threads (2+2+3 examples)") << "unstructured" << 0.3 << true << odd << 3 << true;
  QTest::newRow("csr, one input channel 9x9")
      << "unstructured" << 0.2 << true << QVector<int>{1, 9, 9, 6, 3, 1} << 2 << true;
  QTest::newRow("csr, 5x5 kernel, padding 2")
      << "unstructured" << 0.2 << true << QVector<int>{2, 6, 8, 4, 5, 2} << 2 << true;
  QTest::newRow("csr, 5x5 kernel, padding 2, scatter dX")
      << "unstructured" << 0.2 << false << QVector<int>{2, 6, 8, 4, 5, 2} << 2 << true;
  QTest::newRow("csr, no padding") << "unstructured" << 0.3 << true << QVector<int>{2, 6, 7, 5, 3, 0} << 2 << true;
  QTest::newRow("csr, 1x1 kernel") << "unstructured" << 0.5 << true << QVector<int>{4, 5, 3, 6, 1, 0} << 2 << true;
  QTest::newRow("csr, 14x14 as the Fashion convnet's second conv (whole vectors)")
      << "unstructured" << 0.1 << true << QVector<int>{8, 14, 14, 6, 3, 1} << 2 << true;
  QTest::newRow("csr, density 1") << "unstructured" << 1.0 << true << odd << 2 << true;
  // Strided: convolved from the planes' phases (odd sizes leave phases of unequal size; a 1x1 stride-2 kernel reads
  // one phase of four, the others get no gradient; stride 3 with a 3x3 kernel reads each phase by one tap).
  const QVector<int> strided{3, 7, 5, 10, 3, 1, 2};
  QTest::newRow("csr, stride 2") << "unstructured" << 0.3 << true << strided << 2 << true;
  QTest::newRow("csr, stride 2, scatter dX") << "unstructured" << 0.3 << false << strided << 2 << true;
  QTest::newRow("nm 1:8, stride 2") << "nm:1:8" << 0.125 << true << strided << 2 << true;
  QTest::newRow("nm 2:4, stride 2, scatter dX") << "nm:2:4" << 0.5 << false << strided << 2 << true;
  QTest::newRow("block 4x1, stride 2") << "block:4x1" << 0.25 << true << strided << 2 << true;
  QTest::newRow("block 8x1, stride 2, scatter dX") << "block:8x1" << 0.25 << false << strided << 2 << true;
  QTest::newRow("channel, stride 2 (im2col)") << "channel" << 0.5 << true << strided << 2 << false;
  QTest::newRow("csr, stride 2, three threads") << "unstructured" << 0.3 << true << strided << 3 << true;
  QTest::newRow("csr, stride 2 on 14x14 as ResNet-20's stage 2")
      << "unstructured" << 0.1 << true << QVector<int>{8, 14, 14, 6, 3, 1, 2} << 2 << true;
  QTest::newRow("csr, 1x1 stride 2 as a projection shortcut")
      << "unstructured" << 0.5 << true << QVector<int>{4, 8, 7, 6, 1, 0, 2} << 2 << true;
  QTest::newRow("csr, 1x1 stride 2, scatter dX")
      << "unstructured" << 0.5 << false << QVector<int>{4, 8, 7, 6, 1, 0, 2} << 2 << true;
  QTest::newRow("csr, 5x5 kernel, padding 2, stride 2")
      << "unstructured" << 0.3 << true << QVector<int>{2, 9, 8, 4, 5, 2, 2} << 2 << true;
  QTest::newRow("csr, stride 3, no padding")
      << "unstructured" << 0.4 << true << QVector<int>{2, 10, 8, 5, 3, 0, 3} << 2 << true;
  QTest::newRow("csr, stride 2, density 1") << "unstructured" << 1.0 << true << strided << 2 << true;
}

// Through a convolution (its filters x C*k*k matrix), on odd images: outputs, dX and the weights after SGD steps
// as the masked-dense layer's, on 1 to 3 threads.
void TestSparseLayouts::convTrainsLikeMaskedDense() {
  QFETCH(QString, scheme);
  QFETCH(double, density);
  QFETCH(bool, transposedIndex);
  QFETCH(QVector<int>, geometry);
  QFETCH(int, threads);
  QFETCH(bool, direct);
  const int before = omp_get_max_threads();
  const auto restore = qScopeGuard([before] { omp_set_num_threads(before); });
  omp_set_num_threads(threads);
  const int stride = geometry.size() > 6 ? geometry[6] : 1;
  const ConvGeometry g{geometry[0], geometry[1], geometry[2], geometry[3], geometry[4], stride, geometry[5]};
  Rng rng(11);
  Conv2d sparse(g), dense(g);
  sparse.initKaiming(rng);
  const auto s = schemeFor(scheme);
  checkTrainsLikeMaskedDense(sparse, dense, schemeMask(*s, g.outChannels, g.patchSize(), density, rng),
                             formatFor(*s, transposedIndex), 0.05f, rng);
  QCOMPARE(sparse.convolvesDirectly(), direct);
  QVERIFY(!dense.convolvesDirectly());
}

// RigL's dense gradient needs the im2col panel: a direct convolution asked for it runs that step by im2col and
// hands over the gradient at every position, as the masked-dense layer computes it.
void TestSparseLayouts::convHandsOverADenseGradientWhenAsked() {
  const ConvGeometry g{3, 6, 5, 4, 3, 1, 1};
  Rng rng(5);
  Conv2d sparse(g), dense(g);
  sparse.initKaiming(rng);
  dense.weightMatrix()->dense() = sparse.weightMatrix()->dense();
  const auto s = schemeFor("unstructured");
  const Mask mask = schemeMask(*s, g.outChannels, g.patchSize(), 0.3, rng);
  sparse.weightMatrix()->applyMask(mask, true, formatFor(*s, true));
  dense.weightMatrix()->applyMask(mask, false);
  const Matrix x = randomMatrix(5, g.inChannels * g.height * g.width, rng);
  const Matrix dy = randomMatrix(5, g.outChannels * g.outHeight() * g.outWidth(), rng);
  Matrix handedOver, ys, yd, dxs, dxd;
  sparse.requestDenseWeightGradient(gatherDenseGradient(handedOver, g.outChannels, g.patchSize()));
  QVERIFY(!sparse.convolvesDirectly());
  sparse.forward(x, ys, true);
  sparse.backward(x, ys, dy, dxs, true);
  QVERIFY(sparse.convolvesDirectly());  // the request is spent
  dense.forward(x, yd, true);
  dense.backward(x, yd, dy, dxd, true);
  // The same weights unmasked: their gradient is the full one, which the handed-over matrix must hold everywhere
  // and the direct step's own gradient at its active entries.
  Conv2d full(g);
  full.weightMatrix()->dense() = dense.weightMatrix()->dense();
  Matrix yf, dxf;
  full.forward(x, yf, true);
  full.backward(x, yf, dy, dxf, true);
  QCOMPARE(handedOver.rows(), Eigen::Index(g.outChannels));
  QCOMPARE(handedOver.cols(), Eigen::Index(g.patchSize()));
  QVERIFY(maxAbsDiff(handedOver, full.weightMatrix()->denseGradient()) < 1e-4);
  const auto grads = sparse.parameters()[0].grads;
  int64_t e = 0;
  for (int r = 0; r < mask.rows; ++r)
    for (int c = 0; c < mask.cols; ++c)
      if (mask.at(r, c)) QVERIFY(std::abs(grads[size_t(e++)] - handedOver(r, c)) < 1e-4f);
  QCOMPARE(e, mask.activeCount());
  QVERIFY(maxAbsDiff(dxs, dxd) < 1e-4);
}

void TestSparseLayouts::maskChangeMovesValuesAndState_data() {
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<double>("density");
  QTest::newRow("nm 2:8") << "nm:2:8" << 0.25;
  QTest::newRow("block 4x1") << "block:4x1" << 0.3;
  QTest::newRow("block 2x3 ragged") << "block:2x3" << 0.4;
  QTest::newRow("channel") << "channel" << 0.4;
}

// A new mask in the same shape keeps the layout; a weight active in both keeps its value, gradient and
// momentum at its new storage place; a new weight starts at zero.
void TestSparseLayouts::maskChangeMovesValuesAndState() {
  QFETCH(QString, scheme);
  QFETCH(double, density);
  Rng rng(13);
  const auto s = schemeFor(scheme);
  WeightMatrix w(13, 22);
  w.dense() = randomMatrix(13, 22, rng);
  const Mask before = schemeMask(*s, 13, 22, density, rng), after = schemeMask(*s, 13, 22, density, rng);
  w.applyMask(before, true, s->sparseFormat());
  const Matrix valuesBefore = w.toDense();
  const std::vector<int64_t> positionsBefore = w.sparseWeights()->positions();
  std::vector<float> momentum(positionsBefore.size());
  ParameterRef p = w.parameter("w");
  for (size_t e = 0; e < positionsBefore.size(); ++e) {
    momentum[e] = 1000.0f + float(positionsBefore[e]);
    p.grads[e] = 2000.0f + float(positionsBefore[e]);
  }

  w.replaceMask(after, momentum);

  QCOMPARE(w.sparseWeights()->layout(), s->sparseFormat().layout);
  QCOMPARE(w.mask().bits, after.bits);
  const std::vector<int64_t> positionsAfter = w.sparseWeights()->positions();
  QCOMPARE(momentum.size(), positionsAfter.size());
  const Matrix valuesAfter = w.toDense();
  p = w.parameter("w");
  int survivors = 0;
  for (size_t e = 0; e < positionsAfter.size(); ++e) {
    const int64_t position = positionsAfter[e];
    const bool survived = before.bits[size_t(position)] != 0;
    survivors += survived;
    QCOMPARE(valuesAfter.data()[position], survived ? valuesBefore.data()[position] : 0.0f);
    QCOMPARE(momentum[e], survived ? 1000.0f + float(position) : 0.0f);
    QCOMPARE(p.grads[e], survived ? 2000.0f + float(position) : 0.0f);
  }
  QVERIFY(survivors > 0);  // the case moves some state, not only zeros
}

QTEST_GUILESS_MAIN(TestSparseLayouts)
#include "tst_sparse_layouts.moc"
