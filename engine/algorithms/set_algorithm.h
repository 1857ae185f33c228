#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "algorithms/mask_mutation.h"
#include "train/training_hook.h"

namespace ss {

struct SetOptions {
  double zeta = 0.3;  // fraction of each layer's active weights (groups) replaced per mutation
  int everyEpochs = 1;
  double stopFraction = 0.75;
};

// Reads the project's "algorithm" section (optionsJson: every key but "name"); errors read
// "<source>: algorithm.<key>: <reason>".
SetOptions readSetOptions(const std::string& optionsJson, const std::string& source);

// SET (Mocanu et al. 2018): at every mutating epoch start (mutation_timing.h), each sparse layer drops the
// round(zeta * active) active groups of smallest magnitude and grows as many at random inactive positions,
// with zero value and zero momentum. The rule ranks by |w| as the paper states it; the reference code's split
// into smallest positive and largest negative weights is not reproduced. Structured schemes drop and grow whole units
// (swapUnits), so the layer's count, and every set's, is unchanged.
class SetAlgorithm : public TrainingHook {
 public:
  SetAlgorithm(Model& model, Sgd& optimizer, std::unique_ptr<Scheme> scheme, SetOptions options, int epochs, Rng rng,
               std::function<void(const MaskChangeEvent&)> emit);

  void onEpochStart(int epoch, int64_t globalStep) override;
  std::string saveState() const override { return rng_.state(); }
  bool setState(const std::string& state) override { return rng_.setState(state); }

 private:
  Sgd& optimizer_;
  std::unique_ptr<Scheme> scheme_;
  SetOptions options_;
  int lastEpoch_;
  Rng rng_;
  std::function<void(const MaskChangeEvent&)> emit_;
  std::vector<MutableLayer> layers_;
};

}  // namespace ss
