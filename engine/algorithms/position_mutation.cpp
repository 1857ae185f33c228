#include "algorithms/position_mutation.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "algorithms/mask_mutation.h"
#include "sparse/random_positions.h"
#include "sparse/weight_matrix.h"

namespace ss {

std::vector<float> activeImportance(WeightMatrix& weights, float lambda) {
  const ParameterRef p = weights.parameter("");
  std::vector<float> scores;
  if (weights.sparse()) {
    scores.resize(p.values.size());
    for (size_t e = 0; e < scores.size(); ++e) scores[e] = std::abs(p.values[e]) + lambda * std::abs(p.grads[e]);
    return scores;
  }
  // Dense storage: the values sit at their positions.
  const std::vector<int64_t> positions = weights.activePositions();
  scores.resize(positions.size());
  for (size_t e = 0; e < scores.size(); ++e) {
    const size_t i = size_t(positions[e]);
    scores[e] = std::abs(p.values[i]) + lambda * std::abs(p.grads[i]);
  }
  return scores;
}

std::vector<int64_t> keepHighestScored(const std::vector<int64_t>& positions, const std::vector<float>& scores,
                                       int64_t keep) {
  // The key the group path ranks a singleton group by (Scheme::groupScore): |score|, NaN lowest.
  std::vector<double> keys(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) keys[i] = rankKey(std::abs(double(scores[i])));
  std::vector<int64_t> order;
  keep = std::clamp<int64_t>(keep, 0, int64_t(positions.size()));
  selectTopK(keys.data(), int64_t(keys.size()), keep, order);
  std::vector<int64_t> kept(static_cast<size_t>(keep));
  for (int64_t i = 0; i < keep; ++i) kept[size_t(i)] = positions[size_t(order[size_t(i)])];
  return kept;  // ascending: selectTopK leaves the indices ascending, and positions are
}

std::vector<int64_t> swapPositions(const std::vector<int64_t>& positions, const std::vector<float>& scores,
                                   int64_t size, int64_t count, Rng& rng) {
  const int64_t active = int64_t(positions.size());
  count = std::clamp<int64_t>(count, 0, std::min(active, size - active));
  const std::vector<int64_t> kept = keepHighestScored(positions, scores, active - count);
  return mergePositions(kept, randomPositionsOutside(size, positions, count, rng));
}

std::vector<int64_t> pruneAndGrowPositions(const std::vector<int64_t>& positions, const std::vector<float>& scores,
                                           int64_t size, int64_t keep, int64_t growTo, Rng& rng) {
  const int64_t active = int64_t(positions.size());
  const int64_t inactive = size - active;
  int64_t kept = std::clamp<int64_t>(keep, 0, active);
  const int64_t target = std::clamp<int64_t>(growTo, kept, size);
  kept = std::max(kept, target - inactive);
  const std::vector<int64_t> survivors = keepHighestScored(positions, scores, kept);
  return mergePositions(survivors, randomPositionsOutside(size, positions, target - kept, rng));
}

MaskChangeEvent installPositions(Layer& layer, Sgd& optimizer, const std::vector<int64_t>& next, int epoch,
                                 int64_t step) {
  WeightMatrix& w = *layer.weightMatrix();
  const std::vector<int64_t> before = w.activePositions();
  MaskChangeEvent event;
  event.layer = layer.name();
  event.epoch = epoch;
  event.step = step;
  event.rows = w.rows();
  event.cols = w.cols();
  std::set_difference(before.begin(), before.end(), next.begin(), next.end(),
                      std::back_inserter(event.droppedPositions));
  std::set_difference(next.begin(), next.end(), before.begin(), before.end(), std::back_inserter(event.grownPositions));
  event.dropped = int64_t(event.droppedPositions.size());
  event.grown = int64_t(event.grownPositions.size());
  w.replaceActive(next, optimizer.state(weightParameterName(layer)));
  event.activeAfter = w.activeCount();
  return event;
}

}  // namespace ss
