#include "algorithms/gradient_growth.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ss {

GradientGrowth::GradientGrowth(std::unique_ptr<const UnitLayout> layout, int cols, std::vector<int64_t> kept,
                               std::vector<std::pair<int64_t, int64_t>> quotas)
    : layout_(std::move(layout)),
      cols_(cols),
      best_(BestUnits::perSet(*layout_, std::move(quotas), std::move(kept))),
      scorer_(layout_->scorer(best_)) {}

void GradientGrowth::addRows(int firstRow, const Eigen::Ref<const Matrix>& rows) {
  if (rows.cols() != cols_)
    throw std::logic_error("GradientGrowth: rows of " + std::to_string(rows.cols()) + " columns, the layer has " +
                           std::to_string(cols_));
  for (Eigen::Index r = 0; r < rows.rows(); ++r)
    scorer_->addRow(firstRow + int(r), {}, std::span<const float>(rows.row(r).data(), size_t(rows.cols())));
}

std::vector<int64_t> GradientGrowth::grownPositions() {
  scorer_->finish();
  return best_.positions();
}

int64_t GradientGrowth::bytesFor(int64_t activeUnits, int64_t count, int64_t sets) {
  return activeUnits * int64_t(sizeof(int64_t)) + count * int64_t(sizeof(ScoredUnit)) +
         sets * int64_t(sizeof(std::pair<int64_t, int64_t>));
}

}  // namespace ss
