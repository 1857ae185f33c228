#include <cmath>

#include "mask_edits.h"
#include "mutating_rules.h"

namespace reference {

void GmpRule::initialise(std::span<MaskedLayer>, std::mt19937_64&) {}

void GmpRule::afterStep(long stepsDone, std::span<MaskedLayer> layers, std::mt19937_64&) {
  const long beginStep = std::lround(settings_.beginFraction * double(length_.totalSteps));
  const long endStep = std::lround(settings_.endFraction * double(length_.totalSteps));
  if (stepsDone < beginStep || stepsDone > endStep) return;
  if ((stepsDone - beginStep) % settings_.everySteps != 0 && stepsDone != endStep) return;
  const double progress = endStep > beginStep ? double(stepsDone - beginStep) / double(endStep - beginStep) : 1.0;
  const double reached = 1 - std::pow(1 - progress, 3);
  for (std::size_t l = 0; l < layers.size(); ++l) {
    MaskedLayer& layer = layers[l];
    const Positions active = activePositions(layer);
    const long keep = countForDensity(1 - (1 - densities_[l]) * reached, layer.mask.size());
    if (keep < long(active.size()))
      keepOnly(layer, largestByScore(active, layer.weights.cwiseAbs(), std::size_t(keep)));
  }
}

}  // namespace reference
