#include "plot_theme.h"

#include <qcustomplot.h>

#include <QEvent>
#include <QPalette>
#include <cmath>

namespace ss::ui {

namespace {

double channelLuminance(double c) {
  return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

double luminance(const QColor& c) {
  return 0.2126 * channelLuminance(c.redF()) + 0.7152 * channelLuminance(c.greenF()) +
         0.0722 * channelLuminance(c.blueF());
}

// The colour a view gave, remembered the first time the theme sees it, so every theme starts from that colour.
QColor chosen(QObject* holder, const char* key, const QColor& current) {
  const QVariant remembered = holder->property(key);
  if (remembered.isValid()) return remembered.value<QColor>();
  holder->setProperty(key, current);
  return current;
}

// A data colour that reads on the background, from the colour the view chose, its transparency kept.
QColor dataColour(QObject* holder, const char* key, const QColor& current, const QColor& background) {
  const QColor c = chosen(holder, key, current);
  QColor readable = readableOn(c, background);
  readable.setAlpha(c.alpha());
  return readable;
}

QPen dataPen(QObject* holder, const char* key, QPen pen, const QColor& background) {
  if (pen.style() != Qt::NoPen) pen.setColor(dataColour(holder, key, pen.color(), background));
  return pen;
}

QBrush dataBrush(QObject* holder, const char* key, QBrush brush, const QColor& background) {
  if (brush.style() != Qt::NoBrush) brush.setColor(dataColour(holder, key, brush.color(), background));
  return brush;
}

void themeAxis(QCPAxis* axis, const QColor& text, const QColor& grid, const QColor& subGrid) {
  for (auto set : {&QCPAxis::setBasePen, &QCPAxis::setTickPen, &QCPAxis::setSubTickPen}) (axis->*set)(QPen(text));
  axis->setTickLabelColor(text);
  axis->setLabelColor(text);
  axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
  axis->grid()->setSubGridPen(QPen(subGrid, 1, Qt::DotLine));
  axis->grid()->setZeroLinePen(QPen(grid, 1, Qt::SolidLine));
}

void themeLegend(QCPLegend* legend, const QPalette& palette) {
  QColor back = palette.color(QPalette::Base);
  back.setAlpha(210);
  legend->setBrush(back);
  legend->setBorderPen(QPen(blend(palette.color(QPalette::Base), palette.color(QPalette::Text), 0.5)));
  legend->setTextColor(palette.color(QPalette::Text));
  for (int i = 0; i < legend->itemCount(); ++i) {
    QCPAbstractLegendItem* item = legend->item(i);
    if (!item) continue;  // an empty cell of a legend wrapped into columns
    auto* entry = qobject_cast<QCPPlottableLegendItem*>(item);
    const bool shown = !entry || entry->plottable()->visible();  // a hidden curve's entry is greyed
    item->setTextColor(palette.color(shown ? QPalette::Active : QPalette::Disabled, QPalette::Text));
  }
}

// Re-applies the palette when it changes; the replot that follows re-themes through beforeReplot.
class PaletteFollower : public QObject {
 public:
  using QObject::QObject;
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (event->type() == QEvent::PaletteChange)
      if (auto* plot = qobject_cast<QCustomPlot*>(watched)) plot->replot(QCustomPlot::rpQueuedReplot);
    return false;
  }
};

}  // namespace

QColor blend(const QColor& a, const QColor& b, double share) {
  return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * share),
                          float(a.greenF() + (b.greenF() - a.greenF()) * share),
                          float(a.blueF() + (b.blueF() - a.blueF()) * share));
}

double contrastRatio(const QColor& a, const QColor& b) {
  const double la = luminance(a), lb = luminance(b);
  return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QColor readableOn(const QColor& data, const QColor& background) {
  const bool lighten = luminance(background) < 0.18;
  QColor c = data.toHsl();
  for (int step = 0; step < 50 && contrastRatio(c, background) < 3.0; ++step) {
    c.setHslF(c.hslHueF(), c.hslSaturationF(), std::clamp(c.lightnessF() + (lighten ? 0.02f : -0.02f), 0.0f, 1.0f));
  }
  return c.toRgb();
}

void applyPalette(QCustomPlot* plot, const QPalette& palette) {
  const QColor base = palette.color(QPalette::Base), text = palette.color(QPalette::Text);
  plot->setBackground(base);
  const QColor grid = blend(base, text, 0.25), subGrid = blend(base, text, 0.12);
  for (QCPAxisRect* rect : plot->axisRects())
    for (QCPAxis* axis : rect->axes()) themeAxis(axis, text, grid, subGrid);
  for (QCPLayoutElement* element : plot->plotLayout()->elements(true)) {
    if (auto* title = qobject_cast<QCPTextElement*>(element)) title->setTextColor(text);
    if (auto* legend = qobject_cast<QCPLegend*>(element)) themeLegend(legend, palette);
    // A colour scale's axis lives in an axis rect of its own, which axisRects() does not list.
    if (auto* scale = qobject_cast<QCPColorScale*>(element)) themeAxis(scale->axis(), text, grid, subGrid);
  }
  for (QCPAxisRect* rect : plot->axisRects())  // legends inset in an axis rect
    for (QCPLayoutElement* element : rect->insetLayout()->elements(true))
      if (auto* legend = qobject_cast<QCPLegend*>(element)) themeLegend(legend, palette);
  for (int i = 0; i < plot->plottableCount(); ++i) {
    QCPAbstractPlottable* p = plot->plottable(i);
    p->setPen(dataPen(p, "ssChosenPen", p->pen(), base));
    p->setBrush(dataBrush(p, "ssChosenBrush", p->brush(), base));
    if (auto* graph = qobject_cast<QCPGraph*>(p); graph && graph->scatterStyle().isPenDefined()) {
      QCPScatterStyle scatter = graph->scatterStyle();
      scatter.setPen(dataPen(graph, "ssChosenScatterPen", scatter.pen(), base));
      graph->setScatterStyle(scatter);
    }
  }
  for (int i = 0; i < plot->itemCount(); ++i) {
    if (auto* line = qobject_cast<QCPItemStraightLine*>(plot->item(i)))
      line->setPen(dataPen(line, "ssChosenPen", line->pen(), base));
  }
}

void followPalette(QCustomPlot* plot) {
  plot->installEventFilter(new PaletteFollower(plot));
  // Views add curves long after the plot is made; theming just before each replot catches every one.
  QObject::connect(plot, &QCustomPlot::beforeReplot, plot, [plot] { applyPalette(plot, plot->palette()); });
  applyPalette(plot, plot->palette());
}

}  // namespace ss::ui
