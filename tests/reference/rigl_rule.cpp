#include <cmath>
#include <numbers>

#include "mask_edits.h"
#include "sparsity_rule.h"

namespace reference {
namespace {

// RigL (Evci et al. 2020): every `updateSteps` optimizer steps while t < T_end = stop * T, each layer
// drops f(t) = alpha/2 (1 + cos(pi t / T_end)) of its active weights by smallest |w| (after that
// step's update) and grows as many positions, among those not kept, with the largest |dense gradient|
// of that step's batch. A position dropped and grown again in one update keeps its value and momentum,
// as RigL's code does by default (reinit_when_same = False); truly new ones start at zero.
class RiglRule : public SparsityRule {
 public:
  RiglRule(const RuleSettings& settings, std::vector<double> densities, TrainingLength length)
      : settings_(settings), densities_(std::move(densities)), endStep_(settings.stopFraction * length.totalSteps) {}

  void initialise(MaskedMlp& mlp, std::mt19937_64& rng) override { initialiseRandomMasks(mlp, densities_, rng); }

  void afterStep(long stepsDone, MaskedMlp& mlp, std::mt19937_64&) override {
    if (stepsDone % settings_.updateSteps != 0 || double(stepsDone) >= endStep_) return;
    const double fraction = settings_.alpha / 2 * (1 + std::cos(std::numbers::pi * double(stepsDone) / endStep_));
    for (MaskedLayer& layer : mlp.layers) {
      const Positions active = activePositions(layer);
      const std::size_t update = std::lround(fraction * double(active.size()));
      Positions kept = largestByScore(active, layer.weights.cwiseAbs(), active.size() - update);
      Eigen::MatrixXf keptMask = Eigen::MatrixXf::Zero(layer.mask.rows(), layer.mask.cols());
      for (Eigen::Index p : kept) keptMask.data()[p] = 1.0f;
      Positions candidates;
      for (Eigen::Index p = 0; p < keptMask.size(); ++p)
        if (keptMask.data()[p] == 0.0f) candidates.push_back(p);
      const Positions grown = largestByScore(candidates, layer.weightGradient.cwiseAbs(), update);
      kept.insert(kept.end(), grown.begin(), grown.end());
      keepOnly(layer, kept);
    }
  }

 private:
  RuleSettings settings_;
  std::vector<double> densities_;
  double endStep_;
};

}  // namespace

std::unique_ptr<SparsityRule> makeRiglRule(const RuleSettings& settings, const std::vector<double>& densities,
                                           TrainingLength length) {
  return std::make_unique<RiglRule>(settings, densities, length);
}

}  // namespace reference
