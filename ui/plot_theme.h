#pragma once

class QColor;
class QCustomPlot;
class QPalette;

namespace ss::ui {

// Plots take their chrome from the application's palette: background from Base, axes, tick labels, titles and
// legend text from Text, the grid a quiet blend of the two. Data colours keep their hue but are lightened (on a
// dark background) or darkened (on a light one) until they stand out from it; the colours a view chose are
// remembered, so switching back and forth never drifts.
void applyPalette(QCustomPlot* plot, const QPalette& palette);

// applyPalette now and again whenever the plot's palette changes (the application's theme switched).
void followPalette(QCustomPlot* plot);

// `data` moved in lightness until its contrast ratio (WCAG) with `background` reaches 3:1, the figure for
// graphical objects.
QColor readableOn(const QColor& data, const QColor& background);

// WCAG's contrast ratio of two colours: 1 (the same luminance) to 21 (black on white).
double contrastRatio(const QColor& a, const QColor& b);

// `a` blended towards `b` by `share` (0: a, 1: b).
QColor blend(const QColor& a, const QColor& b, double share);

}  // namespace ss::ui
