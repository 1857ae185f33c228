#include "nn/model.h"

#include <sstream>

#include "sparse/panel_transpose.h"

namespace ss {

void Model::add(std::unique_ptr<Layer> layer) {
  layers_.push_back(std::move(layer));
  outputs_.resize(layers_.size());
}

void Model::planPanels() {
  // Asked at every forward: whether a linear layer prefers panels changes when an algorithm makes it sparse.
  const size_t n = layers_.size();
  onPanels_.assign(n, 0);
  for (size_t begin = 0; begin < n;) {
    size_t end = begin;
    bool preferred = false;
    while (end < n && layers_[end]->takesPanels()) preferred |= layers_[end++]->prefersPanels();
    for (size_t i = begin; i < end; ++i) onPanels_[i] = preferred;
    begin = end == begin ? begin + 1 : end;
  }
}

const Matrix& Model::forward(const Matrix& x, bool training) {
  planPanels();
  input_ = &x;
  transposedInputs_.resize(layers_.size());
  inputs_.assign(layers_.size(), nullptr);
  const Matrix* in = &x;
  bool inIsPanel = false;
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (bool(onPanels_[i]) != inIsPanel) {  // into a stretch on panels, or out of one
      transposeInto(*in, transposedInputs_[i]);
      in = &transposedInputs_[i];
    }
    inputs_[i] = in;
    if (onPanels_[i])
      layers_[i]->forwardPanel(*in, outputs_[i], training);
    else
      layers_[i]->forward(*in, outputs_[i], training);
    in = &outputs_[i];
    inIsPanel = onPanels_[i];
  }
  if (!inIsPanel) return *in;
  transposeInto(*in, logits_);
  return logits_;
}

void Model::backward(const Matrix& dLogits) {
  gradOut_ = dLogits;
  bool gradIsPanel = false;
  for (size_t i = layers_.size(); i-- > 0;) {
    if (bool(onPanels_[i]) != gradIsPanel) {
      transposeInto(gradOut_, gradTransposed_);
      std::swap(gradOut_, gradTransposed_);
      gradIsPanel = onPanels_[i];
    }
    const bool needInputGrad = i > 0;
    if (onPanels_[i])
      layers_[i]->backwardPanel(*inputs_[i], outputs_[i], gradOut_, gradIn_, needInputGrad);
    else
      layers_[i]->backward(*inputs_[i], outputs_[i], gradOut_, gradIn_, needInputGrad);
    if (needInputGrad) std::swap(gradIn_, gradOut_);
  }
}

const Matrix& Model::activation(size_t i) const {
  if (i == 0) return *input_;
  if (i - 1 >= onPanels_.size() || !onPanels_[i - 1]) return outputs_[i - 1];
  rowsOf_.resize(layers_.size());
  transposeInto(outputs_[i - 1], rowsOf_[i - 1]);
  return rowsOf_[i - 1];
}

std::vector<ParameterRef> Model::parameters() {
  std::vector<ParameterRef> all;
  for (auto& layer : layers_)
    for (auto& p : layer->parameters()) all.push_back(p);
  return all;
}

int64_t Model::parameterCount() {
  int64_t n = 0;
  for (auto& p : parameters()) n += int64_t(p.values.size());
  return n;
}

std::string Model::summary() const {
  std::ostringstream out;
  for (const auto& layer : layers_) out << "  " << layer->name() << ": " << layer->describe() << "\n";
  return out.str();
}

}  // namespace ss
