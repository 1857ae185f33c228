#pragma once

#include <cstddef>

class QCPAxis;
class QCustomPlot;
class QColor;
class QString;
class QWidget;

namespace ss::ui {

// Makes a plot explorable the same way everywhere: drag to pan, wheel to zoom (double-click resets to all
// data), click a legend entry to hide or show its curve, hover for the nearest point's value, and a
// right-click menu that saves the plot as PNG, SVG or PDF. Its colours follow the palette (plot_theme).
void makeInteractive(QCustomPlot* plot);

// A plot as every view builds one: object name, minimum size, a bold title row (none when title is empty),
// axis labels, a small translucent legend, and makeInteractive.
QCustomPlot* makeTitledPlot(QWidget* parent, const QString& objectName, const QString& title, const QString& xLabel,
                            const QString& yLabel, int minimumHeight = 220);

// Ticks at whole numbers only (multiples of 1, 2, 5, ...), for an axis of epochs or of a matrix's rows: "2.5" is
// neither an epoch nor a row.
void useWholeNumberTicks(QCPAxis* axis);

// Saves by the file's extension (.png, .svg or .pdf); false when the extension is unknown or writing fails.
bool savePlot(QCustomPlot* plot, const QString& path);

// A colour-blind-safe palette (Okabe and Ito) that reads on light and dark backgrounds.
enum class SeriesColour { Blue, Orange, Green, Vermillion, Purple, Sky, Yellow, Grey };
unsigned seriesRgb(SeriesColour c);
// The i-th of several runs or series, cycling through the eight colours in an order that keeps neighbours apart.
QColor runColour(size_t i);

}  // namespace ss::ui
