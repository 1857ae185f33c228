#include "sparsity_rule.h"

#include <stdexcept>

#include "mask_edits.h"

namespace reference {
namespace {

class DenseRule : public SparsityRule {
 public:
  void initialise(MaskedMlp&, std::mt19937_64&) override {}
};

class StaticRule : public SparsityRule {
 public:
  explicit StaticRule(std::vector<double> densities) : densities_(std::move(densities)) {}
  void initialise(MaskedMlp& mlp, std::mt19937_64& rng) override { initialiseRandomMasks(mlp, densities_, rng); }

 private:
  std::vector<double> densities_;
};

}  // namespace

void initialiseRandomMasks(MaskedMlp& mlp, const std::vector<double>& densities, std::mt19937_64& rng) {
  for (std::size_t l = 0; l < mlp.layers.size(); ++l) {
    MaskedLayer& layer = mlp.layers[l];
    keepOnly(layer, randomPick(activePositions(layer), countForDensity(densities[l], layer.mask.size()), rng));
  }
}

bool isMutationEpoch(int epoch, int every, double stopFraction, int epochs) {
  return epoch >= 1 && epoch % every == 0 && epoch < stopFraction * epochs;
}

std::unique_ptr<SparsityRule> makeSparsityRule(const RuleSettings& settings, const std::vector<double>& densities,
                                               TrainingLength length) {
  const std::string& name = settings.algorithm;
  if (name == "dense") return std::make_unique<DenseRule>();
  if (name == "static") return std::make_unique<StaticRule>(densities);
  if (name == "set") return makeSetRule(settings, densities, length);
  if (name == "rigl") return makeRiglRule(settings, densities, length);
  if (name == "gmp") return makeGmpRule(settings, densities, length);
  if (name == "mest") return makeMestRule(settings, densities, length);
  throw std::invalid_argument("--algorithm: unknown '" + name + "' (dense, static, set, rigl, gmp, mest)");
}

}  // namespace reference
