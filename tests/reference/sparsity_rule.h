#pragma once

#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "masked_layer.h"

namespace reference {

// The knobs of every algorithm, at the defaults of SparseScope's README (each rule reads its own).
struct RuleSettings {
  std::string algorithm = "dense";  // dense, static, set, rigl, gmp, mest
  std::string variant = "em&s";     // mest: vanilla, em, em&s
  int everyEpochs = 1;              // set, mest
  double stopFraction = 0.75;       // set, rigl, mest
  double zeta = 0.3;                // set
  double alpha = 0.3;               // rigl
  int updateSteps = 100;            // rigl
  double beginFraction = 0.1;       // gmp
  double endFraction = 0.6;         // gmp
  int everySteps = 100;             // gmp
  double lambda = 0.01;             // mest
  double mutationRatio = 0.2;       // mest vanilla and em
  double softMargin = 0.2;          // mest em&s
};

struct TrainingLength {
  int epochs;
  long totalSteps;
};

// An algorithm as the training loop sees it: masks at the start, then changes at epoch starts (epochs
// count from 0) or after optimizer steps (stepsDone counts from 1). Every random choice uses `rng`.
class SparsityRule {
 public:
  virtual ~SparsityRule() = default;
  virtual void initialise(std::span<MaskedLayer> layers, std::mt19937_64& rng) = 0;
  virtual void atEpochStart(int /*epoch*/, std::span<MaskedLayer> /*layers*/, std::mt19937_64& /*rng*/) {}
  virtual void afterStep(long /*stepsDone*/, std::span<MaskedLayer> /*layers*/, std::mt19937_64& /*rng*/) {}
};

// Static sparse training ("random pruning"): each layer a uniformly random mask with its density's count
// of active weights, never changed. Every sparse-from-scratch rule starts like this and adds its changes.
class StaticMaskRule : public SparsityRule {
 public:
  StaticMaskRule(const RuleSettings& settings, std::vector<double> densities, TrainingLength length)
      : settings_(settings), densities_(std::move(densities)), length_(length) {}
  void initialise(std::span<MaskedLayer> layers, std::mt19937_64& rng) override;

 protected:
  RuleSettings settings_;
  std::vector<double> densities_;
  TrainingLength length_;
};

// Throws std::invalid_argument for an unknown algorithm or variant.
std::unique_ptr<SparsityRule> makeSparsityRule(const RuleSettings& settings, const std::vector<double>& densities,
                                               TrainingLength length);

// Epoch-driven mutation (SET, MEST) happens at the start of epoch e >= 1 (after the first epoch's
// training, so there are weights and a gradient to judge), every `every` epochs, while e / E is below
// the stop fraction: with 15 epochs and 0.75, at the starts of epochs 1..11 (counted from 0).
bool isMutationEpoch(int epoch, int every, double stopFraction, int epochs);

}  // namespace reference
