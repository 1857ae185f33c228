#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "algorithms/active_units.h"
#include "nn/model.h"
#include "sparse/mask.h"
#include "sparse/scheme.h"
#include "train/observer.h"
#include "train/sgd.h"

namespace ss {

// One sparse layer a drop-and-grow algorithm mutates, with its target: the active units per set its start gave it,
// for a layout without balanced sets (whose few sets may change their counts); empty for a balanced one, whose every
// set keeps its count by construction.
struct MutableLayer {
  Layer* layer = nullptr;
  LayerGeometry geometry;
  std::vector<int64_t> budget;
};

// The weight layers left sparse at the start (density below 1); dense layers stay dense.
std::vector<MutableLayer> mutableLayers(Model& model, const Scheme& scheme);

// A layer as a mutation sees it: its units, its active positions and its active units keyed by their weights'
// |w| + lambda |g| (activeImportance).
struct LayerUnits {
  std::unique_ptr<UnitLayout> layout;
  std::vector<int64_t> positions;
  ActiveUnits active;
};
LayerUnits layerUnits(const Scheme& scheme, const MutableLayer& layer, float lambda);

// Installs `next` in the layer, moving its weight's optimizer state along, and describes the change.
MaskChangeEvent installMask(Layer& layer, Sgd& optimizer, const Mask& next, int epoch, int64_t step);

// The name of the parameter that holds the layer's weight matrix (its optimizer state's key).
std::string weightParameterName(Layer& layer);

// Moves a masked-dense layer to sparse execution with its current mask, carrying the weight's optimizer state
// from dense storage order (one entry per position) to the sparse layouts' row-major order of the active
// weights. Sparse layers stay.
void switchToSparseExecution(Layer& layer, Sgd& optimizer, const SparseFormat& format);

}  // namespace ss
