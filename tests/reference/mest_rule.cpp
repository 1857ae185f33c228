#include <algorithm>
#include <stdexcept>

#include "mask_edits.h"
#include "mutating_rules.h"

namespace reference {

MestRule::MestRule(const RuleSettings& settings, std::vector<double> densities, TrainingLength length)
    : StaticMaskRule(settings, std::move(densities), length) {
  if (settings.variant != "vanilla" && settings.variant != "em" && settings.variant != "em&s")
    throw std::invalid_argument("--variant: unknown '" + settings.variant + "' (vanilla, em, em&s)");
}

void MestRule::atEpochStart(int epoch, std::span<MaskedLayer> layers, std::mt19937_64& rng) {
  if (!isMutationEpoch(epoch, settings_.everyEpochs, settings_.stopFraction, length_.epochs)) return;
  const int phase = std::min(2, int(3 * epoch / (settings_.stopFraction * length_.epochs)));
  const double remaining = (2 - phase) / 2.0;  // 1, 1/2, 0 of the ratio or margin
  double pruneFactor = 1, growFactor = 1;
  if (settings_.variant == "vanilla") pruneFactor = 1 - settings_.mutationRatio;
  if (settings_.variant == "em") pruneFactor = 1 - settings_.mutationRatio * remaining;
  if (settings_.variant == "em&s") growFactor = 1 + settings_.softMargin * remaining;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    MaskedLayer& layer = layers[l];
    const Eigen::MatrixXf importance =
        layer.weights.cwiseAbs() + float(settings_.lambda) * layer.weightGradient.cwiseAbs();
    const long pruneTo = countForDensity(densities_[l] * pruneFactor, layer.mask.size());
    const long growTo = countForDensity(std::min(1.0, densities_[l] * growFactor), layer.mask.size());
    keepOnly(layer, largestByScore(activePositions(layer), importance, std::size_t(pruneTo)));
    const long grow = growTo - layer.activeCount();
    if (grow > 0) growAtZero(layer, randomPick(inactivePositions(layer), std::size_t(grow), rng));
  }
}

}  // namespace reference
