#include "nn/model.h"

#include <sstream>

namespace ss {

void Model::add(std::unique_ptr<Layer> layer) {
  layers_.push_back(std::move(layer));
  outputs_.resize(layers_.size());
}

const Matrix& Model::forward(const Matrix& x, bool training) {
  input_ = &x;
  for (size_t i = 0; i < layers_.size(); ++i) layers_[i]->forward(activation(i), outputs_[i], training);
  return activation(layers_.size());
}

void Model::backward(const Matrix& dLogits) {
  gradOut_ = dLogits;
  for (size_t i = layers_.size(); i-- > 0;) {
    const bool needInputGrad = i > 0;
    layers_[i]->backward(activation(i), outputs_[i], gradOut_, gradIn_, needInputGrad);
    if (needInputGrad) std::swap(gradIn_, gradOut_);
  }
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
