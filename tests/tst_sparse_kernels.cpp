// The sparse kernels on CSR and the panel transpose against dense Eigen on random data (the other layouts and
// training through them: tst_sparse_layouts).
#include <omp.h>

#include <QScopeGuard>
#include <QtTest>

#include "core/rng.h"
#include "sparse/csr_matrix.h"
#include "sparse/panel_transpose.h"
#include "sparse/sparse_kernels.h"

using namespace ss;

namespace {

Mask randomMask(int rows, int cols, double density, Rng& rng, bool emptyFirstRow) {
  Mask m(rows, cols);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) m.set(r, c, !(emptyFirstRow && r == 0) && rng.uniform(0.0f, 1.0f) < density);
  return m;
}

Matrix randomMatrix(int rows, int cols, Rng& rng) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(-1.0f, 1.0f);
  return m;
}

double maxAbsDiff(const Matrix& a, const Matrix& b) {
  return (a - b).cwiseAbs().maxCoeff();
}

}  // namespace

class TestSparseKernels : public QObject {
  Q_OBJECT

 private slots:
  void productsMatchDenseEigen_data();
  void productsMatchDenseEigen();
  void csrRoundTripsTheMask();
  void panelTransposeMatchesEigen_data();
  void panelTransposeMatchesEigen();
};

void TestSparseKernels::productsMatchDenseEigen_data() {
  QTest::addColumn<int>("rows");
  QTest::addColumn<int>("cols");
  QTest::addColumn<int>("width");
  QTest::addColumn<double>("density");
  QTest::addColumn<bool>("emptyFirstRow");
  QTest::newRow("mlp fc1 slice, d=0.1") << 300 << 784 << 128 << 0.1 << false;
  QTest::newRow("mlp fc1, batch 200, d=0.1") << 300 << 784 << 200 << 0.1 << false;
  QTest::newRow("odd sizes, d=0.37") << 37 << 53 << 131 << 0.37 << true;
  QTest::newRow("width below one slice") << 9 << 17 << 5 << 0.5 << false;
  QTest::newRow("width 16 + tail") << 11 << 7 << 19 << 0.6 << true;
  QTest::newRow("density 0") << 8 << 9 << 64 << 0.0 << false;
  QTest::newRow("density 1") << 8 << 9 << 200 << 1.0 << false;
  QTest::newRow("one element") << 1 << 1 << 1 << 1.0 << false;
  QTest::newRow("one row") << 1 << 300 << 128 << 0.05 << false;
  QTest::newRow("one column") << 300 << 1 << 128 << 0.5 << false;
  QTest::newRow("two slices + vectors + tail") << 13 << 21 << 2 * 128 + 16 + 3 << 0.4 << true;
  QTest::newRow("rows of 1..3 entries, batch 128") << 64 << 40 << 128 << 0.05 << false;
  QTest::newRow("17 rows: a 16-row block and one more") << 17 << 33 << 128 << 0.3 << false;
  QTest::newRow("65536 columns: 2-byte indices") << 3 << 65536 << 9 << 0.002 << false;
  QTest::newRow("65537 columns: 4-byte indices") << 3 << 65537 << 9 << 0.002 << true;
  QTest::newRow("65537 rows: 4-byte transposed rows") << 65537 << 2 << 9 << 0.01 << false;
  // Large enough that the products are split between threads: the MLP's fc1, and a wide conv-like panel whose
  // width is no whole number of slices.
  QTest::newRow("fc1 at 0.1, batch 128: threads split") << 300 << 784 << 128 << 0.1 << false;
  QTest::newRow("wide panel, 1000 columns: threads split") << 64 << 288 << 1000 << 0.1 << true;
}

void TestSparseKernels::productsMatchDenseEigen() {
  QFETCH(int, rows);
  QFETCH(int, cols);
  QFETCH(int, width);
  QFETCH(double, density);
  QFETCH(bool, emptyFirstRow);
  Rng rng(uint64_t(rows * 1000 + cols));
  const Mask mask = randomMask(rows, cols, density, rng, emptyFirstRow);
  const CsrMatrix w = CsrMatrix::fromMask(mask, randomMatrix(rows, cols, rng), true);
  const Matrix dense = w.toDense();
  const Matrix in = randomMatrix(cols, width, rng);    // X^T panel
  const Matrix dOut = randomMatrix(rows, width, rng);  // dY^T panel

  QCOMPARE(w.column.bytes(), int64_t(w.activeCount()) * IndexArray::bytesPerIndex(cols));
  QCOMPARE(w.transposed->rowOfEntry.bytes(), int64_t(w.activeCount()) * IndexArray::bytesPerIndex(rows));
  // The transposed index as the kernels take it: a CSR over the columns whose entries name their value.
  const TransposedIndex& t = *w.transposed;
  const auto withColumns = [&](auto&& product) {
    t.rowOfEntry.withData([&](const auto* row) {
      product(CsrRows<std::remove_cvref_t<decltype(*row)>>{t.colStart.data(), row}, t.entryOf.data());
    });
  };

  // One, two and three threads (the larger products split their rows unevenly), each against the same
  // dense products.
  const int threadsBefore = omp_get_max_threads();
  const auto restore = qScopeGuard([&] { omp_set_num_threads(threadsBefore); });
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);

    Vector bias(rows);
    for (int r = 0; r < rows; ++r) bias(r) = rng.uniform(-1.0f, 1.0f);
    Matrix out(rows, width);
    w.withRows([&](const auto& index) {
      gatherProduct(index, w.values.data(), nullptr, rows, in.data(), width, bias.data(), out.data());
    });
    QVERIFY(maxAbsDiff(out, (dense * in).colwise() + bias) < 1e-4);

    // The forward with the ReLU after the layer computed in the same pass: the same output, and its ReLU exactly
    // as ReLU::forward makes it from that output.
    Matrix withRelu(rows, width), rectified(rows, width);
    w.withRows([&](const auto& index) {
      gatherProduct(index, w.values.data(), nullptr, rows, in.data(), width, bias.data(), withRelu.data(), nullptr,
                    rectified.data());
    });
    QCOMPARE(withRelu, out);
    QCOMPARE(rectified, Matrix(out.cwiseMax(0.0f)));

    Matrix dIn(cols, width);
    withColumns([&](const auto& index, const int32_t* valueOf) {
      gatherProduct(index, w.values.data(), valueOf, cols, dOut.data(), width, nullptr, dIn.data());
    });
    const Matrix expectedDIn = dense.transpose() * dOut;
    QVERIFY(maxAbsDiff(dIn, expectedDIn) < 1e-4);

    // dX passed on through a ReLU in the same pass: kept where the ReLU's output (about half of it zero) is
    // positive, zero elsewhere.
    const Matrix reluOutput = randomMatrix(cols, width, rng).cwiseMax(0.0f);
    Matrix throughRelu(cols, width);
    withColumns([&](const auto& index, const int32_t* valueOf) {
      gatherProduct(index, w.values.data(), valueOf, cols, dOut.data(), width, nullptr, throughRelu.data(),
                    reluOutput.data());
    });
    const Matrix expectedThroughRelu = (reluOutput.array() > 0.0f).select(expectedDIn, 0.0f);
    QVERIFY(maxAbsDiff(throughRelu, expectedThroughRelu) < 1e-4);

    // The same two products written transposed into batch rows, the forward one with the bias.
    Matrix outRows(width, rows), dInRows(width, cols);
    w.withRows([&](const auto& index) {
      gatherProductTransposed(index, w.values.data(), nullptr, rows, in.data(), width, bias.data(), outRows.data());
    });
    const Matrix expectedOutRows = (dense * in).transpose().rowwise() + bias.transpose();
    QVERIFY(maxAbsDiff(outRows, expectedOutRows) < 1e-4);
    withColumns([&](const auto& index, const int32_t* valueOf) {
      gatherProductTransposed(index, w.values.data(), valueOf, cols, dOut.data(), width, nullptr, dInRows.data());
    });
    QVERIFY(maxAbsDiff(dInRows, expectedDIn.transpose()) < 1e-4);

    Matrix scattered = Matrix::Zero(cols, width);
    w.withRows(
        [&](const auto& index) { scatterProduct(index, w.values.data(), rows, dOut.data(), width, scattered.data()); });
    QVERIFY(maxAbsDiff(scattered, expectedDIn) < 1e-4);

    std::vector<float> grads(w.values.size(), 99.0f);  // overwritten, not added to
    w.withRows([&](const auto& index) { sampledProduct(index, rows, dOut.data(), in.data(), width, grads.data()); });
    const Matrix denseGrad = dOut * in.transpose();
    for (int r = 0; r < rows; ++r)
      for (int32_t e = w.rowStart[size_t(r)]; e < w.rowStart[size_t(r) + 1]; ++e)
        QVERIFY(std::abs(grads[size_t(e)] - denseGrad(r, w.column[size_t(e)])) < 1e-3);
  }
}

void TestSparseKernels::csrRoundTripsTheMask() {
  Rng rng(1);
  const Mask mask = randomMask(13, 29, 0.3, rng, true);
  const Matrix values = randomMatrix(13, 29, rng);
  const CsrMatrix w = CsrMatrix::fromMask(mask, values, false);
  QCOMPARE(w.mask().bits, mask.bits);
  QCOMPARE(w.activeCount(), mask.activeCount());
  QCOMPARE(w.indexBytes(), int64_t(4 * 14 + 2 * mask.activeCount()));  // row pointers, 2-byte columns
  const Matrix dense = w.toDense();
  for (int r = 0; r < 13; ++r)
    for (int c = 0; c < 29; ++c) QCOMPARE(dense(r, c), mask.at(r, c) ? values(r, c) : 0.0f);
}

void TestSparseKernels::panelTransposeMatchesEigen_data() {
  QTest::addColumn<int>("rows");
  QTest::addColumn<int>("cols");
  QTest::newRow("batch 128 x 784") << 128 << 784;
  QTest::newRow("odd 37 x 53") << 37 << 53;
  QTest::newRow("smaller than a block") << 3 << 5;
  QTest::newRow("one row") << 1 << 300;
  QTest::newRow("one column") << 300 << 1;
  QTest::newRow("exact blocks 64 x 32") << 64 << 32;
  QTest::newRow("16-blocks with 8-block and scalar edges, 59 x 91") << 59 << 91;
}

void TestSparseKernels::panelTransposeMatchesEigen() {
  QFETCH(int, rows);
  QFETCH(int, cols);
  Rng rng(uint64_t(rows) * 7 + uint64_t(cols));
  const Matrix m = randomMatrix(rows, cols, rng);
  Matrix t;
  transposeInto(m, t);
  const Matrix expected = m.transpose();
  QCOMPARE(t.rows(), expected.rows());
  QCOMPARE(t.cols(), expected.cols());
  QVERIFY(t == expected);  // a transpose moves values; they must be bit-identical
}

QTEST_GUILESS_MAIN(TestSparseKernels)
#include "tst_sparse_kernels.moc"
