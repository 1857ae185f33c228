#pragma once

#include <string>
#include <vector>

#include "core/rng.h"
#include "nn/model.h"
#include "project/project.h"
#include "sparse/layer_budget.h"
#include "sparse/mask.h"
#include "sparse/sparse_format.h"

namespace ss {

// The layers of a model that carry a weight matrix, as the layer budget sees them; dense_layers
// ("first", "last" or layer names) are marked not sparse. Throws InputError for an unknown name.
std::vector<BudgetLayer> budgetLayers(Model& model, const std::vector<std::string>& denseLayers);
// Marks the dense_layers of a budget not sparse, as budgetLayers does; throws InputError for an unknown name.
void keepLayersDense(std::vector<BudgetLayer>& budget, const std::vector<std::string>& denseLayers);

class Scheme;
struct LayerGeometry;

// The weight geometry of a layer that has a weight matrix, as schemes see it.
LayerGeometry layerGeometry(Layer& layer);

// A random mask in the scheme's shape at the given density: uniform random scores projected by the
// scheme, the random start of static sparse training, SET, RigL, MEST and of the benchmark.
Mask randomSchemeMask(Layer& layer, const Scheme& scheme, double density, Rng& rng);

// How sparse layers store their weights under the spec: the scheme's layout, with or without the transposed index.
SparseFormat sparseFormatOf(const SparsitySpec& spec);

// Per-layer densities for the project's target and distribution.
std::vector<LayerDensity> planDensities(Model& model, const SparsitySpec& spec);
// The same for the weight layers of a model not yet built (dense_layers not yet applied).
std::vector<LayerDensity> planDensities(std::vector<BudgetLayer> layers, const SparsitySpec& spec);

// The random start of one weight layer at a density, in the scheme's shape (achievableDensity), as ascending flat
// positions. The unstructured scheme draws the positions themselves, in memory and time of the order of the active
// count; the structured schemes project uniform random scores drawn a row at a time (Scheme::projectRows), in
// memory of the order of the kept units and a row, in time of the layer's size.
std::vector<int64_t> randomStartPositions(const LayerGeometry& g, const Scheme& scheme, double density, Rng& rng);

// The random start of a layer at its planned density (randomStartPositions); `planned` takes the active count and
// density the scheme reached. Born-sparse building and sparsifyModel both start layers this way.
std::vector<int64_t> drawPlannedStart(const LayerGeometry& g, const Scheme& scheme, LayerDensity& planned, Rng& rng);

// Whether a layer at this many active weights runs on the sparse kernels (else masked-dense): at or below the spec's
// sparse_execution_below, or conv_sparse_execution_below for a convolution.
bool runsOnSparseKernels(int64_t active, int64_t size, const SparsitySpec& spec, bool convolution);

// Gives every weight layer a random mask in the scheme's shape at its planned density (the random
// start of static sparse training, SET, RigL and MEST) and chooses sparse or masked-dense execution
// by density. Returns the plan, with each layer's achieved density and count.
std::vector<LayerDensity> sparsifyModel(Model& model, const SparsitySpec& spec, Rng& rng);

// Fraction of the model's weight-layer entries that are active.
double modelDensity(Model& model);

}  // namespace ss
