#pragma once

#include <string>
#include <vector>

namespace ss {

// One MEST phase: the mutations at epoch starts up to untilEpoch prune each sparse layer to sparsity
// pruneTo (s_low) and grow it back to sparsity growTo (s_up). Sparsities are of the whole model; a layer
// scales them by its own share of the target (see MestAlgorithm).
struct MestPhase {
  int untilEpoch = 0;
  double pruneTo = 0.0, growTo = 0.0;
};

struct MestSchedule {
  int everyEpochs = 1;
  std::vector<MestPhase> phases;  // in order of untilEpoch; after the last one mutation stops

  // The phase of a mutation at the start of this epoch, or null when the epoch does not mutate.
  const MestPhase* phaseAt(int epoch) const;
};

// Phase ends for `count` equal phases from epoch 1 to stopFraction of training (the default derivation).
std::vector<int> equalPhaseEnds(int epochs, double stopFraction, int count);

// Phase ends from the epochs at which MEST's decay moves to the next phase: a phase ends just before the
// next decay epoch; the last ends with the last mutating epoch.
std::vector<int> phaseEndsFromDecayEpochs(const std::vector<int>& decayEpochs, int epochs, double stopFraction);

// algorithms.md "Default derivation", for n phases with the mutation measured as a fraction of the active
// weights, stepping down linearly to nothing in the last phase (n = 3: r, r/2, 0):
//   em:      s_low = s + r (1 - s) (n-1-i)/(n-1),  s_up = s
//   em&s:    s_low = s,                            s_up = s - m (1 - s) (n-1-i)/(n-1)
//   vanilla: s_low = s + r (1 - s),                s_up = s           (a fixed ratio in every phase)
// r is the mutation ratio, m the soft margin. One phase (n = 1) keeps the full r or m.
std::vector<MestPhase> deriveMestPhases(double target, const std::string& variant, double mutationRatio,
                                        double softMargin, const std::vector<int>& phaseEnds);

}  // namespace ss
