#include "nesterov_sgd.h"

namespace reference {

void nesterovStep(MaskedMlp& mlp, float learningRate, const SgdSettings& settings) {
  const float mu = settings.momentum;
  for (MaskedLayer& layer : mlp.layers) {
    const Eigen::ArrayXXf g =
        layer.weightGradient.array() * layer.mask.array() + settings.weightDecay * layer.weights.array();
    layer.weightMomentum.array() = mu * layer.weightMomentum.array() + g;
    layer.weights.array() -= learningRate * (g + mu * layer.weightMomentum.array());
    const Eigen::ArrayXf gb = layer.biasGradient.array();
    layer.biasMomentum.array() = mu * layer.biasMomentum.array() + gb;
    layer.bias.array() -= learningRate * (gb + mu * layer.biasMomentum.array());
  }
}

}  // namespace reference
