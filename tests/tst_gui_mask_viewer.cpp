// The mask viewer on layers far larger than a screen: drawn in blocks of weights from the snapshot's positions,
// zoomed in down to single weights, coloured by the last mutation and by |w|. The layers are written to a store
// directly, as a run of a model too large to train in a test would log them.
// Set SPARSESCOPE_SCREENSHOT_DIR to keep PNGs of the viewer for review.
#include <qcustomplot.h>

#include <QtTest>
#include <cmath>
#include <numeric>
#include <random>

#include "mask_viewer.h"
#include "store/run_store.h"
#include "test_palettes.h"

using namespace ss;

namespace {

constexpr int kRows = 20000, kCols = 30000;  // 600 M weights: 600 MB as a byte per weight, 75 MB as bits

// A layer whose density rises down the rows and falls across the columns, as an algorithm that favours some
// units leaves it, with |w| growing across the columns: structure a picture of it should show.
MaskSnapshotRecord structuredLayer(const std::string& layer, int rows, int cols, double density, uint64_t seed) {
  MaskSnapshotRecord m;
  m.layer = layer;
  m.rows = rows;
  m.cols = cols;
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int r = 0; r < rows; ++r) {
    const double rowDensity = density * (0.2 + 1.6 * r / rows);
    std::geometric_distribution<int64_t> gap(std::min(1.0, rowDensity * 1.5));
    for (int64_t c = gap(gen); c < cols; c += 1 + gap(gen)) {
      if (unit(gen) > 1.0 - 0.6 * c / cols) continue;  // thinner towards the right
      m.positions.push_back(int64_t(r) * cols + c);
      m.magnitudes.push_back(float(0.02 + 0.1 * c / cols + 0.03 * unit(gen)));
    }
  }
  m.active = int64_t(m.positions.size());
  return m;
}

// The mutation a drop-and-grow algorithm would log: a third of the weights in the left third dropped, as many
// grown in the right third.
std::pair<MaskSnapshotRecord, MaskChangeEvent> mutated(const MaskSnapshotRecord& before, int64_t step) {
  MaskChangeEvent e;
  e.layer = before.layer;
  e.epoch = 2;
  e.step = step;
  e.rows = before.rows;
  e.cols = before.cols;
  std::mt19937_64 gen(7);
  for (size_t k = 0; k < before.positions.size(); ++k)
    if (before.positions[k] % before.cols < before.cols / 3 && gen() % 3 == 0)
      e.droppedPositions.push_back(before.positions[k]);
  std::uniform_int_distribution<int64_t> where(0, int64_t(before.rows) * before.cols - 1);
  std::vector<int64_t> grown;
  while (grown.size() < e.droppedPositions.size()) {
    const int64_t p = where(gen);
    if (p % before.cols >= 2 * before.cols / 3 &&
        !std::binary_search(before.positions.begin(), before.positions.end(), p))
      grown.push_back(p);
  }
  std::sort(grown.begin(), grown.end());
  grown.erase(std::unique(grown.begin(), grown.end()), grown.end());
  e.grownPositions = grown;
  MaskSnapshotRecord after = before;
  after.step = step;
  after.epoch = 2;
  after.positions.clear();
  after.magnitudes.clear();
  size_t d = 0;
  for (size_t k = 0; k < before.positions.size(); ++k) {
    if (d < e.droppedPositions.size() && e.droppedPositions[d] == before.positions[k]) {
      ++d;
      continue;
    }
    after.positions.push_back(before.positions[k]);
    after.magnitudes.push_back(before.magnitudes[k]);
  }
  for (int64_t p : grown) {
    after.positions.insert(std::lower_bound(after.positions.begin(), after.positions.end(), p), p);
  }
  after.magnitudes.resize(after.positions.size(), 0.01f);
  after.active = int64_t(after.positions.size());
  e.dropped = int64_t(e.droppedPositions.size());
  e.grown = int64_t(e.grownPositions.size());
  e.activeAfter = after.active;
  return {after, e};
}

int64_t sum(const std::vector<int32_t>& counts) {
  return std::accumulate(counts.begin(), counts.end(), int64_t(0));
}

void screenshot(QWidget& view, const QString& name) {
  const QByteArray shots = qgetenv("SPARSESCOPE_SCREENSHOT_DIR");
  if (shots.isEmpty()) return;
  QTest::qWait(50);  // the queued replot
  QVERIFY(view.grab().save(QString::fromUtf8(shots) + "/" + name + ".png"));
}

}  // namespace

class TestGuiMaskViewer : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void init();
  void aLargeLayerIsDrawnInBlocksOfWeights();
  void zoomingIntoALargeLayerDrawsSingleWeights();
  void aWideLayerKeepsItsRowsAndBlocksItsColumns();
  void magnitudesOfALargeLayerAreBlockMeans();
  void hoveringABlockTellsWhatItHolds();
  void aSmallLayerIsOneCellPerWeight();

 private:
  QTemporaryDir dir_;
  QString db_;
  int64_t largeRun_ = 0, smallRun_ = 0;
  MaskSnapshotRecord start_, after_, wide_;
  MaskChangeEvent change_;
  std::unique_ptr<ui::MaskViewer> viewer_;
};

void TestGuiMaskViewer::initTestCase() {
  db_ = dir_.filePath("large.db");
  RunStore store(db_.toStdString());
  largeRun_ = store.beginRun("large", "{}", 1, 1);
  start_ = structuredLayer("fc2", kRows, kCols, 0.001, 1);
  std::tie(after_, change_) = mutated(start_, 500);
  store.logMaskSnapshot(largeRun_, start_);
  store.logMaskChange(largeRun_, change_);
  store.logMaskSnapshot(largeRun_, after_);
  wide_ = structuredLayer("fc3", 3, kRows, 0.05, 2);
  store.logMaskSnapshot(largeRun_, wide_);
  store.endRun(largeRun_, RunStatus::Finished, "", 0.5);

  smallRun_ = store.beginRun("small", "{}", 1, 1);
  const MaskSnapshotRecord small = structuredLayer("fc1", 64, 96, 0.25, 3);
  const auto [smallAfter, smallChange] = mutated(small, 40);
  store.logMaskSnapshot(smallRun_, small);
  store.logMaskChange(smallRun_, smallChange);
  store.logMaskSnapshot(smallRun_, smallAfter);
  store.endRun(smallRun_, RunStatus::Finished, "", 0.5);
}

void TestGuiMaskViewer::init() {
  viewer_ = std::make_unique<ui::MaskViewer>();
  viewer_->resize(1280, 800);
  viewer_->show();
  QVERIFY(QTest::qWaitForWindowExposed(viewer_.get()));
}

void TestGuiMaskViewer::aLargeLayerIsDrawnInBlocksOfWeights() {
  ui::MaskViewer& viewer = *viewer_;
  viewer.showRun(db_, largeRun_);
  viewer.selectLayer("fc2");
  QCOMPARE(viewer.snapshotCount(), 2);
  viewer.selectSnapshot(1);
  const ui::MaskRaster& r = viewer.shownRaster();
  QVERIFY(!r.perWeight());
  QCOMPARE(r.window, (ui::WeightWindow{0, kRows, 0, kCols}));
  QCOMPARE(r.blockRows, int64_t(79));   // 20000 rows in 254 cells
  QCOMPARE(r.blockCols, int64_t(118));  // 30000 columns in 255
  QVERIFY(r.cellRows <= 256 && r.cellCols <= 256);
  // Every weight counted once, the mutation's too: the blocks are the layer, only coarser.
  QCOMPARE(sum(r.active), after_.active);
  QCOMPARE(sum(r.grown), change_.grown);
  QCOMPARE(sum(r.dropped), change_.dropped);
  QCOMPARE(viewer.shownActiveCount(), after_.active);
  QVERIFY(viewer.cellStates().empty());  // not one cell per weight
  QVERIFY2(viewer.caption().contains("20000 x 30000") && viewer.caption().contains("dropped"),
           qPrintable(viewer.caption()));
  screenshot(viewer, "masks-large-blocks");
  // The left third lost weights and the right third gained them: the blocks' hues say so.
  viewer.plot()->replot();
  const QImage shot = viewer.plot()->toPixmap().toImage();
  // Green minus red, averaged over a patch of the plot around a weight: below zero reddish, above it greenish.
  auto hueAt = [&](double col, double row) {
    const int x = int(viewer.plot()->xAxis->coordToPixel(col)), y = int(viewer.plot()->yAxis->coordToPixel(row));
    double hue = 0;
    for (int dy = -7; dy <= 7; ++dy)
      for (int dx = -7; dx <= 7; ++dx) {
        const QColor c = shot.pixelColor(x + dx, y + dy);
        hue += (c.greenF() - c.redF()) / 225.0;
      }
    return hue;
  };
  const double left = hueAt(kCols / 6.0, kRows * 0.8), middle = hueAt(kCols / 2.0, kRows * 0.8),
               right = hueAt(kCols * 5 / 6.0, kRows * 0.8);
  QVERIFY2(left < middle - 0.03 && right > middle + 0.03,
           qPrintable(QString("%1 %2 %3").arg(left).arg(middle).arg(right)));
  // Under a dark theme the blocks take the palette's colours: dense ones light on the dark background.
  const QPalette light = QApplication::palette();
  QApplication::setPalette(darkTestPalette());
  QCoreApplication::processEvents();
  viewer.plot()->replot();
  const QImage dark = viewer.plot()->toPixmap().toImage();
  const QColor dense = dark.pixelColor(int(viewer.plot()->xAxis->coordToPixel(kCols / 2.0)),
                                       int(viewer.plot()->yAxis->coordToPixel(kRows - 100.0)));
  QVERIFY2(dense.lightnessF() > darkTestPalette().color(QPalette::Base).lightnessF() + 0.2, qPrintable(dense.name()));
  screenshot(viewer, "masks-large-blocks-dark");
  QApplication::setPalette(light);
  QCoreApplication::processEvents();

  viewer.selectSnapshot(0);
  QCOMPARE(sum(viewer.shownRaster().active), start_.active);
  QCOMPARE(sum(viewer.shownRaster().grown), int64_t(0));  // the start: no mutation made it
}

void TestGuiMaskViewer::zoomingIntoALargeLayerDrawsSingleWeights() {
  ui::MaskViewer& viewer = *viewer_;
  viewer.showRun(db_, largeRun_);
  viewer.selectLayer("fc2");
  viewer.selectSnapshot(1);
  // Zoomed to rows 15000..15079 and columns 25000..25119, as the wheel would: the part shown is drawn again.
  viewer.plot()->xAxis->setRange(25000 - 0.5, 25120 - 0.5);
  viewer.plot()->yAxis->setRange(15000 - 0.5, 15080 - 0.5);
  QTRY_VERIFY(viewer.shownRaster().perWeight());
  QCOMPARE(viewer.shownRaster().window, (ui::WeightWindow{15000, 15080, 25000, 25120}));
  int64_t inWindow = 0, grownInWindow = 0;
  auto inside = [](int64_t p) {
    const int64_t row = p / kCols, col = p % kCols;
    return row >= 15000 && row < 15080 && col >= 25000 && col < 25120;
  };
  for (int64_t p : after_.positions) inWindow += inside(p);
  for (int64_t p : change_.grownPositions) grownInWindow += inside(p);
  QVERIFY(inWindow > 0 && grownInWindow > 0);
  QCOMPARE(viewer.shownActiveCount(), inWindow);
  const std::vector<uint8_t> states = viewer.cellStates();
  QCOMPARE(states.size(), size_t(80 * 120));
  QCOMPARE(int64_t(std::count(states.begin(), states.end(), 2)), grownInWindow);
  screenshot(viewer, "masks-large-zoomed");
  // A double click shows the whole layer again, in blocks.
  QTest::mouseDClick(viewer.plot(), Qt::LeftButton, {}, viewer.plot()->rect().center());
  QTRY_VERIFY(!viewer.shownRaster().perWeight());
  QCOMPARE(viewer.shownRaster().window, (ui::WeightWindow{0, kRows, 0, kCols}));
}

void TestGuiMaskViewer::aWideLayerKeepsItsRowsAndBlocksItsColumns() {
  ui::MaskViewer& viewer = *viewer_;
  viewer.showRun(db_, largeRun_);
  viewer.selectLayer("fc3");
  const ui::MaskRaster& r = viewer.shownRaster();
  QCOMPARE(r.blockRows, int64_t(1));
  QCOMPARE(r.cellRows, 3);
  QCOMPARE(r.blockCols, int64_t(79));
  QCOMPARE(sum(r.active), wide_.active);
  screenshot(viewer, "masks-wide");
}

void TestGuiMaskViewer::magnitudesOfALargeLayerAreBlockMeans() {
  ui::MaskViewer& viewer = *viewer_;
  viewer.showRun(db_, largeRun_);
  viewer.selectLayer("fc2");
  viewer.selectSnapshot(0);
  QVERIFY(viewer.showWeightMagnitudes(true));
  const ui::MaskRaster& r = viewer.shownRaster();
  QVERIFY(!r.perWeight());
  QCOMPARE(r.magnitudeSum.size(), r.active.size());
  // Any weight can still be asked for: found among the snapshot's positions, not in a dense array.
  const float largest = *std::max_element(start_.magnitudes.begin(), start_.magnitudes.end());
  for (size_t k : {size_t(0), start_.positions.size() / 2, start_.positions.size() - 1}) {
    const int64_t p = start_.positions[k];
    QVERIFY(std::abs(viewer.shownMagnitude(int(p / kCols), int(p % kCols)) - start_.magnitudes[k]) <= largest / 255.0f);
  }
  int64_t inactive = 1;
  while (std::binary_search(start_.positions.begin(), start_.positions.end(), inactive)) ++inactive;
  QCOMPARE(viewer.shownMagnitude(int(inactive / kCols), int(inactive % kCols)), 0.0f);
  QVERIFY2(viewer.caption().contains("mean of a block of 79 x 118 weights"), qPrintable(viewer.caption()));
  screenshot(viewer, "masks-large-magnitudes");
  QVERIFY(viewer.showWeightMagnitudes(false));
}

void TestGuiMaskViewer::hoveringABlockTellsWhatItHolds() {
  ui::MaskViewer& viewer = *viewer_;
  viewer.showRun(db_, largeRun_);
  viewer.selectLayer("fc2");
  viewer.selectSnapshot(1);
  // Row 15000 falls in the block of rows 14931..15009 (79 rows each), column 25000 in columns 24898..25015.
  const ui::MaskRaster& r = viewer.shownRaster();
  const size_t cell = r.cell(15000 / 79, 25000 / 118);
  const QString text = viewer.describeCellAt(15000, 25000);
  QVERIFY2(text.startsWith(
               QString("rows 14931 to 15009, columns 24898 to 25015: %1 of 9322 weights active").arg(r.active[cell])),
           qPrintable(text));
  QVERIFY2(text.contains(QString("this mutation grew %1").arg(r.grown[cell])), qPrintable(text));
  QVERIFY(viewer.describeCellAt(kRows, 0).isEmpty());
  viewer.selectSnapshot(0);
  QVERIFY(!viewer.describeCellAt(15000, 25000).contains("mutation"));
}

void TestGuiMaskViewer::aSmallLayerIsOneCellPerWeight() {
  ui::MaskViewer& viewer = *viewer_;
  viewer.showRun(db_, smallRun_);
  QCOMPARE(viewer.layers(), QStringList{"fc1"});
  viewer.selectSnapshot(1);
  const ui::MaskRaster& r = viewer.shownRaster();
  QVERIFY(r.perWeight());
  QCOMPARE(r.cellRows, 64);
  QCOMPARE(r.cellCols, 96);
  QCOMPARE(viewer.cellStates().size(), size_t(64 * 96));
  screenshot(viewer, "masks-small");
}

QTEST_MAIN(TestGuiMaskViewer)
#include "tst_gui_mask_viewer.moc"
