#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "nn/layer.h"
#include "sparse/scheme.h"
#include "train/observer.h"
#include "train/sgd.h"

namespace ss {

// The drop-and-grow steps of mask_mutation.h for the unstructured scheme, on a layer's active positions (ascending
// flat row-major) with one score per active weight: never a byte or a score per position of the layer, so a layer
// of billions of positions mutates in the memory of its active weights. Same rules, same ranking (ties keep the
// lower position, NaN ranks lowest); the random growth draws positions directly (sparse/random_positions.h). Layers
// of a scheme that anyPositionsFit (sparse/scheme.h) mutate here; the others through their groups.

// |w| + lambda |g| of each active weight, in storage order (importanceScores' values at the active positions).
std::vector<float> activeImportance(WeightMatrix& weights, float lambda);

// The `keep` highest-scoring positions (scores[i] belongs to positions[i]), ascending.
std::vector<int64_t> keepHighestScored(const std::vector<int64_t>& positions, const std::vector<float>& scores,
                                       int64_t keep);

// swapGroups: drops the `count` lowest-scoring positions and grows as many random ones that were inactive before
// (never more than there are).
std::vector<int64_t> swapPositions(const std::vector<int64_t>& positions, const std::vector<float>& scores,
                                   int64_t size, int64_t count, Rng& rng);

// pruneAndGrow: keeps the `keep` highest-scoring positions, then grows random positions that were inactive before
// until `growTo` are active; with too few inactive positions for that it drops fewer.
std::vector<int64_t> pruneAndGrowPositions(const std::vector<int64_t>& positions, const std::vector<float>& scores,
                                           int64_t size, int64_t keep, int64_t growTo, Rng& rng);

// Installs ascending `next` positions in the layer, moving its weight's optimizer state along (installMask's twin
// for positions), and describes the change.
MaskChangeEvent installPositions(Layer& layer, Sgd& optimizer, const std::vector<int64_t>& next, int epoch,
                                 int64_t step);

}  // namespace ss
