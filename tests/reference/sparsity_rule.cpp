#include "sparsity_rule.h"

#include <stdexcept>

#include "mask_edits.h"
#include "mutating_rules.h"

namespace reference {
namespace {

class DenseRule : public SparsityRule {
 public:
  void initialise(std::span<MaskedLayer>, std::mt19937_64&) override {}
};

}  // namespace

void StaticMaskRule::initialise(std::span<MaskedLayer> layers, std::mt19937_64& rng) {
  for (std::size_t l = 0; l < layers.size(); ++l) {
    MaskedLayer& layer = layers[l];
    keepOnly(layer, randomPick(activePositions(layer), countForDensity(densities_[l], layer.mask.size()), rng));
  }
}

bool isMutationEpoch(int epoch, int every, double stopFraction, int epochs) {
  return epoch >= 1 && epoch % every == 0 && epoch < stopFraction * epochs;
}

std::unique_ptr<SparsityRule> makeSparsityRule(const RuleSettings& settings, const std::vector<double>& densities,
                                               TrainingLength length) {
  const std::string& name = settings.algorithm;
  if (name == "dense") return std::make_unique<DenseRule>();
  if (name == "static") return std::make_unique<StaticMaskRule>(settings, densities, length);
  if (name == "set") return std::make_unique<SetRule>(settings, densities, length);
  if (name == "rigl") return std::make_unique<RiglRule>(settings, densities, length);
  if (name == "gmp") return std::make_unique<GmpRule>(settings, densities, length);
  if (name == "mest") return std::make_unique<MestRule>(settings, densities, length);
  throw std::invalid_argument("--algorithm: unknown '" + name + "' (dense, static, set, rigl, gmp, mest)");
}

}  // namespace reference
