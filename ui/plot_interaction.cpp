#include "plot_interaction.h"

#include <qcustomplot.h>

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSvgGenerator>
#include <QToolTip>
#include <limits>

#include "plot_theme.h"

namespace ss::ui {

unsigned seriesRgb(SeriesColour c) {
  switch (c) {
    case SeriesColour::Blue:
      return 0x0072B2;
    case SeriesColour::Orange:
      return 0xE69F00;
    case SeriesColour::Green:
      return 0x009E73;
    case SeriesColour::Vermillion:
      return 0xD55E00;
    case SeriesColour::Purple:
      return 0xCC79A7;
    case SeriesColour::Sky:
      return 0x56B4E9;
    case SeriesColour::Yellow:
      return 0xF0E442;
    case SeriesColour::Grey:
      return 0x7F7F7F;
  }
  return 0x000000;
}

QColor runColour(size_t i) {
  static const SeriesColour kOrder[] = {SeriesColour::Blue,   SeriesColour::Vermillion, SeriesColour::Green,
                                        SeriesColour::Orange, SeriesColour::Purple,     SeriesColour::Sky,
                                        SeriesColour::Grey,   SeriesColour::Yellow};
  return QColor::fromRgb(seriesRgb(kOrder[i % 8]));
}

void useWholeNumberTicks(QCPAxis* axis) {
  QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
  ticker->setTickStep(1.0);
  ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
  axis->setTicker(ticker);
}

QCustomPlot* makeTitledPlot(QWidget* parent, const QString& objectName, const QString& title, const QString& xLabel,
                            const QString& yLabel, int minimumHeight) {
  auto* plot = new QCustomPlot(parent);
  plot->setObjectName(objectName);
  plot->setMinimumSize(320, minimumHeight);
  if (!title.isEmpty()) {
    plot->plotLayout()->insertRow(0);
    plot->plotLayout()->addElement(0, 0,
                                   new QCPTextElement(plot, title, QFont(plot->font().family(), 10, QFont::Bold)));
  }
  plot->xAxis->setLabel(xLabel);
  plot->yAxis->setLabel(yLabel);
  plot->legend->setVisible(true);
  plot->legend->setFont(QFont(plot->font().family(), 8));
  makeInteractive(plot);
  return plot;
}

namespace {

// Vector output through the same painter path as PDF, so lines, markers and text stay editable in an SVG editor.
bool saveSvg(QCustomPlot* plot, const QString& path) {
  QSvgGenerator svg;
  svg.setFileName(path);
  svg.setSize(plot->size());
  svg.setViewBox(plot->rect());
  svg.setTitle(plot->objectName());
  svg.setDescription(QObject::tr("Plot exported from SparseScope"));
  QCPPainter painter;
  if (!painter.begin(&svg)) return false;
  plot->toPainter(&painter, plot->width(), plot->height());
  return painter.end();
}

}  // namespace

bool savePlot(QCustomPlot* plot, const QString& path) {
  if (path.endsWith(".png", Qt::CaseInsensitive)) return plot->savePng(path, 0, 0, 2.0);
  if (path.endsWith(".svg", Qt::CaseInsensitive)) return saveSvg(plot, path);
  if (path.endsWith(".pdf", Qt::CaseInsensitive)) return plot->savePdf(path);
  return false;
}

namespace {

void showNearestPoint(QCustomPlot* plot, QMouseEvent* event) {
  // A plot without curves (a colour map) leaves the tooltip to its view, which may show one of its own.
  if (plot->graphCount() == 0) return;
  double bestDistance = 12.0;  // pixels: farther than this shows nothing
  QString text;
  for (int g = 0; g < plot->graphCount(); ++g) {
    QCPGraph* graph = plot->graph(g);
    if (!graph->visible() || graph->dataCount() == 0) continue;
    const double x = graph->keyAxis()->pixelToCoord(event->pos().x());
    auto it = graph->data()->findBegin(x);
    for (int k = 0; k < 2 && it != graph->data()->constEnd(); ++k, ++it) {
      const QPointF p = graph->coordsToPixels(it->key, it->value);
      const double d = std::hypot(p.x() - event->pos().x(), p.y() - event->pos().y());
      if (d < bestDistance) {
        bestDistance = d;
        text = QString("%1\n%2 = %3\n%4 = %5")
                   .arg(graph->name(), graph->keyAxis()->label(), QString::number(it->key, 'g', 5),
                        graph->valueAxis()->label(), QString::number(it->value, 'g', 5));
      }
    }
  }
  if (text.isEmpty())
    QToolTip::hideText();
  else
    QToolTip::showText(event->globalPosition().toPoint(), text, plot);
}

// A name typed without an extension takes the chosen filter's, so the file is saved in the format asked for.
void askAndSavePlot(QCustomPlot* plot) {
  QString filter;
  QString path =
      QFileDialog::getSaveFileName(plot, QObject::tr("Save plot"), plot->objectName() + ".png",
                                   QObject::tr("PNG image (*.png);;SVG image (*.svg);;PDF document (*.pdf)"), &filter);
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty()) path += filter.section("*", 1, 1).section(")", 0, 0);
  if (!savePlot(plot, path))
    QMessageBox::warning(plot, QObject::tr("Save plot"),
                         QObject::tr("Could not save %1: the name must end in .png, .svg or .pdf and the folder "
                                     "must be writable.")
                             .arg(path));
}

}  // namespace

void makeInteractive(QCustomPlot* plot) {
  followPalette(plot);
  plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom | QCP::iSelectLegend);
  plot->setContextMenuPolicy(Qt::CustomContextMenu);
  QObject::connect(plot, &QCustomPlot::mouseMove, plot, [plot](QMouseEvent* e) { showNearestPoint(plot, e); });
  QObject::connect(plot, &QCustomPlot::mouseDoubleClick, plot, [plot](QMouseEvent*) {
    plot->rescaleAxes(true);
    plot->replot();
  });
  QObject::connect(plot, &QCustomPlot::legendClick, plot,
                   [plot](QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
                     auto* entry = qobject_cast<QCPPlottableLegendItem*>(item);
                     if (!entry) return;
                     QCPAbstractPlottable* curve = entry->plottable();
                     curve->setVisible(!curve->visible());
                     plot->replot();  // the theme greys a hidden curve's entry
                   });
  QObject::connect(plot, &QWidget::customContextMenuRequested, plot, [plot](const QPoint& at) {
    QMenu menu(plot);
    menu.addAction(QObject::tr("Show all data"), plot, [plot] {
      plot->rescaleAxes(true);
      plot->replot();
    });
    menu.addAction(QObject::tr("Save plot as PNG, SVG or PDF..."), plot, [plot] { askAndSavePlot(plot); });
    menu.exec(plot->mapToGlobal(at));
  });
}

}  // namespace ss::ui
