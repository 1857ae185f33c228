#include "algorithms/mask_mutation.h"

#include <stdexcept>

#include "algorithms/position_mutation.h"
#include "sparse/weight_matrix.h"

namespace ss {

std::vector<MutableLayer> mutableLayers(Model& model, const Scheme& scheme) {
  std::vector<MutableLayer> out;
  for (const auto& layer : model.layers()) {
    WeightMatrix* w = layer->weightMatrix();
    if (!w || w->activeCount() >= int64_t(w->rows()) * w->cols()) continue;
    MutableLayer m{layer.get(), {w->rows(), w->cols(), layer->kernelArea(), layer->name()}, {}};
    const std::unique_ptr<UnitLayout> units = scheme.unitLayout(m.geometry);
    if (!units->balanced()) {
      m.budget.assign(size_t(units->setCount()), 0);
      for (const auto& [set, count] : countPerSet(*units, activeUnits(*units, w->cols(), w->activePositions()).units))
        m.budget[size_t(set)] = count;
    }
    out.push_back(std::move(m));
  }
  return out;
}

LayerUnits layerUnits(const Scheme& scheme, const MutableLayer& layer, float lambda) {
  WeightMatrix& w = *layer.layer->weightMatrix();
  LayerUnits out{scheme.unitLayout(layer.geometry), w.activePositions(), {}};
  out.active = activeUnits(*out.layout, w.cols(), out.positions, activeImportance(w, lambda));
  return out;
}

MaskChangeEvent installMask(Layer& layer, Sgd& optimizer, const Mask& next, int epoch, int64_t step) {
  return installPositions(layer, optimizer, positionsOf(next), epoch, step);
}

std::string weightParameterName(Layer& layer) {
  WeightMatrix& w = *layer.weightMatrix();
  for (const ParameterRef& p : layer.parameters())
    if (w.holds(p)) return p.name;
  throw std::logic_error("layer " + layer.name() + ": no parameter holds its weights");
}

void switchToSparseExecution(Layer& layer, Sgd& optimizer, const SparseFormat& format) {
  WeightMatrix& w = *layer.weightMatrix();
  if (w.sparse()) return;
  const Mask mask = w.mask();
  std::vector<float>& momentum = optimizer.state(weightParameterName(layer));
  if (!momentum.empty()) {
    // Every sparse layout keeps its entries in row-major order of the active positions, the order this walk
    // keeps them in.
    size_t kept = 0;
    for (size_t i = 0; i < mask.bits.size(); ++i)
      if (mask.bits[i]) momentum[kept++] = momentum[i];
    momentum.resize(kept);
    momentum.shrink_to_fit();
  }
  w.applyMask(mask, true, format);
}

}  // namespace ss
