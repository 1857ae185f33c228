#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "nn/model.h"
#include "sparse/mask.h"
#include "sparse/scheme.h"
#include "train/observer.h"
#include "train/sgd.h"

namespace ss {

// A scheme's groups for one layer, arranged for mutation. `sets` are the scheme's balanced sets or, for a
// scheme without them, the groups partitioned by size: growing as many groups of each size as were dropped
// keeps the weight count exact even where ragged edge blocks are smaller than the rest.
struct GroupLayout {
  std::vector<std::vector<int64_t>> groups;
  std::vector<std::vector<int64_t>> sets;  // indices into groups
  bool balanced = false;                   // the scheme's own balanced sets: a mutation can only swap
};
GroupLayout groupLayout(const Scheme& scheme, const LayerGeometry& geometry);

// How many groups of each set are active.
std::vector<int64_t> activeGroupsPerSet(const GroupLayout& layout, const Mask& mask);

// Drops the `count` lowest-scoring active groups (Scheme::groupScore; ties drop the higher index) and grows
// as many random groups in the same sets, so every set keeps its active count. Groups grow only where the
// mask was inactive before: a set never drops more groups than it has inactive ones to grow into.
// Growing writes random scores into the grown groups, so a pattern kernel takes a random library pattern.
Mask swapGroups(const Mask& mask, const Scheme& scheme, const GroupLayout& layout, Matrix& scores, int64_t count,
                Rng& rng);

// RigL's step: drops the `count` active groups of lowest dropScores (ties drop the higher index), then in every set
// grows as many groups as it lost: those of highest growScores (ties: lower index) among the set's groups that are
// inactive after the drop. A dropped group may so win its place back, as in the paper (ArgTopK over all positions
// outside the kept ones); it then keeps its value and state, since the mask did not change there.
Mask dropAndGrowByScore(const Mask& mask, const Scheme& scheme, const GroupLayout& layout, const Matrix& dropScores,
                        const Matrix& growScores, int64_t count);

// Per set i: keeps the keep[i] highest-scoring active groups, then grows random groups that were inactive
// before until growTo[i] are active. When a set has too few inactive groups for that, it drops fewer rather
// than dropping and regrowing the same group.
Mask pruneAndGrow(const Mask& mask, const Scheme& scheme, const GroupLayout& layout, Matrix& scores,
                  const std::vector<int64_t>& keep, const std::vector<int64_t>& growTo, Rng& rng);

// |w| + lambda |g| at the active positions (g: the last step's gradient, kept only there), zero elsewhere.
// A transient score buffer of the layer's size.
Matrix importanceScores(WeightMatrix& weights, float lambda);

// One sparse layer a drop-and-grow algorithm mutates, with its target: the active groups per set that
// sparsifyModel gave it.
struct MutableLayer {
  Layer* layer = nullptr;
  LayerGeometry geometry;
  std::vector<int64_t> budget;
};

// The weight layers that sparsifyModel left sparse (density below 1); dense layers stay dense.
std::vector<MutableLayer> mutableLayers(Model& model, const Scheme& scheme);

// Installs `next` in the layer, moving its weight's optimizer state along, and describes the change.
MaskChangeEvent installMask(Layer& layer, Sgd& optimizer, const Mask& next, int epoch, int64_t step);

// The name of the parameter that holds the layer's weight matrix (its optimizer state's key).
std::string weightParameterName(Layer& layer);

// Moves a masked-dense layer to sparse execution with its current mask, carrying the weight's optimizer state
// from dense storage order (one entry per position) to the sparse layouts' row-major order of the active
// weights. Sparse layers stay.
void switchToSparseExecution(Layer& layer, Sgd& optimizer, const SparseFormat& format);

}  // namespace ss
