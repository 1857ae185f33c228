#include "data/preprocessing.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.h"

namespace ss {

namespace {

// Calls use(channel, value) for every feature value of the set, row after row, value after value: the order a float
// matrix of the whole set is read in, without making one (a byte set becomes floats a block of rows at a time).
template <class Use>
void forEveryValue(const FeatureRows& features, Use use) {
  constexpr int64_t kBlockRows = 256;
  const int64_t width = features.channelWidth();
  std::vector<int64_t> rows;
  Matrix block;
  for (int64_t first = 0; first < features.rows(); first += kBlockRows) {
    rows.resize(size_t(std::min(kBlockRows, features.rows() - first)));
    std::iota(rows.begin(), rows.end(), first);
    block.resize(Eigen::Index(rows.size()), features.cols());
    features.copyRows(rows, block);
    for (Eigen::Index r = 0; r < block.rows(); ++r) {
      const float* values = block.row(r).data();
      for (int channel = 0; channel < features.channels(); ++channel, values += width)
        for (int64_t i = 0; i < width; ++i) use(channel, values[i]);
    }
  }
}

}  // namespace

std::vector<Normalization> measureNormalization(const Dataset& set) {
  const auto channels = static_cast<size_t>(set.features.channels());
  const int64_t count = set.features.rows() * set.features.channelWidth();
  if (count == 0) return std::vector<Normalization>(channels);
  // Two passes in double: one float pass over 47 million pixels loses digits of the variance. Each pass adds a
  // channel's values one by one in row order, as Eigen's sum() over a whole-set float matrix did (the cast to double
  // kept it from vectorising), so a one-channel set's statistics stay the same to the last bit.
  std::vector<double> sums(channels, 0.0);
  forEveryValue(set.features, [&](int channel, float v) { sums[size_t(channel)] += double(v); });
  std::vector<double> means(channels);
  for (size_t c = 0; c < channels; ++c) means[c] = sums[c] / double(count);
  std::vector<double> squares(channels, 0.0);
  forEveryValue(set.features, [&](int channel, float v) {
    const double d = double(v) - means[size_t(channel)];
    squares[size_t(channel)] += d * d;
  });
  std::vector<Normalization> perChannel(channels);
  for (size_t c = 0; c < channels; ++c) {
    const double stddev = std::sqrt(squares[c] / double(count));
    // A constant channel has nothing to scale; dividing by ~0 would only blow up rounding noise.
    perChannel[c] = {float(means[c]), stddev > 1e-12 ? float(stddev) : 1.0f};
  }
  return perChannel;
}

void applyNormalization(Dataset& set, const std::vector<Normalization>& perChannel) {
  // A set with no examples (no validation split) may not even have the channels: there is nothing to change.
  if (set.features.rows() == 0) return;
  if (perChannel.size() != size_t(set.features.channels()))
    throw std::invalid_argument("applyNormalization: " + std::to_string(perChannel.size()) +
                                " channel statistics for " + std::to_string(set.features.channels()) + " channels of " +
                                set.name);
  for (int c = 0; c < set.features.channels(); ++c) {
    const Normalization& n = perChannel[size_t(c)];
    set.features.transformChannel(c, [&](float v) { return (v - n.mean) / n.stddev; });
  }
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
