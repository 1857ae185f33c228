#pragma once

#include <Eigen/Core>

#include "masked_mlp.h"

namespace reference {

struct SgdSettings {
  float momentum = 0.9f;
  float weightDecay = 5e-4f;
};

// PyTorch's SGD with Nesterov momentum: g = grad + wd * w (weights only, not biases); m = mu * m + g;
// w -= lr * (g + mu * m). Masked gradients keep inactive weights and their momentum exactly zero.
void nesterovStep(MaskedLayer& layer, float learningRate, const SgdSettings& settings);
void nesterovStep(MaskedMlp& mlp, float learningRate, const SgdSettings& settings);
// The same step without weight decay, for biases and batch norm's scale and shift.
void nesterovStepUndecayed(Eigen::VectorXf& values, Eigen::VectorXf& momentum, const Eigen::VectorXf& gradient,
                           float learningRate, const SgdSettings& settings);

}  // namespace reference
