#pragma once

#include <QColor>
#include <cstddef>

namespace ss::ui {

// The colour of the memory model's line at `index` (in MemoryEstimate::lines' order), the same in the project editor's
// bars and the dashboard's memory plot.
QColor memoryLineColour(size_t index);

}  // namespace ss::ui
