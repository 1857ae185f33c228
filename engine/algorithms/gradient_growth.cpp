#include "algorithms/gradient_growth.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "sparse/random_positions.h"
#include "sparse/scheme.h"

namespace ss {

GradientGrowth::GradientGrowth(std::vector<int64_t> kept, int64_t count, int cols)
    : kept_(std::move(kept)), count_(std::max<int64_t>(count, 0)), cols_(cols) {
  best_.reserve(size_t(count_));
}

void GradientGrowth::addRows(int firstRow, const Eigen::Ref<const Matrix>& rows) {
  if (rows.cols() != cols_)
    throw std::logic_error("GradientGrowth: rows of " + std::to_string(rows.cols()) + " columns, the layer has " +
                           std::to_string(cols_));
  if (count_ == 0) return;
  const auto worse = [](const Candidate& a, const Candidate& b) { return better(a, b); };
  for (Eigen::Index r = 0; r < rows.rows(); ++r) {
    const int64_t rowStart = (int64_t(firstRow) + r) * cols_;
    const float* g = rows.row(r).data();
    for (int c = 0; c < cols_; ++c) {
      const int64_t p = rowStart + c;
      while (nextKept_ < kept_.size() && kept_[nextKept_] < p) ++nextKept_;
      if (nextKept_ < kept_.size() && kept_[nextKept_] == p) continue;
      const Candidate candidate{rankKey(std::abs(double(g[c]))), p};
      if (int64_t(best_.size()) < count_) {
        best_.push_back(candidate);
        std::push_heap(best_.begin(), best_.end(), worse);
      } else if (better(candidate, best_.front())) {
        std::pop_heap(best_.begin(), best_.end(), worse);
        best_.back() = candidate;
        std::push_heap(best_.begin(), best_.end(), worse);
      }
    }
  }
}

std::vector<int64_t> GradientGrowth::nextPositions() const {
  std::vector<int64_t> grown;
  grown.reserve(best_.size());
  for (const Candidate& c : best_) grown.push_back(c.position);
  std::sort(grown.begin(), grown.end());
  return mergePositions(kept_, grown);
}

int64_t GradientGrowth::bytesFor(int64_t kept, int64_t count) {
  return kept * int64_t(sizeof(int64_t)) + count * int64_t(sizeof(Candidate));
}

}  // namespace ss
