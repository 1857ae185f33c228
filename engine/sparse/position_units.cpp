#include "sparse/position_units.h"

namespace ss {

void PositionScorer::addRow(int row, std::span<const int> columns, std::span<const float> values) {
  const int64_t rowStart = int64_t(row) * cols_;
  forEachEntry(columns, values, [&](int c, float v) { sink_.take(rowStart + c, rankKey(std::abs(double(v))), 0); });
}

int PositionUnits::randomChoice(int64_t, Rng& rng) const {
  rng.uniform(0.0f, 1.0f);
  return 0;
}

std::unique_ptr<UnitScorer> PositionUnits::scorer(UnitSink& sink) const {
  return std::make_unique<PositionScorer>(g_.cols, sink);
}

int64_t PositionUnits::keptInClass(int64_t, double density) const {
  return std::llround(density * double(g_.rows) * g_.cols);
}

}  // namespace ss
