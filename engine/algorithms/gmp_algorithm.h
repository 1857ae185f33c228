#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "algorithms/mask_mutation.h"
#include "project/project.h"
#include "train/training_hook.h"

namespace ss {

struct GmpOptions {
  double beginFraction = 0.1;  // t0 as a fraction of the total steps
  double endFraction = 0.6;    // where every layer reaches its final sparsity
  int everySteps = 100;        // Δt
};

// Reads the project's "algorithm" section (optionsJson: every key but "name"); errors read
// "<source>: algorithm.<key>: <reason>".
GmpOptions readGmpOptions(const std::string& optionsJson, const std::string& source);

// Zhu & Gupta's schedule in training steps: t0 = round(beginFraction * T), t_end = round(endFraction * T), and
// n Δt = t_end - t0. Pruning happens after steps t0 + k Δt up to t_end, and after t_end itself even when the span
// is not a whole number of Δt, so that every layer ends exactly at its target there (the paper's n Δt ends there).
struct GmpSchedule {
  int64_t beginStep = 0, endStep = 0;
  int everySteps = 100;

  bool prunesAfter(int64_t step) const;
  // s_t = s_f + (s_i - s_f) (1 - (t - t0) / (n Δt))^3 with s_i = 0, as a density: d_f + (1 - d_f) (1 - p)^3,
  // p clamped to [0, 1]; exactly finalDensity from t_end on.
  double densityAfter(int64_t step, double finalDensity) const;
};
GmpSchedule gmpSchedule(const GmpOptions& options, int64_t totalSteps);

// Gradual magnitude pruning (Zhu & Gupta 2017). Starts from a dense model (sparsifyModel must not have run): the
// layers the project would make sparse (all weight layers but sparsity.dense_layers, at planDensities' final
// densities) are pruned after each scheduled step to the schedule's density by |w|, through the scheme's
// project(), so structured schemes prune whole groups. Pruned groups never return (a pattern kernel may still
// switch between equally scored patterns): an active weight always
// outranks a pruned one. A layer goes masked-dense at its first pruning and to sparse execution once its
// density reaches sparsity.sparse_execution_below (conv_sparse_execution_below for a conv), its momentum moving along.
// A scheme with a fixed share (N:M) cannot follow the curve: such a layer stays dense until the schedule is nearer its
// share than dense.
class GmpAlgorithm : public TrainingHook {
 public:
  GmpAlgorithm(Model& model, Sgd& optimizer, std::unique_ptr<Scheme> scheme, const SparsitySpec& sparsity,
               GmpSchedule schedule, std::function<void(const MaskChangeEvent&)> emit);

  void afterStep(int epoch, int64_t globalStep) override;

 private:
  struct PrunedLayer {
    Layer* layer = nullptr;
    LayerGeometry geometry;
    double finalDensity = 1.0;
  };

  Sgd& optimizer_;
  std::unique_ptr<Scheme> scheme_;
  GmpSchedule schedule_;
  SparsitySpec sparsity_;  // for sparse_execution_below and conv_sparse_execution_below
  SparseFormat format_;
  std::function<void(const MaskChangeEvent&)> emit_;
  std::vector<PrunedLayer> layers_;
};

}  // namespace ss
