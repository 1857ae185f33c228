#include "algorithms/gradient_growth.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ss {

void GradientGrowth::OutsideKept::take(int64_t unit, double key, int choice) {
  while (passed < kept.size() && kept[passed] < unit) ++passed;
  if (passed < kept.size() && kept[passed] == unit) return;
  next.take(unit, key, choice);
}

GradientGrowth::GradientGrowth(std::unique_ptr<const UnitLayout> layout, int cols, std::vector<int64_t> kept,
                               std::vector<std::pair<int64_t, int64_t>> quotas)
    : layout_(std::move(layout)),
      cols_(cols),
      kept_(std::move(kept)),
      quotas_(std::move(quotas)),
      best_(
          *layout_,
          {.groupOf = [this](int64_t unit) { return layout_->setOf(unit); },
           .quota =
               [this](int64_t set) {
                 const auto it = std::lower_bound(quotas_.begin(), quotas_.end(), std::pair<int64_t, int64_t>{set, 0});
                 return it != quotas_.end() && it->first == set ? it->second : int64_t(0);
               },
           .ranges = layout_->setsAreRanges()}),
      outside_(kept_, best_),
      scorer_(layout_->scorer(outside_)) {}

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
  return activeUnits * int64_t(sizeof(int64_t)) + count * int64_t(sizeof(BestUnits::Candidate)) +
         sets * int64_t(sizeof(std::pair<int64_t, int64_t>));
}

}  // namespace ss
