#include <algorithm>
#include <cmath>

#include "mask_edits.h"
#include "sparsity_rule.h"

namespace reference {
namespace {

// Gradual magnitude pruning (Zhu & Gupta 2017): dense start; after optimizer step t0 = begin * T and
// every `everySteps` steps after it, and at t_end = end * T, each layer keeps its largest |w| down to
// sparsity s_t = s_f (1 - (1 - (t - t0) / (t_end - t0))^3), s_f its ERK target (s_i = 0). The last
// pruning is at t_end itself, so the layer ends exactly at s_f even when t_end - t0 is not a multiple
// of the interval. Pruned weights never return.
class GmpRule : public SparsityRule {
 public:
  GmpRule(const RuleSettings& settings, std::vector<double> densities, TrainingLength length)
      : settings_(settings),
        densities_(std::move(densities)),
        beginStep_(std::lround(settings.beginFraction * double(length.totalSteps))),
        endStep_(std::lround(settings.endFraction * double(length.totalSteps))) {}

  void initialise(MaskedMlp&, std::mt19937_64&) override {}

  void afterStep(long stepsDone, MaskedMlp& mlp, std::mt19937_64&) override {
    if (stepsDone < beginStep_ || stepsDone > endStep_) return;
    if ((stepsDone - beginStep_) % settings_.everySteps != 0 && stepsDone != endStep_) return;
    const double progress =
        endStep_ > beginStep_ ? double(stepsDone - beginStep_) / double(endStep_ - beginStep_) : 1.0;
    const double reached = 1 - std::pow(1 - progress, 3);
    for (std::size_t l = 0; l < mlp.layers.size(); ++l) {
      MaskedLayer& layer = mlp.layers[l];
      const double sparsity = (1 - densities_[l]) * reached;
      const Positions active = activePositions(layer);
      const long keep = countForDensity(1 - sparsity, layer.mask.size());
      if (keep >= long(active.size())) continue;
      keepOnly(layer, largestByScore(active, layer.weights.cwiseAbs(), std::size_t(keep)));
    }
  }

 private:
  RuleSettings settings_;
  std::vector<double> densities_;
  long beginStep_;
  long endStep_;
};

}  // namespace

std::unique_ptr<SparsityRule> makeGmpRule(const RuleSettings& settings, const std::vector<double>& densities,
                                          TrainingLength length) {
  return std::make_unique<GmpRule>(settings, densities, length);
}

}  // namespace reference
