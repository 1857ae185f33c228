#include <cmath>

#include "mask_edits.h"
#include "mutating_rules.h"

namespace reference {

void SetRule::atEpochStart(int epoch, std::span<MaskedLayer> layers, std::mt19937_64& rng) {
  if (!isMutationEpoch(epoch, settings_.everyEpochs, settings_.stopFraction, length_.epochs)) return;
  for (MaskedLayer& layer : layers) {
    Positions positive, negative;
    for (Eigen::Index p : activePositions(layer)) (layer.weights.data()[p] >= 0 ? positive : negative).push_back(p);
    const std::size_t dropPositive = std::lround(settings_.zeta * double(positive.size()));
    const std::size_t dropNegative = std::lround(settings_.zeta * double(negative.size()));
    // Keeping the largest positives and the most negative negatives drops the ones nearest zero.
    Positions kept = largestByScore(positive, layer.weights, positive.size() - dropPositive);
    const Eigen::MatrixXf negated = -layer.weights;
    const Positions keptNegative = largestByScore(negative, negated, negative.size() - dropNegative);
    kept.insert(kept.end(), keptNegative.begin(), keptNegative.end());
    keepOnly(layer, kept);
    growAtZero(layer, randomPick(inactivePositions(layer), dropPositive + dropNegative, rng));
  }
}

}  // namespace reference
