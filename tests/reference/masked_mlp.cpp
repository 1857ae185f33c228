#include "masked_mlp.h"

#include <algorithm>
#include <cmath>

namespace reference {

MaskedMlp::MaskedMlp(const std::vector<int>& widths, std::mt19937_64& rng) {
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
    const int in = widths[l], out = widths[l + 1];
    std::normal_distribution<float> he(0.0f, std::sqrt(2.0f / float(in)));
    MaskedLayer layer;
    layer.weights = Eigen::MatrixXf::NullaryExpr(out, in, [&] { return he(rng); });
    layer.bias = Eigen::VectorXf::Zero(out);
    layer.mask = Eigen::MatrixXf::Ones(out, in);
    layer.weightMomentum = Eigen::MatrixXf::Zero(out, in);
    layer.biasMomentum = Eigen::VectorXf::Zero(out);
    layer.weightGradient = Eigen::MatrixXf::Zero(out, in);
    layer.biasGradient = Eigen::VectorXf::Zero(out);
    layers.push_back(std::move(layer));
  }
  activations_.resize(layers.size());
}

BatchOutcome MaskedMlp::forwardBackward(const RowMatrix& inputs, const std::vector<int>& labels) {
  const std::size_t depth = layers.size();
  activations_[0] = inputs;
  Eigen::MatrixXf z;
  for (std::size_t l = 0; l < depth; ++l) {
    z.noalias() = activations_[l] * layers[l].weights.transpose();
    z.rowwise() += layers[l].bias.transpose();
    if (l + 1 < depth) activations_[l + 1] = z.cwiseMax(0.0f);
  }
  BatchOutcome outcome = softmaxCrossEntropy(z, labels);
  Eigen::MatrixXf& delta = z;  // dL/dz of the layer being visited
  for (std::size_t l = depth; l-- > 0;) {
    MaskedLayer& layer = layers[l];
    layer.weightGradient.noalias() = delta.transpose() * activations_[l];
    layer.biasGradient = delta.colwise().sum().transpose();
    if (l == 0) break;
    Eigen::MatrixXf upstream = delta * layer.weights;
    delta = (activations_[l].array() > 0.0f).select(upstream, 0.0f);
  }
  return outcome;
}

Eigen::MatrixXf MaskedMlp::logits(const RowMatrix& inputs) const {
  Eigen::MatrixXf a = inputs;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    Eigen::MatrixXf z = a * layers[l].weights.transpose();
    z.rowwise() += layers[l].bias.transpose();
    a = l + 1 < layers.size() ? Eigen::MatrixXf(z.cwiseMax(0.0f)) : z;
  }
  return a;
}

double MaskedMlp::accuracy(const ImageSet& set) const {
  const Eigen::Index chunk = 1000;
  long hits = 0;
  for (Eigen::Index start = 0; start < set.images.rows(); start += chunk) {
    const Eigen::Index rows = std::min(chunk, set.images.rows() - start);
    const Eigen::MatrixXf out = logits(set.images.middleRows(start, rows));
    for (Eigen::Index i = 0; i < rows; ++i) {
      Eigen::Index predicted;
      out.row(i).maxCoeff(&predicted);
      hits += predicted == set.labels[start + i];
    }
  }
  return double(hits) / double(set.images.rows());
}

long MaskedMlp::activeWeights() const {
  long active = 0;
  for (const MaskedLayer& layer : layers) active += layer.activeCount();
  return active;
}

long MaskedMlp::totalWeights() const {
  long total = 0;
  for (const MaskedLayer& layer : layers) total += long(layer.mask.size());
  return total;
}

}  // namespace reference
