#include "algorithms/position_mutation.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "algorithms/mask_mutation.h"
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
