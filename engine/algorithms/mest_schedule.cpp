#include "algorithms/mest_schedule.h"

#include <cmath>

#include "algorithms/mutation_timing.h"

namespace ss {

const MestPhase* MestSchedule::phaseAt(int epoch) const {
  if (phases.empty() || !isMutationEpoch(epoch, everyEpochs, phases.back().untilEpoch)) return nullptr;
  for (const MestPhase& phase : phases)
    if (epoch <= phase.untilEpoch) return &phase;
  return nullptr;
}

std::vector<int> equalPhaseEnds(int epochs, double stopFraction, int count) {
  std::vector<int> ends;
  for (int i = 1; i <= count; ++i) ends.push_back(lastMutationEpoch(epochs, stopFraction * i / count));
  return ends;
}

std::vector<int> phaseEndsFromDecayEpochs(const std::vector<int>& decayEpochs, int epochs, double stopFraction) {
  std::vector<int> ends;
  for (int decay : decayEpochs) ends.push_back(decay - 1);
  ends.push_back(lastMutationEpoch(epochs, stopFraction));
  return ends;
}

std::vector<MestPhase> deriveMestPhases(double target, const std::string& variant, double mutationRatio,
                                        double softMargin, const std::vector<int>& phaseEnds) {
  const size_t n = phaseEnds.size();
  const double density = 1.0 - target;
  std::vector<MestPhase> phases;
  for (size_t i = 0; i < n; ++i) {
    const double step = n == 1 ? 1.0 : double(n - 1 - i) / double(n - 1);
    MestPhase phase{phaseEnds[i], target, target};
    if (variant == "em") phase.pruneTo = target + mutationRatio * density * step;
    if (variant == "em&s") phase.growTo = target - softMargin * density * step;
    if (variant == "vanilla") phase.pruneTo = target + mutationRatio * density;
    phases.push_back(phase);
  }
  return phases;
}

}  // namespace ss
