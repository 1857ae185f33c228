#include "resnet_gradient_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "batch_norm.h"
#include "conv2d.h"
#include "pooled_classifier.h"
#include "residual_block.h"
#include "resnet20.h"

namespace reference {
namespace {

using Maps = FeatureMaps<double>;
using Layer = MaskedLayerOf<double>;
using Rows = RowMatrixOf<double>;

// In double, a step of 1e-6 leaves a rounding error near 1e-10 of the loss and a curvature error near
// 1e-12; a correct gradient then agrees to about 1e-8, a wrong term would be off by order 1. (Crossing a
// ReLU's kink within one step is possible but unlikely at this step; the seeds are fixed.)
constexpr double step = 1e-6;
constexpr double tolerance = 1e-6;
constexpr int samplesPerTensor = 12;

// A tensor under check: its values, perturbed in place, and the gradient backward gave for them (copied,
// since the finite differences' forward passes may overwrite it).
struct Checked {
  std::string name;
  double* values;
  Eigen::VectorXd analytic;
};

Checked checked(const std::string& name, double* values, const double* gradient, Eigen::Index size) {
  return {name, values, Eigen::Map<const Eigen::VectorXd>(gradient, size)};
}

// Central differences of `loss` at sampled entries of each tensor against its analytic gradient.
bool compare(const std::string& check, const std::vector<Checked>& tensors, const std::function<double()>& loss,
             std::mt19937_64& rng) {
  bool passed = true;
  for (const Checked& tensor : tensors) {
    double differenceSquares = 0, analyticSquares = 0, numericSquares = 0;
    std::uniform_int_distribution<Eigen::Index> pick(0, tensor.analytic.size() - 1);
    for (int sample = 0; sample < samplesPerTensor; ++sample) {
      const Eigen::Index i = pick(rng);
      const double original = tensor.values[i];
      tensor.values[i] = original + step;
      const double above = loss();
      tensor.values[i] = original - step;
      const double below = loss();
      tensor.values[i] = original;
      const double numeric = (above - below) / (2 * step), analytic = tensor.analytic(i);
      differenceSquares += (numeric - analytic) * (numeric - analytic);
      analyticSquares += analytic * analytic;
      numericSquares += numeric * numeric;
    }
    const double error =
        std::sqrt(differenceSquares) / std::max(1e-300, std::sqrt(std::max(analyticSquares, numericSquares)));
    const bool ok = error < tolerance && analyticSquares > 0;  // an all-zero sample would check nothing
    passed = passed && ok;
    std::printf("gradient_check %-28s %-22s relative_error %.2e gradient_norm %.3e %s\n", check.c_str(),
                tensor.name.c_str(), error, std::sqrt(analyticSquares), ok ? "ok" : "FAIL");
  }
  return passed;
}

Rows randomRows(Eigen::Index rows, Eigen::Index cols, std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  return Rows::NullaryExpr(rows, cols, [&] { return normal(rng); });
}

Maps randomMaps(int batch, int channels, int side, std::mt19937_64& rng) {
  return {batch, side, side, randomRows(channels, Eigen::Index(batch) * side * side, rng)};
}

// Weights of variance 2 / fan-in, as Kaiming's; a random bias when asked (the classifier's).
Layer randomLayer(int outputs, int inputs, bool withBias, std::mt19937_64& rng) {
  Layer layer;
  layer.weights = randomRows(outputs, inputs, rng) * std::sqrt(2.0 / inputs);
  layer.weightGradient = Layer::Matrix::Zero(outputs, inputs);
  if (withBias) {
    layer.bias = randomRows(outputs, 1, rng);
    layer.biasGradient = Layer::Vector::Zero(outputs);
  }
  return layer;
}

// The readout L = sum(output .* probe): dL/doutput is the probe.
double readout(const Rows& output, const Rows& probe) {
  return (output.array() * probe.array()).sum();
}

bool checkConv(const std::string& name, ConvShape shape, int side, std::mt19937_64& rng) {
  Conv2d<double> conv(shape);
  Layer layer = randomLayer(shape.outChannels, shape.inChannels * shape.kernel * shape.kernel, false, rng);
  Maps input = randomMaps(2, shape.inChannels, side, rng);
  Maps output = conv.forward(input, layer);
  output.values = randomRows(output.values.rows(), output.values.cols(), rng);  // the probe
  const Maps inputGradient = conv.backward(output, layer);
  const Rows probe = output.values;
  return compare(
      name,
      {checked("weights", layer.weights.data(), layer.weightGradient.data(), layer.weights.size()),
       checked("input", input.values.data(), inputGradient.values.data(), input.values.size())},
      [&] { return readout(conv.forward(input, layer).values, probe); }, rng);
}

bool checkBatchNorm(std::mt19937_64& rng) {
  const int channels = 3;
  BatchNorm<double> norm(channels);
  norm.scale = randomRows(channels, 1, rng);
  norm.shift = randomRows(channels, 1, rng);
  Maps input = randomMaps(2, channels, 5, rng);
  input.values = (input.values * 2.0).array() + 0.5;  // a mean and variance away from 0 and 1
  Maps output = input;
  norm.forward(output, true);
  const Rows probe = randomRows(output.values.rows(), output.values.cols(), rng);
  output.values = probe;
  const Maps inputGradient = norm.backward(output);
  const auto loss = [&] {
    Maps x = input;
    norm.forward(x, true);
    return readout(x.values, probe);
  };
  return compare("batch norm (training)",
                 {checked("input", input.values.data(), inputGradient.values.data(), input.values.size()),
                  checked("scale", norm.scale.data(), norm.scaleGradient.data(), channels),
                  checked("shift", norm.shift.data(), norm.shiftGradient.data(), channels)},
                 loss, rng);
}

bool checkResidualBlock(const std::string& name, int inChannels, int outChannels, int stride, std::mt19937_64& rng) {
  ResidualBlock<double> block(inChannels, outChannels, stride, 0);
  std::vector<Layer> layers;
  for (const ConvShape& shape : block.convShapes())
    layers.push_back(randomLayer(shape.outChannels, shape.inChannels * shape.kernel * shape.kernel, false, rng));
  Maps input = randomMaps(2, inChannels, 7, rng);
  Maps output = block.forward(input, layers, true);
  const Rows probe = randomRows(output.values.rows(), output.values.cols(), rng);
  output.values = probe;
  const Maps inputGradient = block.backward(output, layers);
  std::vector<Checked> tensors{checked("input", input.values.data(), inputGradient.values.data(), input.values.size())};
  for (std::size_t l = 0; l < layers.size(); ++l)
    tensors.push_back(checked(l == 2 ? "projection weights" : "conv " + std::to_string(l + 1) + " weights",
                              layers[l].weights.data(), layers[l].weightGradient.data(), layers[l].weights.size()));
  BatchNorm<double>& firstNorm = *block.norms()[0];
  tensors.push_back(
      checked("first norm's scale", firstNorm.scale.data(), firstNorm.scaleGradient.data(), firstNorm.scale.size()));
  return compare(
      name, tensors, [&] { return readout(block.forward(input, layers, true).values, probe); }, rng);
}

bool checkPooledClassifier(std::mt19937_64& rng) {
  PooledClassifier<double> head;
  Layer layer = randomLayer(10, 6, true, rng);
  Maps input = randomMaps(2, 6, 3, rng);
  const Eigen::MatrixXd logits = head.forward(input, layer);
  const Eigen::MatrixXd probe = randomRows(logits.rows(), logits.cols(), rng);
  const Maps inputGradient = head.backward(probe, layer);
  return compare(
      "pooling + classifier",
      {checked("input", input.values.data(), inputGradient.values.data(), input.values.size()),
       checked("weights", layer.weights.data(), layer.weightGradient.data(), layer.weights.size()),
       checked("bias", layer.bias.data(), layer.biasGradient.data(), layer.bias.size())},
      [&] { return (head.forward(input, layer).array() * probe.array()).sum(); }, rng);
}

bool checkNetwork(std::mt19937_64& rng) {
  // 14x14 images (maps of 14, 7 and 4): a quarter of 28x28's work, and stage 3's stride 2 over an odd size.
  // Two images: enough for batch statistics (and what a batch of one would hide), half the time of four.
  const int side = 14, batch = 2;
  ResNet20<double> net(side, rng);
  const Rows images = randomRows(batch, side * side, rng);
  const std::vector<int> labels{3, 7};
  const auto meanLoss = [&] { return net.forwardBackward(images, labels).lossSum / batch; };
  meanLoss();
  std::vector<Checked> tensors;
  // Layers: 0 stem; 1-6 stage 1; 7, 8, 9 stage 2's first block (9 its projection); 16 stage 3's first conv.
  for (int l : {0, 1, 7, 8, 9, 16, int(net.layers.size()) - 1}) {
    Layer& layer = net.layers[l];
    tensors.push_back(checked("layer " + std::to_string(l) + " weights", layer.weights.data(),
                              layer.weightGradient.data(), layer.weights.size()));
  }
  Layer& classifier = net.layers.back();
  tensors.push_back(
      checked("classifier bias", classifier.bias.data(), classifier.biasGradient.data(), classifier.bias.size()));
  const std::vector<BatchNorm<double>*> norms = net.norms();
  for (int n : {0, 9}) {
    tensors.push_back(checked("norm " + std::to_string(n) + " scale", norms[n]->scale.data(),
                              norms[n]->scaleGradient.data(), norms[n]->scale.size()));
    tensors.push_back(checked("norm " + std::to_string(n) + " shift", norms[n]->shift.data(),
                              norms[n]->shiftGradient.data(), norms[n]->shift.size()));
  }
  return compare("resnet20 (batch 2)", tensors, meanLoss, rng);
}

}  // namespace

bool resnetGradientCheck(unsigned long seed) {
  std::mt19937_64 rng(seed);
  bool passed = true;
  // Odd sizes, so that stride 2 leaves a last row and column that only some kernel taps reach.
  passed &= checkConv("conv 3x3 stride 2 padding 1", {3, 4, 3, 2, 1}, 7, rng);
  passed &= checkConv("conv 1x1 stride 2", {3, 5, 1, 2, 0}, 7, rng);
  passed &= checkBatchNorm(rng);
  passed &= checkResidualBlock("block 4->6 stride 2", 4, 6, 2, rng);
  passed &= checkResidualBlock("block 4->4 identity", 4, 4, 1, rng);
  passed &= checkPooledClassifier(rng);
  passed &= checkNetwork(rng);
  return passed;
}

}  // namespace reference
