// Plots, the mask viewer and the example thumbnails take their colours from the application's palette, so a
// dark theme gives dark plots with light axes and text, and data colours that still stand out.
#include <qcustomplot.h>

#include <QApplication>
#include <QtTest>

#include "mask_viewer.h"
#include "plot_interaction.h"
#include "plot_theme.h"
#include "test_palettes.h"
#include "training_dashboard.h"

using namespace ss;

namespace {

// Switches the application's palette for one test and back at its end.
struct PaletteScope {
  QPalette before = QApplication::palette();
  explicit PaletteScope(const QPalette& p) {
    QApplication::setPalette(p);
    QCoreApplication::processEvents();
  }
  ~PaletteScope() {
    QApplication::setPalette(before);
    QCoreApplication::processEvents();
  }
};

}  // namespace

class TestUiPlotTheme : public QObject {
  Q_OBJECT

 private slots:
  void contrastRatioSpansOneToTwentyOne();
  void dataColoursStandOutFromTheBackground_data();
  void dataColoursStandOutFromTheBackground();
  void dashboardPlotsFollowADarkPalette();
  void plotsReturnToTheirColoursWithALightPalette();
  void maskViewerDrawsInactiveCellsNearTheBackground();
};

void TestUiPlotTheme::contrastRatioSpansOneToTwentyOne() {
  QCOMPARE(ui::contrastRatio(Qt::black, Qt::white), 21.0);
  QCOMPARE(ui::contrastRatio(Qt::white, Qt::black), 21.0);
  QCOMPARE(ui::contrastRatio(QColor(120, 30, 200), QColor(120, 30, 200)), 1.0);
  QVERIFY(std::abs(ui::contrastRatio(QColor(0x76, 0x76, 0x76), Qt::white) - 4.54) < 0.01);  // WCAG's AA grey
}

void TestUiPlotTheme::dataColoursStandOutFromTheBackground_data() {
  QTest::addColumn<QColor>("data");
  QTest::addColumn<QColor>("background");
  const QColor white(255, 255, 255), dark(35, 35, 35);
  for (int c = 0; c < 8; ++c) {
    const QColor colour = ui::runColour(size_t(c));
    QTest::addRow("%s on white", qPrintable(colour.name())) << colour << white;
    QTest::addRow("%s on dark grey", qPrintable(colour.name())) << colour << dark;
  }
}

void TestUiPlotTheme::dataColoursStandOutFromTheBackground() {
  QFETCH(QColor, data);
  QFETCH(QColor, background);
  const QColor shown = ui::readableOn(data, background);
  QVERIFY2(ui::contrastRatio(shown, background) >= 3.0, qPrintable(shown.name()));
  if (ui::contrastRatio(data, background) >= 3.0) QCOMPARE(shown.name(), data.name());   // left alone when it reads
  if (data.hslSaturation() > 0) QVERIFY(std::abs(shown.hslHue() - data.hslHue()) <= 2);  // same hue, lighter
}

void TestUiPlotTheme::dashboardPlotsFollowADarkPalette() {
  ui::TrainingDashboard dashboard;
  dashboard.resize(1280, 800);
  dashboard.show();
  const QPalette dark = darkTestPalette();
  PaletteScope scope(dark);
  const QColor base = dark.color(QPalette::Base), text = dark.color(QPalette::Text);
  for (QCustomPlot* plot : {dashboard.accuracyPlot(), dashboard.lossPlot(), dashboard.memoryPlot()}) {
    plot->replot();
    QCOMPARE(plot->xAxis->basePen().color(), text);
    QCOMPARE(plot->yAxis->tickLabelColor(), text);
    QCOMPARE(plot->xAxis->labelColor(), text);
    QCOMPARE(plot->legend->textColor(), text);
    QVERIFY(plot->legend->brush().color().lightness() < 80);
    for (int g = 0; g < plot->graphCount(); ++g)
      QVERIFY2(ui::contrastRatio(plot->graph(g)->pen().color(), base) >= 3.0, qPrintable(plot->graph(g)->name()));
    const QImage shot = plot->toPixmap(400, 300).toImage();
    QCOMPARE(shot.pixelColor(2, 2), base);  // what is drawn, not only what is set
  }
}

void TestUiPlotTheme::plotsReturnToTheirColoursWithALightPalette() {
  QWidget parent;
  QCustomPlot* plot = ui::makeTitledPlot(&parent, "navy", "Navy", "x", "y");
  parent.show();
  const QColor navy(30, 30, 110);  // reads on white, vanishes on dark grey
  plot->addGraph()->setPen(QPen(navy, 2));
  plot->graph(0)->addData({1, 2, 3}, {1, 4, 9});
  plot->replot();
  QCOMPARE(plot->graph(0)->pen().color(), navy);
  {
    PaletteScope scope(darkTestPalette());
    plot->replot();
    QVERIFY(ui::contrastRatio(plot->graph(0)->pen().color(), darkTestPalette().color(QPalette::Base)) >= 3.0);
  }
  plot->replot();
  QCOMPARE(plot->graph(0)->pen().color(), navy);  // the view's own colour, not a drift from the dark one
  QCOMPARE(plot->toPixmap(400, 300).toImage().pixelColor(2, 2), QApplication::palette().color(QPalette::Base));
  QCOMPARE(plot->xAxis->basePen().color(), QApplication::palette().color(QPalette::Text));
}

void TestUiPlotTheme::maskViewerDrawsInactiveCellsNearTheBackground() {
  ui::MaskViewer viewer;
  viewer.show();
  for (const QPalette& palette : {QApplication::palette(), darkTestPalette()}) {
    PaletteScope scope(palette);
    auto* map = qobject_cast<QCPColorMap*>(viewer.plot()->plottable(0));
    QVERIFY(map);
    const QColor base = palette.color(QPalette::Base);
    const QColor inactive = QColor::fromRgb(map->gradient().color(0, QCPRange(0, 3)));
    const QColor active = QColor::fromRgb(map->gradient().color(1, QCPRange(0, 3)));
    QVERIFY2(ui::contrastRatio(inactive, base) < 1.3, qPrintable(inactive.name()));
    QVERIFY2(ui::contrastRatio(active, base) > 7.0, qPrintable(active.name()));
    viewer.plot()->replot();
    QCOMPARE(viewer.plot()->toPixmap(400, 300).toImage().pixelColor(2, 2), base);
  }
}

QTEST_MAIN(TestUiPlotTheme)
#include "tst_ui_plot_theme.moc"
