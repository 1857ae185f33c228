#include <algorithm>
#include <cmath>

#include "mask_edits.h"
#include "sparsity_rule.h"

namespace reference {
namespace {

// SET (Mocanu et al. 2018) as its reference code does it: of the active weights, drop the fraction zeta
// of the positive ones with the smallest values and the fraction zeta of the negative ones with the
// largest values (both nearest zero), then grow as many at random inactive positions, at zero. A weight
// exactly zero counts as positive. Just-dropped positions may be drawn again; they restart at zero
// (the reference zeroes removed weights before choosing among the zero positions).
class SetRule : public SparsityRule {
 public:
  SetRule(const RuleSettings& settings, std::vector<double> densities, TrainingLength length)
      : settings_(settings), densities_(std::move(densities)), length_(length) {}

  void initialise(MaskedMlp& mlp, std::mt19937_64& rng) override { initialiseRandomMasks(mlp, densities_, rng); }

  void atEpochStart(int epoch, MaskedMlp& mlp, std::mt19937_64& rng) override {
    if (!isMutationEpoch(epoch, settings_.everyEpochs, settings_.stopFraction, length_.epochs)) return;
    for (MaskedLayer& layer : mlp.layers) {
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

 private:
  RuleSettings settings_;
  std::vector<double> densities_;
  TrainingLength length_;
};

}  // namespace

std::unique_ptr<SparsityRule> makeSetRule(const RuleSettings& settings, const std::vector<double>& densities,
                                          TrainingLength length) {
  return std::make_unique<SetRule>(settings, densities, length);
}

}  // namespace reference
