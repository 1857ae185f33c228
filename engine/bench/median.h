#pragma once

#include <algorithm>
#include <limits>
#include <vector>

namespace ss {

// The benchmarks' summary of repeated timings: robust to the outliers a shared machine produces. NaN when
// there is nothing to summarise, so an empty measurement cannot pass for a fast one.
inline double median(std::vector<double> samples) {
  if (samples.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(samples.begin(), samples.end());
  const size_t mid = samples.size() / 2;
  return samples.size() % 2 ? samples[mid] : 0.5 * (samples[mid - 1] + samples[mid]);
}

}  // namespace ss
