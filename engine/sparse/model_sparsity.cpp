#include "sparse/model_sparsity.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
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
  const std::vector<Layer*> layers = weightLayers(model);
  std::vector<BudgetLayer> budget;
  for (size_t i = 0; i < layers.size(); ++i) {
    const WeightMatrix& w = *layers[i]->weightMatrix();
    const int k = int(std::lround(std::sqrt(double(layers[i]->kernelArea()))));
    budget.push_back({layers[i]->name(), w.rows(), w.cols(), k, k, true});
  }
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
  return budget;
}

LayerGeometry layerGeometry(Layer& layer) {
  const WeightMatrix& w = *layer.weightMatrix();
  return {w.rows(), w.cols(), layer.kernelArea(), layer.name()};
}

Mask randomSchemeMask(Layer& layer, const Scheme& scheme, double density, Rng& rng) {
  const LayerGeometry geometry = layerGeometry(layer);
  Matrix scores(geometry.rows, geometry.cols);
  for (Eigen::Index k = 0; k < scores.size(); ++k) scores.data()[k] = rng.uniform(0.0f, 1.0f);
  return scheme.project(scores, geometry, density);
}

SparseFormat sparseFormatOf(const SparsitySpec& spec) {
  SparseFormat format = makeScheme(spec.scheme, spec.schemeOptionsJson, "sparsity")->sparseFormat();
  format.transposedIndex = spec.transposedIndex;
  return format;
}

std::vector<LayerDensity> planDensities(Model& model, const SparsitySpec& spec) {
  return distributeDensity(budgetLayers(model, spec.denseLayers), spec.distribution, 1.0 - spec.target);
}

std::vector<LayerDensity> sparsifyModel(Model& model, const SparsitySpec& spec, Rng& rng) {
  std::vector<LayerDensity> plan = planDensities(model, spec);
  const auto scheme = makeScheme(spec.scheme, spec.schemeOptionsJson, "sparsity");
  SparseFormat format = scheme->sparseFormat();
  format.transposedIndex = spec.transposedIndex;
  const std::vector<Layer*> layers = weightLayers(model);
  for (size_t i = 0; i < layers.size(); ++i) {
    LayerDensity& planned = plan[i];
    if (planned.active >= planned.size) continue;  // stays dense
    const Mask mask = randomSchemeMask(*layers[i], *scheme, double(planned.active) / double(planned.size), rng);
    WeightMatrix& w = *layers[i]->weightMatrix();
    const bool sparseExecution = mask.density() <= spec.sparseExecutionBelow;
    w.applyMask(mask, sparseExecution, format);
    planned.active = mask.activeCount();
    planned.density = mask.density();
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
