#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "nn/parameter.h"

namespace ss {

struct SgdSettings {
  float momentum = 0.9f;
  bool nesterov = true;
  float weightDecay = 5e-4f;
  // Decay every parameter, those marked decay = false (biases, normalisation scale and shift) too, as PyTorch's
  // SGD(model.parameters(), weight_decay=...) does without parameter groups.
  bool decayNormAndBias = false;
};

// SGD with (Nesterov) momentum and L2 weight decay, as PyTorch defines it:
// g = grad + wd * w; v = mu * v + g; w -= lr * (nesterov ? g + mu * v : v), with wd = 0 for a parameter marked
// decay = false unless the settings decay every parameter.
// Momentum is kept per parameter entry, keyed by parameter name: a sparse layer's parameter holds
// only active weights, so the state holds only theirs.
class Sgd {
 public:
  explicit Sgd(SgdSettings s) : s_(s) {}

  void step(const std::vector<ParameterRef>& params, float lr);
  // The momentum of one parameter, for checkpoints and for moving state when a mask changes.
  std::vector<float>& state(const std::string& parameterName) { return momentum_[parameterName]; }
  int64_t stateBytes() const;

 private:
  // One parameter's update in a step: its arrays, and the thread that updates it (-1: every thread a share).
  struct Update {
    float* w;
    const float* g;
    float* m;
    ptrdiff_t n;
    float wd;
    int owner;
  };

  SgdSettings s_;
  std::map<std::string, std::vector<float>> momentum_;
  std::vector<Update> updates_;  // kept between steps: no allocation per step
};

}  // namespace ss
