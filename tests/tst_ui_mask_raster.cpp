// The mask viewer's cells: a window of a layer cut into blocks of weights, counted from the positions alone.
#include <QTest>
#include <algorithm>
#include <numeric>

#include "mask_raster.h"
#include "random_positions.h"

using namespace ss;
using namespace ss::ui;

Q_DECLARE_METATYPE(ss::ui::WeightWindow)

namespace {

// What a brute-force walk over every weight of the window finds in one cell.
int64_t countInCell(const std::vector<int64_t>& positions, int64_t cols, const MaskRaster& r, int cellRow,
                    int cellCol) {
  int64_t n = 0;
  for (int64_t p : positions) {
    const int64_t row = p / cols, col = p % cols;
    if (row < r.window.row0 || row >= r.window.row1 || col < r.window.col0 || col >= r.window.col1) continue;
    n += (row - r.window.row0) / r.blockRows == cellRow && (col - r.window.col0) / r.blockCols == cellCol;
  }
  return n;
}

int64_t sum(const std::vector<int32_t>& counts) {
  return std::accumulate(counts.begin(), counts.end(), int64_t(0));
}

}  // namespace

class TestUiMaskRaster : public QObject {
  Q_OBJECT

 private slots:
  void aSmallLayerIsOneCellPerWeight();
  void blocksCountEveryWeightOfTheWindowOnce_data();
  void blocksCountEveryWeightOfTheWindowOnce();
  void magnitudesAreSummedPerCell();
  void aWindowOutsideTheLayerHasNoCells();
  void blockSizesKeepALongAxisReadable();
};

void TestUiMaskRaster::aSmallLayerIsOneCellPerWeight() {
  const std::vector<int64_t> active{0, 3, 8, 13, 14}, grown{3, 14}, dropped{1};
  const MaskRaster r = rasterise({3, 5, active, grown, dropped, {}}, {0, 3, 0, 5}, CellBudget{});
  QVERIFY(r.perWeight());
  QCOMPARE(r.cellRows, 3);
  QCOMPARE(r.cellCols, 5);
  QCOMPARE(r.active, (std::vector<int32_t>{1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1}));
  QCOMPARE(r.grown, (std::vector<int32_t>{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
  QCOMPARE(r.dropped, (std::vector<int32_t>{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  QVERIFY(r.magnitudeSum.empty());
}

void TestUiMaskRaster::blocksCountEveryWeightOfTheWindowOnce_data() {
  QTest::addColumn<int64_t>("rows");
  QTest::addColumn<int64_t>("cols");
  QTest::addColumn<double>("density");
  QTest::addColumn<WeightWindow>("window");
  QTest::newRow("whole, both axes blocked") << int64_t(3000) << int64_t(2500) << 0.01 << WeightWindow{0, 3000, 0, 2500};
  QTest::newRow("wide: rows per weight") << int64_t(3) << int64_t(40000) << 0.05 << WeightWindow{0, 3, 0, 40000};
  QTest::newRow("tall: columns per weight") << int64_t(5000) << int64_t(10) << 0.2 << WeightWindow{0, 5000, 0, 10};
  QTest::newRow("a window inside") << int64_t(4000) << int64_t(4000) << 0.02 << WeightWindow{1700, 3901, 5, 2999};
  QTest::newRow("a window past the edges")
      << int64_t(2000) << int64_t(3000) << 0.02 << WeightWindow{-50, 1500, 2500, 9000};
}

void TestUiMaskRaster::blocksCountEveryWeightOfTheWindowOnce() {
  QFETCH(int64_t, rows);
  QFETCH(int64_t, cols);
  QFETCH(double, density);
  QFETCH(WeightWindow, window);
  const std::vector<int64_t> active = randomPositions(rows * cols, density, 1);
  std::vector<int64_t> grown, dropped;
  for (size_t i = 0; i < active.size(); i += 7) grown.push_back(active[i]);
  for (int64_t p = 3; p < rows * cols; p += 9973)
    if (!std::binary_search(active.begin(), active.end(), p)) dropped.push_back(p);
  const CellBudget budget;
  const MaskRaster r = rasterise({rows, cols, active, grown, dropped, {}}, window, budget);
  const WeightWindow inside{std::clamp<int64_t>(window.row0, 0, rows), std::clamp<int64_t>(window.row1, 0, rows),
                            std::clamp<int64_t>(window.col0, 0, cols), std::clamp<int64_t>(window.col1, 0, cols)};
  QCOMPARE(r.window, inside);
  QVERIFY(!r.perWeight());
  QVERIFY(r.cellRows <= std::max(budget.blockedCells, std::min(inside.rows(), budget.perWeightLimit)));
  QVERIFY(r.cellCols <= std::max(budget.blockedCells, std::min(inside.cols(), budget.perWeightLimit)));
  int64_t area = 0;
  for (int cr = 0; cr < r.cellRows; ++cr)
    for (int cc = 0; cc < r.cellCols; ++cc) {
      area += r.weightsIn(cr, cc);
      // Spot checks against a walk over every position: a few cells, corners included.
      if ((cr * 31 + cc * 17) % 997 == 0 || (cr == r.cellRows - 1 && cc == r.cellCols - 1)) {
        QCOMPARE(int64_t(r.active[r.cell(cr, cc)]), countInCell(active, cols, r, cr, cc));
        QCOMPARE(int64_t(r.grown[r.cell(cr, cc)]), countInCell(grown, cols, r, cr, cc));
        QCOMPARE(int64_t(r.dropped[r.cell(cr, cc)]), countInCell(dropped, cols, r, cr, cc));
      }
    }
  QCOMPARE(area, inside.rows() * inside.cols());
  int64_t inWindow = 0;
  for (int64_t p : active) {
    const int64_t row = p / cols, col = p % cols;
    inWindow += row >= inside.row0 && row < inside.row1 && col >= inside.col0 && col < inside.col1;
  }
  QCOMPARE(sum(r.active), inWindow);
}

void TestUiMaskRaster::magnitudesAreSummedPerCell() {
  const std::vector<int64_t> active{0, 1, 2000, 2001, 4001};
  const std::vector<float> magnitudes{1.0f, -2.0f, 0.5f, 0.25f, 4.0f};
  // 2 x 2001 weights: the columns, longer than the limit of 1000, fall into blocks of 8 (251 cells).
  const MaskRaster r = rasterise({2, 2001, active, {}, {}, magnitudes}, {0, 2, 0, 2001}, CellBudget{1000, 256});
  QCOMPARE(r.blockRows, int64_t(1));
  QCOMPARE(r.blockCols, int64_t(8));
  QCOMPARE(r.cellCols, 251);
  QCOMPARE(r.magnitudeSum[r.cell(0, 0)], 3.0f);  // |w| summed: signs do not cancel
  QCOMPARE(r.magnitudeSum[r.cell(0, 250)], 0.5f);
  QCOMPARE(r.magnitudeSum[r.cell(1, 0)], 0.25f);  // position 2001: row 1, column 0
  QCOMPARE(r.magnitudeSum[r.cell(1, 250)], 4.0f);
  QCOMPARE(r.weightsIn(1, 250), int64_t(1));  // the last block holds column 2000 only
}

void TestUiMaskRaster::aWindowOutsideTheLayerHasNoCells() {
  const std::vector<int64_t> active{0, 5};
  const MaskRaster r = rasterise({2, 3, active, {}, {}, {}}, {4, 9, 0, 3}, CellBudget{});
  QCOMPARE(r.cellRows, 0);
  QVERIFY(r.active.empty());
}

void TestUiMaskRaster::blockSizesKeepALongAxisReadable() {
  const CellBudget budget{1024, 256};
  QCOMPARE(budget.blockSize(1), int64_t(1));
  QCOMPARE(budget.blockSize(1024), int64_t(1));
  QCOMPARE(budget.blockSize(1025), int64_t(5));
  QCOMPARE(budget.blockSize(65536), int64_t(256));
  QCOMPARE(budget.blockSize(65537), int64_t(257));
}

QTEST_APPLESS_MAIN(TestUiMaskRaster)
#include "tst_ui_mask_raster.moc"
