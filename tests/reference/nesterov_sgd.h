#pragma once

#include "masked_mlp.h"

namespace reference {

struct SgdSettings {
  float momentum = 0.9f;
  float weightDecay = 5e-4f;
};

// PyTorch's SGD with Nesterov momentum: g = grad + wd * w (weights only, not biases); m = mu * m + g;
// w -= lr * (g + mu * m). Masked gradients keep inactive weights and their momentum exactly zero.
void nesterovStep(MaskedMlp& mlp, float learningRate, const SgdSettings& settings);

}  // namespace reference
