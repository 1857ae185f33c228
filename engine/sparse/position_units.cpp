#include "sparse/position_units.h"

namespace ss {

void PositionScorer::addRow(int row, std::span<const int> columns, std::span<const float> values) {
  const int64_t rowStart = int64_t(row) * cols_;
  row_.clear();
  forEachEntry(columns, values, [&](int c, float v) {
    row_.push_back({rankKey(std::abs(double(v))), rowStart + c, 0});
  });
  sink_.take(row_);
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
