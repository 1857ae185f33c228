#include "nesterov_sgd.h"

namespace reference {

void nesterovStepUndecayed(Eigen::VectorXf& values, Eigen::VectorXf& momentum, const Eigen::VectorXf& gradient,
                           float learningRate, const SgdSettings& settings) {
  const float mu = settings.momentum;
  momentum.array() = mu * momentum.array() + gradient.array();
  values.array() -= learningRate * (gradient.array() + mu * momentum.array());
}

void nesterovStep(MaskedLayer& layer, float learningRate, const SgdSettings& settings) {
  const float mu = settings.momentum;
  const Eigen::ArrayXXf g =
      layer.weightGradient.array() * layer.mask.array() + settings.weightDecay * layer.weights.array();
  layer.weightMomentum.array() = mu * layer.weightMomentum.array() + g;
  layer.weights.array() -= learningRate * (g + mu * layer.weightMomentum.array());
  if (layer.bias.size() > 0)
    nesterovStepUndecayed(layer.bias, layer.biasMomentum, layer.biasGradient, learningRate, settings);
}

void nesterovStep(MaskedMlp& mlp, float learningRate, const SgdSettings& settings) {
  for (MaskedLayer& layer : mlp.layers) nesterovStep(layer, learningRate, settings);
}

}  // namespace reference
