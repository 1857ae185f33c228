#include "data/preprocessing.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "core/error.h"

namespace ss {

Normalization measureNormalization(const Dataset& set) {
  const Eigen::Index count = set.features.size();
  if (count == 0) return {};
  // Two passes in double: one float pass over 47 million pixels loses digits of the variance.
  const double mean = set.features.cast<double>().sum() / double(count);
  const double variance = (set.features.cast<double>().array() - mean).square().sum() / double(count);
  const double stddev = std::sqrt(variance);
  // A constant set has nothing to scale; dividing by ~0 would only blow up rounding noise.
  return {float(mean), stddev > 1e-12 ? float(stddev) : 1.0f};
}

void applyNormalization(Dataset& set, const Normalization& n) {
  set.features.array() = (set.features.array() - n.mean) / n.stddev;
}

void splitValidation(DataSplits& splits, double fraction, Rng& rng) {
  if (!(fraction >= 0.0 && fraction < 1.0)) {
    throw InputError("validation fraction " + std::to_string(fraction) + " must be at least 0 and below 1");
  }
  const int64_t total = splits.train.size();
  const auto count = static_cast<int64_t>(std::llround(fraction * double(total)));
  if (count >= total && count > 0) {
    throw InputError("validation fraction " + std::to_string(fraction) + " leaves no training examples out of " +
                     std::to_string(total));
  }

  std::vector<int64_t> rows(static_cast<size_t>(total));
  std::iota(rows.begin(), rows.end(), int64_t(0));
  rng.shuffle(rows);
  std::vector<int64_t> validationRows(rows.begin(), rows.begin() + count);
  std::vector<int64_t> trainRows(rows.begin() + count, rows.end());
  // Each half keeps file order, so only membership depends on the draw.
  std::sort(validationRows.begin(), validationRows.end());
  std::sort(trainRows.begin(), trainRows.end());

  splits.validation = splits.train.subset(validationRows);
  splits.train = splits.train.subset(trainRows);
}

}  // namespace ss
