#pragma once

#include "sparsity_rule.h"

namespace reference {

// SET (Mocanu et al. 2018) as its reference code does it: at each mutation epoch, of the active weights,
// drop the fraction zeta of the positive ones with the smallest values and the fraction zeta of the
// negative ones with the largest values (both nearest zero), then grow as many at random inactive
// positions, at zero. A weight exactly zero counts as positive. Just-dropped positions may be drawn
// again; they restart at zero (the reference zeroes removed weights before choosing among zero positions).
class SetRule : public StaticMaskRule {
 public:
  using StaticMaskRule::StaticMaskRule;
  void atEpochStart(int epoch, std::span<MaskedLayer> layers, std::mt19937_64& rng) override;
};

// RigL (Evci et al. 2020): every `updateSteps` optimizer steps while t < T_end = stop * T, each layer
// drops f(t) = alpha/2 (1 + cos(pi t / T_end)) of its active weights by smallest |w| (after that step's
// update) and grows as many positions, among those not kept, with the largest |dense gradient| of that
// step's batch. A position dropped and grown again in one update keeps its value and momentum, as RigL's
// code does by default (reinit_when_same = False); truly new ones start at zero.
class RiglRule : public StaticMaskRule {
 public:
  using StaticMaskRule::StaticMaskRule;
  void afterStep(long stepsDone, std::span<MaskedLayer> layers, std::mt19937_64& rng) override;
};

// Gradual magnitude pruning (Zhu & Gupta 2017): dense start; after optimizer step t0 = begin * T, every
// `everySteps` steps after it and at t_end = end * T (both rounded), each layer keeps its largest |w| down
// to sparsity s_t = s_f (1 - (1 - (t - t0) / (t_end - t0))^3), s_f its ERK target (s_i = 0). The last
// pruning is at t_end itself, so the layer ends exactly at s_f even when t_end - t0 is not a multiple of
// the interval. Pruned weights never return.
class GmpRule : public StaticMaskRule {
 public:
  using StaticMaskRule::StaticMaskRule;
  void initialise(std::span<MaskedLayer> layers, std::mt19937_64& rng) override;
  void afterStep(long stepsDone, std::span<MaskedLayer> layers, std::mt19937_64& rng) override;
};

// MEST (Yuan et al. 2021) with the default derivation of docs/algorithms.md. At each mutation epoch every
// layer keeps its active weights with the largest |w| + lambda |g| (g the raw loss gradient of the
// previous epoch's last batch, at active positions; weight decay is not in it, as in PyTorch's .grad)
// down to its prune-to density, then grows random inactive positions at zero up to its grow-to density.
// Densities are the layer's ERK density d times a factor, the mutation measured as a fraction of the
// active weights:
//   vanilla: prune to d (1 - r), grow to d, throughout;
//   em:      prune to d (1 - r), d (1 - r/2), d in phases 0, 1, 2; grow to d;
//   em&s:    prune to d; grow to d (1 + m), d (1 + m/2), d (at most 1).
// The three phases split the mutation window [0, stop * E) of epochs equally; the last phase's pair is
// (d, d), so em stops changing masks there and em&s prunes its extra weights back to d once.
// Just-pruned positions may be drawn again by the random growth and restart at zero, as MEST's code grows
// among all zero positions after pruning.
class MestRule : public StaticMaskRule {
 public:
  // Throws std::invalid_argument for an unknown variant.
  MestRule(const RuleSettings& settings, std::vector<double> densities, TrainingLength length);
  void atEpochStart(int epoch, std::span<MaskedLayer> layers, std::mt19937_64& rng) override;
};

}  // namespace reference
