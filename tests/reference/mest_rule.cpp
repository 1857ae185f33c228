#include <algorithm>
#include <stdexcept>

#include "mask_edits.h"
#include "sparsity_rule.h"

namespace reference {
namespace {

// MEST (Yuan et al. 2021) with the default derivation of docs/algorithms.md. At each mutation epoch
// (see isMutationEpoch) every layer keeps its active weights with the largest |w| + lambda |g| (g the
// raw loss gradient of the previous epoch's last batch, at active positions; weight decay is not in it,
// as in PyTorch's .grad) down to its prune-to density, then grows random inactive positions at zero up
// to its grow-to density. Densities are the layer's ERK density d times a factor, the mutation measured
// as a fraction of the active weights:
//   vanilla: prune to d (1 - r), grow to d, throughout;
//   em:      prune to d (1 - r), d (1 - r/2), d in phases 0, 1, 2; grow to d;
//   em&s:    prune to d; grow to d (1 + m), d (1 + m/2), d (at most 1).
// The three phases split the mutation window [0, stop * E) of epochs equally; the last phase's pair is
// (d, d), so em stops changing masks there and em&s prunes its extra weights back to d once.
// Just-pruned positions may be drawn again by the random growth and restart at zero, as MEST's code
// grows among all zero positions after pruning.
class MestRule : public SparsityRule {
 public:
  MestRule(const RuleSettings& settings, std::vector<double> densities, TrainingLength length)
      : settings_(settings), densities_(std::move(densities)), length_(length) {
    if (settings.variant != "vanilla" && settings.variant != "em" && settings.variant != "em&s")
      throw std::invalid_argument("--variant: unknown '" + settings.variant + "' (vanilla, em, em&s)");
  }

  void initialise(MaskedMlp& mlp, std::mt19937_64& rng) override { initialiseRandomMasks(mlp, densities_, rng); }

  void atEpochStart(int epoch, MaskedMlp& mlp, std::mt19937_64& rng) override {
    if (!isMutationEpoch(epoch, settings_.everyEpochs, settings_.stopFraction, length_.epochs)) return;
    const int phase = std::min(2, int(3 * epoch / (settings_.stopFraction * length_.epochs)));
    const double remaining = (2 - phase) / 2.0;  // 1, 1/2, 0 of the ratio or margin
    double pruneFactor = 1, growFactor = 1;
    if (settings_.variant == "vanilla") pruneFactor = 1 - settings_.mutationRatio;
    if (settings_.variant == "em") pruneFactor = 1 - settings_.mutationRatio * remaining;
    if (settings_.variant == "em&s") growFactor = 1 + settings_.softMargin * remaining;
    for (std::size_t l = 0; l < mlp.layers.size(); ++l) {
      MaskedLayer& layer = mlp.layers[l];
      const Eigen::MatrixXf importance =
          layer.weights.cwiseAbs() + float(settings_.lambda) * layer.weightGradient.cwiseAbs();
      const long pruneTo = countForDensity(densities_[l] * pruneFactor, layer.mask.size());
      const long growTo = countForDensity(std::min(1.0, densities_[l] * growFactor), layer.mask.size());
      keepOnly(layer, largestByScore(activePositions(layer), importance, std::size_t(pruneTo)));
      const long grow = growTo - layer.activeCount();
      if (grow > 0) growAtZero(layer, randomPick(inactivePositions(layer), std::size_t(grow), rng));
    }
  }

 private:
  RuleSettings settings_;
  std::vector<double> densities_;
  TrainingLength length_;
};

}  // namespace

std::unique_ptr<SparsityRule> makeMestRule(const RuleSettings& settings, const std::vector<double>& densities,
                                           TrainingLength length) {
  return std::make_unique<MestRule>(settings, densities, length);
}

}  // namespace reference
