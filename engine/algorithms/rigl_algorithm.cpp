#include "algorithms/rigl_algorithm.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>
#include <stdexcept>

#include "project/object_reader.h"
#include "sparse/model_sparsity.h"
#include "sparse/weight_matrix.h"

namespace ss {

RiglOptions readRiglOptions(const std::string& optionsJson, const std::string& source) {
  const nlohmann::json json = nlohmann::json::parse(optionsJson);
  ObjectReader r(json, "algorithm", source);
  RiglOptions o;
  r.read("update_steps", o.updateSteps);
  r.check(o.updateSteps >= 1, "update_steps", "must be at least 1");
  r.read("stop_fraction", o.stopFraction);
  r.check(o.stopFraction > 0.0 && o.stopFraction <= 1.0, "stop_fraction", "must be in (0, 1]");
  r.read("alpha", o.alpha);
  r.check(o.alpha > 0.0 && o.alpha < 1.0, "alpha", "must be a fraction between 0 and 1 (exclusive)");
  r.finish();
  return o;
}

double riglUpdateFraction(const RiglOptions& options, int64_t totalSteps, int64_t step) {
  const double end = options.stopFraction * double(totalSteps);
  if (step < 1 || step % options.updateSteps != 0 || double(step) >= end) return 0.0;
  return options.alpha / 2.0 * (1.0 + std::cos(std::numbers::pi * double(step) / end));
}

int64_t riglDenseGradientBytes(Model& model, const SparsitySpec& sparsity) {
  int64_t largest = 0;
  for (const LayerDensity& layer : planDensities(model, sparsity))
    if (layer.active < layer.size) largest = std::max(largest, layer.size);
  return largest * int64_t(sizeof(float));
}

RiglAlgorithm::RiglAlgorithm(Model& model, Sgd& optimizer, std::unique_ptr<Scheme> scheme, RiglOptions options,
                             int64_t totalSteps, std::function<void(const MaskChangeEvent&)> emit)
    : optimizer_(optimizer),
      scheme_(std::move(scheme)),
      options_(options),
      totalSteps_(totalSteps),
      emit_(std::move(emit)),
      layers_(mutableLayers(model, *scheme_)),
      pending_(layers_.size()) {}

RiglAlgorithm::~RiglAlgorithm() {
  for (MutableLayer& layer : layers_) layer.layer->requestDenseWeightGradient({});
}

void RiglAlgorithm::onEpochStart(int, int64_t globalStep) {
  prepareFor(globalStep + 1);
}

void RiglAlgorithm::afterStep(int, int64_t globalStep) {
  prepareFor(globalStep + 1);
}

// The request made after the step the checkpoint followed died with the stopped process: make it again.
void RiglAlgorithm::onResumeInsideEpoch(int, int64_t globalStep) {
  prepareFor(globalStep + 1);
}

void RiglAlgorithm::prepareFor(int64_t step) {
  const double fraction = riglUpdateFraction(options_, totalSteps_, step);
  if (fraction <= 0.0) return;
  for (size_t i = 0; i < layers_.size(); ++i)
    layers_[i].layer->requestDenseWeightGradient(
        [this, i, fraction](Matrix& gradient) { pending_[i] = nextMask(layers_[i], gradient, fraction); });
}

Mask RiglAlgorithm::nextMask(const MutableLayer& layer, Matrix& gradient, double fraction) const {
  WeightMatrix& w = *layer.layer->weightMatrix();
  const GroupLayout layout = groupLayout(*scheme_, layer.geometry);
  const Mask before = w.mask();
  int64_t active = 0;
  for (int64_t n : activeGroupsPerSet(layout, before)) active += n;
  gradient = gradient.cwiseAbs();
  const Matrix magnitudes = importanceScores(w, 0.0f);
  return dropAndGrowByScore(before, *scheme_, layout, magnitudes, gradient, std::llround(fraction * double(active)));
}

void RiglAlgorithm::afterBackward(int epoch, int64_t globalStep) {
  if (riglUpdateFraction(options_, totalSteps_, globalStep) <= 0.0) return;
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& layer = *layers_[i].layer;
    if (!pending_[i])
      throw std::logic_error("rigl: layer " + layer.name() + " computed no dense gradient at step " +
                             std::to_string(globalStep) + " (the trainer must call onEpochStart and afterStep)");
    const MaskChangeEvent event = installMask(layer, optimizer_, *pending_[i], epoch, globalStep);
    pending_[i].reset();
    if (emit_) emit_(event);
  }
}

}  // namespace ss
