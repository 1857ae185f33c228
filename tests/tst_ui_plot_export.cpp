// Any plot saves as PNG, SVG or PDF by the file's extension; the SVG is a vector drawing that still holds the
// plot's curves as paths, in their colours.
#include <qcustomplot.h>

#include <QXmlStreamReader>
#include <QtTest>

#include "plot_interaction.h"

using namespace ss;

namespace {

// A titled plot with one curve of `points` points, sized as it would be on screen.
QCustomPlot* curvePlot(QWidget* parent, int points) {
  QCustomPlot* plot = ui::makeTitledPlot(parent, "exportPlot", "Accuracy", "epoch", "accuracy (%)");
  plot->resize(640, 400);
  QCPGraph* g = plot->addGraph();
  g->setName("test");
  g->setPen(QPen(QColor::fromRgb(ui::seriesRgb(ui::SeriesColour::Vermillion)), 2));
  for (int i = 1; i <= points; ++i) g->addData(i, 50.0 + 3.0 * i);
  plot->rescaleAxes();
  plot->replot();
  return plot;
}

struct SvgSummary {
  QString root;
  int curvePoints = 0;  // points of the longest polyline or path stroked in the curve's colour
  bool hasTitle = false;
};

int pointCount(const QString& coordinates) {
  return int(coordinates.split(QRegularExpression("[\\s]+"), Qt::SkipEmptyParts).size());
}

SvgSummary readSvg(const QString& path, const QString& curveColour) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  SvgSummary summary;
  QXmlStreamReader xml(&file);
  QString stroke;  // QSvgGenerator puts the pen on an enclosing <g>
  QStringList strokes;
  while (!xml.atEnd()) {
    const auto token = xml.readNext();
    if (token == QXmlStreamReader::EndElement && xml.name() == QLatin1String("g")) {
      strokes.removeLast();
      continue;
    }
    if (token != QXmlStreamReader::StartElement) continue;
    if (summary.root.isEmpty()) summary.root = xml.name().toString();
    const auto attributes = xml.attributes();
    if (xml.name() == QLatin1String("g")) {
      strokes << (attributes.hasAttribute("stroke") ? attributes.value("stroke").toString()
                                                    : (strokes.isEmpty() ? QString() : strokes.last()));
      continue;
    }
    stroke = attributes.hasAttribute("stroke") ? attributes.value("stroke").toString()
                                               : (strokes.isEmpty() ? QString() : strokes.last());
    if (xml.name() == QLatin1String("text") && xml.readElementText().contains("Accuracy")) summary.hasTitle = true;
    if (stroke.compare(curveColour, Qt::CaseInsensitive) != 0) continue;
    if (xml.name() == QLatin1String("polyline"))
      summary.curvePoints = std::max(summary.curvePoints, pointCount(attributes.value("points").toString()));
  }
  if (xml.hasError()) summary.root = "invalid XML: " + xml.errorString();
  return summary;
}

}  // namespace

class TestUiPlotExport : public QObject {
  Q_OBJECT

 private slots:
  void savesByExtension_data();
  void savesByExtension();
  void svgHoldsTheCurveAsAPath();
};

void TestUiPlotExport::savesByExtension_data() {
  QTest::addColumn<QString>("name");
  QTest::addColumn<bool>("saved");
  QTest::addColumn<QByteArray>("magic");  // the file's first bytes
  QTest::newRow("png") << "plot.png" << true << QByteArray("\x89PNG");
  QTest::newRow("PNG capitals") << "plot.PNG" << true << QByteArray("\x89PNG");
  QTest::newRow("svg") << "plot.svg" << true << QByteArray("<?xml");
  QTest::newRow("pdf") << "plot.pdf" << true << QByteArray("%PDF");
  QTest::newRow("unknown extension") << "plot.bmpx" << false << QByteArray();
}

void TestUiPlotExport::savesByExtension() {
  QFETCH(QString, name);
  QFETCH(bool, saved);
  QFETCH(QByteArray, magic);
  QTemporaryDir dir;
  QWidget parent;
  const QString path = dir.filePath(name);
  QCOMPARE(ui::savePlot(curvePlot(&parent, 12), path), saved);
  QCOMPARE(QFileInfo::exists(path), saved);
  if (!saved) return;
  QFile file(path);
  QVERIFY(file.open(QIODevice::ReadOnly));
  QCOMPARE(file.read(magic.size()), magic);
}

void TestUiPlotExport::svgHoldsTheCurveAsAPath() {
  QTemporaryDir dir;
  QWidget parent;
  const QString path = dir.filePath("accuracy.svg");
  QVERIFY(ui::savePlot(curvePlot(&parent, 12), path));
  const SvgSummary svg = readSvg(path, "#d55e00");
  QCOMPARE(svg.root, QString("svg"));
  QCOMPARE(svg.curvePoints, 12);  // one vertex per data point, in the curve's own colour
  QVERIFY(svg.hasTitle);          // text stays text
}

QTEST_MAIN(TestUiPlotExport)
#include "tst_ui_plot_export.moc"
