#include <cmath>
#include <numbers>

#include "mask_edits.h"
#include "mutating_rules.h"

namespace reference {

void RiglRule::afterStep(long stepsDone, std::span<MaskedLayer> layers, std::mt19937_64&) {
  const double endStep = settings_.stopFraction * double(length_.totalSteps);
  if (stepsDone % settings_.updateSteps != 0 || double(stepsDone) >= endStep) return;
  const double fraction = settings_.alpha / 2 * (1 + std::cos(std::numbers::pi * double(stepsDone) / endStep));
  for (MaskedLayer& layer : layers) {
    const Positions active = activePositions(layer);
    const std::size_t update = std::lround(fraction * double(active.size()));
    Positions kept = largestByScore(active, layer.weights.cwiseAbs(), active.size() - update);
    const Positions candidates = positionsOutside(kept, layer.mask.size());
    const Positions grown = largestByScore(candidates, layer.weightGradient.cwiseAbs(), update);
    kept.insert(kept.end(), grown.begin(), grown.end());
    keepOnly(layer, kept);
  }
}

}  // namespace reference
