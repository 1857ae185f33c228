#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "algorithms/mask_mutation.h"
#include "algorithms/mest_schedule.h"
#include "train/training_hook.h"

namespace ss {

struct MestOptions {
  std::string variant = "em&s";  // vanilla | em | em&s: which derivation builds the phases
  double lambda = 0.01;          // importance = |w| + lambda |g|
  MestSchedule schedule;
};

// Reads the project's "algorithm" section (optionsJson: every key but "name"): either explicit "phases"
// or the derivation's stop_fraction, mutation_ratio (em, vanilla), soft_margin (em&s) and decay_epochs.
// Errors read "<source>: algorithm.<key>: <reason>".
MestOptions readMestOptions(const std::string& optionsJson, double target, int epochs, const std::string& source);

// MEST (Yuan et al. 2021). At every mutating epoch of the schedule, each sparse layer keeps its most important
// groups (|w| + lambda |g|, g the last step's gradient at active positions: no dense gradient exists) down
// to the phase's s_low, then grows random inactive groups, at zero with zero momentum, up to s_up.
// The phase sparsities are the model's; a layer scales its own target count by (1 - s_phase) / (1 - s), so
// every layer keeps its share of the layer-wise distribution and returns to exactly its target when a phase
// prunes to s. Schemes with balanced sets (N:M, pattern) cannot change density: there the mutation swaps
// the (s_low - s_up) share of the target, the count the elastic mutation would regrow, dropping the least
// important groups and growing as many in the same sets.
class MestAlgorithm : public TrainingHook {
 public:
  MestAlgorithm(Model& model, Sgd& optimizer, std::unique_ptr<Scheme> scheme, MestOptions options, double target,
                Rng rng, std::function<void(const MaskChangeEvent&)> emit);

  void onEpochStart(int epoch, int64_t globalStep) override;
  std::string saveState() const override { return rng_.state(); }
  bool setState(const std::string& state) override { return rng_.setState(state); }

 private:
  Sgd& optimizer_;
  std::unique_ptr<Scheme> scheme_;
  MestOptions options_;
  double target_;
  Rng rng_;
  std::function<void(const MaskChangeEvent&)> emit_;
  std::vector<MutableLayer> layers_;
};

}  // namespace ss
