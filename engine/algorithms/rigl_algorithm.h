#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "algorithms/mask_mutation.h"
#include "project/project.h"
#include "train/training_hook.h"

namespace ss {

struct RiglOptions {
  int updateSteps = 100;       // ΔT: steps between mask updates
  double stopFraction = 0.75;  // T_end as a fraction of the total steps
  double alpha = 0.3;          // the drop fraction at t = 0, decaying by cosine to 0 at T_end
};

// Reads the project's "algorithm" section (optionsJson: every key but "name"); errors read
// "<source>: algorithm.<key>: <reason>".
RiglOptions readRiglOptions(const std::string& optionsJson, const std::string& source);

// The share of each layer's active groups that RigL replaces after step t (1-based) of totalSteps:
// f(t) = alpha/2 (1 + cos(pi t / T_end)) when t is a multiple of updateSteps and t < T_end = stopFraction *
// totalSteps (the paper's "until T_end"), else 0.
double riglUpdateFraction(const RiglOptions& options, int64_t totalSteps, int64_t step);

// The largest sparse layer's dense gradient in bytes (rows * cols * 4): the transient RigL adds at update steps,
// for the layer densities the project plans.
int64_t riglDenseGradientBytes(Model& model, const SparsitySpec& sparsity);

// RigL (Evci et al. 2020). At every update step each sparse layer drops round(f(t) * active) of its active groups
// with the smallest |w| and grows as many with the largest |dense gradient| of that step, at zero with zero
// momentum. As in the paper, the candidates for growing are all groups outside the kept ones (ArgTopK over
// positions not in theta \ I_drop), so a dropped group whose gradient ranks high stays, with its value; the
// events then count fewer changes than f(t) asks. Groups and balanced sets come from GroupLayout: structured
// schemes drop and grow whole groups (a group scores by the L2 norm of its |w| or |gradient| entries), and every
// balanced set (N:M run, pattern filter) grows exactly as many groups as it dropped, so budgets stay exact.
//
// The dense gradient exists only at update steps and one layer at a time: before such a step the hook asks each
// sparse layer for it (Layer::requestDenseWeightGradient); the layer's backward hands it over, the hook turns it
// into the layer's next mask and the gradient is freed. The masks are installed in afterBackward, once backward
// is done with the old weights, so the optimizer step of that step already trains the new mask. The trainer must
// call onEpochStart and afterStep around every step, as it does; the model must outlive the hook.
class RiglAlgorithm : public TrainingHook {
 public:
  RiglAlgorithm(Model& model, Sgd& optimizer, std::unique_ptr<Scheme> scheme, RiglOptions options, int64_t totalSteps,
                std::function<void(const MaskChangeEvent&)> emit);
  ~RiglAlgorithm() override;
  RiglAlgorithm(const RiglAlgorithm&) = delete;
  RiglAlgorithm& operator=(const RiglAlgorithm&) = delete;

  void onEpochStart(int epoch, int64_t globalStep) override;
  void afterBackward(int epoch, int64_t globalStep) override;
  void afterStep(int epoch, int64_t globalStep) override;
  void onResumeInsideEpoch(int epoch, int64_t globalStep) override;

 private:
  void prepareFor(int64_t step);
  Mask nextMask(const MutableLayer& layer, Matrix& gradient, double fraction) const;

  Sgd& optimizer_;
  std::unique_ptr<Scheme> scheme_;
  RiglOptions options_;
  int64_t totalSteps_;
  std::function<void(const MaskChangeEvent&)> emit_;
  std::vector<MutableLayer> layers_;
  std::vector<std::optional<Mask>> pending_;  // per layer: the mask its dense gradient chose, until installed
};

}  // namespace ss
