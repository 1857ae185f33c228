#include "data/preprocessing.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "core/error.h"

namespace ss {

namespace {

// Calls use(value) for every feature value of the set, row after row, value after value: the order a float matrix
// of the whole set is read in, without making one (a byte set becomes floats a block of rows at a time).
template <class Use>
void forEveryValue(const FeatureRows& features, Use use) {
  constexpr int64_t kBlockRows = 256;
  std::vector<int64_t> rows;
  Matrix block;
  for (int64_t first = 0; first < features.rows(); first += kBlockRows) {
    rows.resize(size_t(std::min(kBlockRows, features.rows() - first)));
    std::iota(rows.begin(), rows.end(), first);
    block.resize(Eigen::Index(rows.size()), features.cols());
    features.copyRows(rows, block);
    for (Eigen::Index i = 0; i < block.size(); ++i) use(block.data()[i]);
  }
}

}  // namespace

Normalization measureNormalization(const Dataset& set) {
  const int64_t count = set.features.rows() * set.features.cols();
  if (count == 0) return {};
  // Two passes in double: one float pass over 47 million pixels loses digits of the variance. Each pass adds
  // the values one by one in row order, as Eigen's sum() over a whole-set float matrix did (the cast to double
  // kept it from vectorising), so a set's statistics stay the same to the last bit.
  double sum = 0.0;
  forEveryValue(set.features, [&](float v) { sum += double(v); });
  const double mean = sum / double(count);
  double squares = 0.0;
  forEveryValue(set.features, [&](float v) {
    const double d = double(v) - mean;
    squares += d * d;
  });
  const double stddev = std::sqrt(squares / double(count));
  // A constant set has nothing to scale; dividing by ~0 would only blow up rounding noise.
  return {float(mean), stddev > 1e-12 ? float(stddev) : 1.0f};
}

void applyNormalization(Dataset& set, const Normalization& n) {
  set.features.transformValues([&](float v) { return (v - n.mean) / n.stddev; });
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
