#include "memory_line_colours.h"

#include "plot_interaction.h"

namespace ss::ui {

QColor memoryLineColour(size_t index) {
  // parameters, index data, gradients, optimizer state, activations, working buffers, algorithm transient,
  // checkpoint and snapshots; the data set, often the largest, in a light grey that lets the others stand out.
  static const SeriesColour kColours[] = {SeriesColour::Blue,       SeriesColour::Orange, SeriesColour::Green,
                                          SeriesColour::Purple,     SeriesColour::Grey,   SeriesColour::Sky,
                                          SeriesColour::Vermillion, SeriesColour::Yellow};
  if (index < std::size(kColours)) return QColor::fromRgb(seriesRgb(kColours[index]));
  return QColor::fromRgb(seriesRgb(SeriesColour::Grey)).lighter(150);
}

}  // namespace ss::ui
