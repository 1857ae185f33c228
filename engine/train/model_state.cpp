#include "train/model_state.h"

#include <algorithm>

#include "core/error.h"
#include "sparse/position_coding.h"
#include "sparse/weight_matrix.h"

namespace ss {

namespace {

// The mask goes coded, layer by layer: only one layer's positions (eight bytes per active weight) exist at a time.
CodedMask codedMaskOf(Layer& layer) {
  WeightMatrix& w = *layer.weightMatrix();
  CodedMask m;
  m.layer = layer.name();
  m.rows = w.rows();
  m.cols = w.cols();
  const bool masked = w.sparse() || w.activeCount() < int64_t(w.rows()) * w.cols();
  m.form = w.sparse() ? LayerMaskState::Sparse : masked ? LayerMaskState::MaskedDense : LayerMaskState::Dense;
  const int64_t size = int64_t(m.rows) * m.cols;
  m.positions =
      m.form == LayerMaskState::Dense ? encodePositions({}, size) : encodePositions(w.activePositions(), size);
  return m;
}

// The layer takes the form the checkpoint recorded, whatever form the project built it in: a layer's form changes
// in training (MEST's soft bound fills a small layer, GMP moves to the sparse kernels), and a resumed run goes on
// from where it was. Values follow from the parameters.
void restoreForm(const LayerMaskState& m, Layer& layer, const SparseFormat& format) {
  WeightMatrix& w = *layer.weightMatrix();
  if (m.rows != w.rows() || m.cols != w.cols())
    throw RunError("checkpoint: layer " + layer.name() + " is " + std::to_string(m.rows) + "x" +
                   std::to_string(m.cols) + " there but " + std::to_string(w.rows()) + "x" + std::to_string(w.cols()) +
                   " in the project's model (another model's checkpoint?)");
  switch (m.form) {
    case LayerMaskState::Dense:
      w.becomeDense();
      return;
    case LayerMaskState::MaskedDense:
      w.applyMask(maskAt(m.rows, m.cols, m.positions), false, format);
      return;
    case LayerMaskState::Sparse:
      w.bornSparse(m.positions, {}, format);
      return;
  }
}

const NamedFloats* find(const std::vector<NamedFloats>& list, const std::string& name) {
  const auto it = std::find_if(list.begin(), list.end(), [&](const NamedFloats& p) { return p.name == name; });
  return it == list.end() ? nullptr : &*it;
}

}  // namespace

void describeModelState(Model& model, Sgd& optimizer, CheckpointParts& c) {
  for (const auto& layer : model.layers()) {
    if (layer->weightMatrix()) c.masks.push_back(codedMaskOf(*layer));
    if (std::string state = layer->randomState(); !state.empty())
      c.layerRandomStates.push_back({layer->name(), std::move(state)});
  }
  for (const ParameterRef& p : model.parameters()) {
    c.parameters.push_back({p.name, p.values});
    c.gradients.push_back({p.name, p.grads});
    c.momentum.push_back({p.name, optimizer.state(p.name)});
  }
  // State buffers go with the parameters, by their own names: evaluation reads them, so a resumed run needs them as
  // it needs the weights.
  for (const NamedBuffer& b : model.stateBuffers()) c.parameters.push_back({b.name, b.values});
}

void restoreModelState(const Checkpoint& c, Model& model, Sgd& optimizer, const SparseFormat& format) {
  size_t nextMask = 0;
  for (const auto& layer : model.layers()) {
    if (!layer->weightMatrix()) continue;
    if (nextMask >= c.masks.size() || c.masks[nextMask].layer != layer->name())
      throw RunError("checkpoint: has no mask for layer " + layer->name() + " (another model's checkpoint?)");
    restoreForm(c.masks[nextMask++], *layer, format);
  }
  for (const NamedState& s : c.layerRandomStates) {
    const auto it = std::find_if(model.layers().begin(), model.layers().end(),
                                 [&](const auto& layer) { return layer->name() == s.name; });
    if (it == model.layers().end() || !(*it)->setRandomState(s.state))
      throw RunError("checkpoint: cannot restore the random stream of layer " + s.name);
  }
  for (const ParameterRef& p : model.parameters()) {
    const NamedFloats* values = find(c.parameters, p.name);
    if (!values || values->values.size() != p.values.size())
      throw RunError("checkpoint: parameter " + p.name +
                     (values ? " has " + std::to_string(values->values.size()) + " values there, the model stores " +
                                   std::to_string(p.values.size())
                             : " is missing"));
    std::copy(values->values.begin(), values->values.end(), p.values.begin());
    const NamedFloats* grads = find(c.gradients, p.name);
    if (!grads || grads->values.size() != p.grads.size())
      throw RunError("checkpoint: the gradient of " + p.name + " is missing or has the wrong size");
    std::copy(grads->values.begin(), grads->values.end(), p.grads.begin());
    const NamedFloats* state = find(c.momentum, p.name);
    std::vector<float>& momentum = optimizer.state(p.name);
    momentum = state ? state->values : std::vector<float>{};
    if (!momentum.empty() && momentum.size() != p.values.size())
      throw RunError("checkpoint: the optimizer state of " + p.name + " has the wrong size");
  }
  for (const NamedBuffer& b : model.stateBuffers()) {
    const NamedFloats* values = find(c.parameters, b.name);
    if (!values || values->values.size() != b.values.size())
      throw RunError("checkpoint: " + b.name + (values ? " has the wrong size" : " is missing"));
    std::copy(values->values.begin(), values->values.end(), b.values.begin());
  }
}

}  // namespace ss
