#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "algorithms/gradient_growth.h"
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

// The transient RigL adds at update steps, for the layer densities the project plans: the largest sparse layer's
// dense gradient as it is handed over in row chunks (Layer::kDenseGradientChunkValues), with the kept and dropped
// units and the growth candidates of every sparse layer (they wait for afterBackward; GradientGrowth::bytesFor,
// counting a unit per active weight, which is exact for positions and an upper bound for blocks, rows and kernels).
int64_t riglDenseGradientBytes(Model& model, const SparsitySpec& sparsity, double alpha);

// RigL (Evci et al. 2020). At every update step each sparse layer drops round(f(t) * active) of its active groups
// with the smallest |w| and grows as many with the largest |dense gradient| of that step, at zero with zero
// momentum. As in the paper, the candidates for growing are all units outside the kept ones (ArgTopK over
// positions not in theta \ I_drop), so a dropped unit whose gradient ranks high stays, with its value; the
// events then count fewer changes than f(t) asks. Units and sets come from the scheme's UnitLayout: structured
// schemes drop and grow whole units (a unit scores by the L2 norm of its |w| or |gradient| entries; a kernel by its
// best pattern's), and every set grows exactly as many units as it dropped, so budgets stay exact.
//
// The dense gradient exists only at update steps, one layer and one chunk of rows at a time: before such a step
// the hook asks each sparse layer for it (Layer::requestDenseWeightGradient); the layer's backward hands it over in
// row chunks. A layer drops by |w| at the first chunk and keeps only the best candidates to grow as the chunks pass
// (GradientGrowth), whatever its scheme. The masks are installed in afterBackward, once backward is done with the old
// weights, so the optimizer step of that step already trains the new mask. The trainer must call onEpochStart and
// afterStep around every step, as it does; the model must outlive the hook.
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
  void receiveRows(size_t layer, double fraction, int firstRow, const Eigen::Ref<const Matrix>& rows);

  Sgd& optimizer_;
  std::unique_ptr<Scheme> scheme_;
  RiglOptions options_;
  int64_t totalSteps_;
  std::function<void(const MaskChangeEvent&)> emit_;
  std::vector<MutableLayer> layers_;
  // Per layer, from the request until afterBackward installs the next mask.
  struct PendingUpdate {
    bool received = false;
    std::vector<int64_t> dropped;  // active units, ascending
    std::optional<GradientGrowth> growth;
    void clear() {
      received = false;
      dropped = {};
      growth.reset();
    }
  };
  std::vector<PendingUpdate> pending_;
};

}  // namespace ss
