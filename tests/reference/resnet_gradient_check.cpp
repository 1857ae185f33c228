#include "resnet_gradient_check.h"

#include <cstdio>
#include <functional>
#include <string>

#include "resnet20.h"

namespace reference {
namespace {

struct CheckedTensor {
  std::string name;
  float* values;
  const float* gradient;  // copied before the finite differences overwrite the network's
  Eigen::Index size;
};

}  // namespace

bool resnetGradientCheck(unsigned long seed) {
  std::mt19937_64 rng(seed);
  ResNet20 net(28, rng);
  const int batch = 4;
  std::normal_distribution<float> normal;
  const RowMatrix images = RowMatrix::NullaryExpr(batch, 28 * 28, [&] { return normal(rng); });
  const std::vector<int> labels{3, 1, 7, 3};
  const auto meanLoss = [&] { return net.forwardBackward(images, labels).lossSum / batch; };
  meanLoss();

  std::vector<Eigen::VectorXf> saved;
  std::vector<CheckedTensor> tensors;
  const auto add = [&](const std::string& name, float* values, const float* gradient, Eigen::Index size) {
    saved.emplace_back(Eigen::Map<const Eigen::VectorXf>(gradient, size));
    tensors.push_back({name, values, saved.back().data(), size});
  };
  // Layers: 0 stem; 1-6 stage 1; 7, 8, 9 stage 2's first block (9 its projection); 16 stage 3's first conv.
  for (int l : {0, 1, 7, 8, 9, 16, int(net.layers.size()) - 1}) {
    MaskedLayer& layer = net.layers[l];
    add("layer " + std::to_string(l) + " weights", layer.weights.data(), layer.weightGradient.data(),
        layer.weights.size());
  }
  MaskedLayer& classifier = net.layers.back();
  add("classifier bias", classifier.bias.data(), classifier.biasGradient.data(), classifier.bias.size());
  const std::vector<BatchNorm*> norms = net.norms();
  for (int n : {0, 9}) {
    add("norm " + std::to_string(n) + " scale", norms[n]->scale.data(), norms[n]->scaleGradient.data(),
        norms[n]->scale.size());
    add("norm " + std::to_string(n) + " shift", norms[n]->shift.data(), norms[n]->shiftGradient.data(),
        norms[n]->shift.size());
  }

  // In float, 1e-3 balances rounding (worse below) against ReLU kinks and curvature (worse above): the
  // errors of a correct backward pass measure 1-5% here, a wrong term would be of order 1.
  const float step = 1e-3f;
  bool passed = true;
  for (const CheckedTensor& tensor : tensors) {
    double differenceSquares = 0, analyticSquares = 0, numericSquares = 0;
    std::uniform_int_distribution<Eigen::Index> pick(0, tensor.size - 1);
    for (int sample = 0; sample < 12; ++sample) {
      const Eigen::Index i = pick(rng);
      const float original = tensor.values[i];
      tensor.values[i] = original + step;
      const double above = meanLoss();
      tensor.values[i] = original - step;
      const double below = meanLoss();
      tensor.values[i] = original;
      const double numeric = (above - below) / (2.0 * step);
      differenceSquares += (numeric - tensor.gradient[i]) * (numeric - tensor.gradient[i]);
      analyticSquares += double(tensor.gradient[i]) * tensor.gradient[i];
      numericSquares += numeric * numeric;
    }
    const double error =
        std::sqrt(differenceSquares) / std::max(1e-12, std::sqrt(std::max(analyticSquares, numericSquares)));
    const bool ok = error < 0.05;
    passed = passed && ok;
    std::printf("gradient_check %-20s relative_error %.2e gradient_norm %.3e %s\n", tensor.name.c_str(), error,
                std::sqrt(analyticSquares), ok ? "ok" : "FAIL");
  }
  return passed;
}

}  // namespace reference
