#include "sparse/model_sparsity.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "sparse/random_positions.h"
#include "sparse/scheme.h"
#include "sparse/weight_matrix.h"

namespace ss {

namespace {
std::vector<Layer*> weightLayers(Model& model) {
  std::vector<Layer*> layers;
  for (const auto& layer : model.layers())
    if (layer->weightMatrix()) layers.push_back(layer.get());
  return layers;
}
}  // namespace

std::vector<BudgetLayer> budgetLayers(Model& model, const std::vector<std::string>& denseLayers) {
  std::vector<BudgetLayer> budget;
  for (Layer* layer : weightLayers(model)) {
    const WeightMatrix& w = *layer->weightMatrix();
    const int k = int(std::lround(std::sqrt(double(layer->kernelArea()))));
    budget.push_back({layer->name(), w.rows(), w.cols(), k, k, true, layer->kind() == "conv2d"});
  }
  keepLayersDense(budget, denseLayers);
  return budget;
}

void keepLayersDense(std::vector<BudgetLayer>& budget, const std::vector<std::string>& denseLayers) {
  for (const std::string& name : denseLayers) {
    auto it = std::find_if(budget.begin(), budget.end(), [&](const BudgetLayer& b) { return b.name == name; });
    if (name == "first" && !budget.empty()) it = budget.begin();
    if (name == "last" && !budget.empty()) it = budget.end() - 1;
    if (it == budget.end()) {
      std::string known = "first, last";
      for (const auto& b : budget) known += ", " + b.name;
      throw InputError("sparsity.dense_layers: no layer '" + name + "' in this model (known: " + known + ")");
    }
    it->sparse = false;
  }
}

LayerGeometry layerGeometry(Layer& layer) {
  const WeightMatrix& w = *layer.weightMatrix();
  return {w.rows(), w.cols(), layer.kernelArea(), layer.name()};
}

Mask randomSchemeMask(Layer& layer, const Scheme& scheme, double density, Rng& rng) {
  const LayerGeometry g = layerGeometry(layer);
  return maskAt(g.rows, g.cols, randomStartPositions(g, scheme, density, rng));
}

SparseFormat sparseFormatOf(const SparsitySpec& spec) {
  SparseFormat format = makeScheme(spec.scheme, spec.schemeOptionsJson, "sparsity")->sparseFormat();
  format.transposedIndex = spec.transposedIndex;
  return format;
}

std::vector<LayerDensity> planDensities(Model& model, const SparsitySpec& spec) {
  return distributeDensity(budgetLayers(model, spec.denseLayers), spec.distribution, 1.0 - spec.target);
}

std::vector<LayerDensity> planDensities(std::vector<BudgetLayer> layers, const SparsitySpec& spec) {
  keepLayersDense(layers, spec.denseLayers);
  return distributeDensity(layers, spec.distribution, 1.0 - spec.target);
}

std::vector<int64_t> randomStartPositions(const LayerGeometry& g, const Scheme& scheme, double density, Rng& rng) {
  if (anyPositionsFit(scheme)) {
    const int64_t size = int64_t(g.rows) * g.cols;
    const int64_t active = std::llround(scheme.achievableDensity(g, density) * double(size));
    return randomPositions(size, std::clamp<int64_t>(active, 0, size), rng);
  }
  const auto uniformScores = [&rng](int, std::span<float> row) {
    for (float& score : row) score = rng.uniform(0.0f, 1.0f);
  };
  return scheme.projectRows(uniformScores, g, density);
}

std::vector<int64_t> drawPlannedStart(const LayerGeometry& g, const Scheme& scheme, LayerDensity& planned, Rng& rng) {
  std::vector<int64_t> positions = randomStartPositions(g, scheme, double(planned.active) / double(planned.size), rng);
  planned.active = int64_t(positions.size());
  planned.density = double(planned.active) / double(planned.size);
  return positions;
}

bool runsOnSparseKernels(int64_t active, int64_t size, const SparsitySpec& spec, bool convolution) {
  const double below = convolution ? spec.convSparseExecutionBelow : spec.sparseExecutionBelow;
  return size > 0 && double(active) / double(size) <= below;
}

std::vector<LayerDensity> sparsifyModel(Model& model, const SparsitySpec& spec, Rng& rng) {
  std::vector<LayerDensity> plan = planDensities(model, spec);
  const auto scheme = makeScheme(spec.scheme, spec.schemeOptionsJson, "sparsity");
  const SparseFormat format = sparseFormatOf(spec);
  const std::vector<Layer*> layers = weightLayers(model);
  for (size_t i = 0; i < layers.size(); ++i) {
    LayerDensity& planned = plan[i];
    if (planned.active >= planned.size) continue;  // stays dense
    WeightMatrix& w = *layers[i]->weightMatrix();
    const std::vector<int64_t> positions = drawPlannedStart(layerGeometry(*layers[i]), *scheme, planned, rng);
    const bool convolution = layers[i]->kind() == "conv2d";
    w.applyMask(maskAt(w.rows(), w.cols(), positions),
                runsOnSparseKernels(planned.active, planned.size, spec, convolution), format);
  }
  return plan;
}

double modelDensity(Model& model) {
  int64_t active = 0, total = 0;
  for (Layer* layer : weightLayers(model)) {
    const WeightMatrix& w = *layer->weightMatrix();
    active += w.activeCount();
    total += int64_t(w.rows()) * w.cols();
  }
  return total ? double(active) / double(total) : 1.0;
}

}  // namespace ss
