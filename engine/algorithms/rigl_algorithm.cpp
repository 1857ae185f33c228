#include "algorithms/rigl_algorithm.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>
#include <stdexcept>

#include "algorithms/position_mutation.h"
#include "algorithms/unit_mutation.h"
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

int64_t riglDenseGradientBytes(Model& model, const SparsitySpec& sparsity, double alpha) {
  const auto scheme = makeScheme(sparsity.scheme, sparsity.schemeOptionsJson, "sparsity");
  int64_t largestChunk = 0, pending = 0;
  const std::vector<LayerDensity> plan = planDensities(model, sparsity);
  size_t i = 0;
  for (const auto& layer : model.layers()) {
    const WeightMatrix* w = layer->weightMatrix();
    if (!w) continue;
    const LayerDensity& planned = plan[i++];
    if (planned.active >= planned.size) continue;
    const int chunkRows = Layer::denseGradientChunkRows(w->rows(), w->cols());
    largestChunk = std::max(largestChunk, int64_t(chunkRows) * w->cols() * int64_t(sizeof(float)));
    // A layer has at most as many active units as active weights; only sets that drop grow.
    const int64_t count = std::llround(alpha * double(planned.active));
    const int64_t sets = std::min(count, scheme->unitLayout(layerGeometry(*layer))->setCount());
    pending += GradientGrowth::bytesFor(planned.active, count, sets);
  }
  return largestChunk + pending;
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
  for (size_t i = 0; i < layers_.size(); ++i) {
    pending_[i].clear();
    layers_[i].layer->requestDenseWeightGradient(
        [this, i, fraction](int firstRow, const Eigen::Ref<const Matrix>& rows) {
          receiveRows(i, fraction, firstRow, rows);
        });
  }
}

void RiglAlgorithm::receiveRows(size_t i, double fraction, int firstRow, const Eigen::Ref<const Matrix>& rows) {
  PendingUpdate& p = pending_[i];
  if (firstRow == 0) {
    // The drop needs only |w|, which backward does not change: decided before the first chunk is looked at.
    p.received = true;
    LayerUnits units = layerUnits(*scheme_, layers_[i], 0.0f);
    const int64_t active = int64_t(units.active.units.size());
    const int64_t dropped = std::min<int64_t>(active, std::llround(fraction * double(active)));
    KeptAndDropped split = keepBestUnits(units.active, active - dropped);
    auto quotas = countPerSet(*units.layout, split.dropped);
    p.dropped = std::move(split.dropped);
    p.growth.emplace(std::move(units.layout), layers_[i].geometry.cols, std::move(split.kept), std::move(quotas));
  }
  p.growth->addRows(firstRow, rows);
}

void RiglAlgorithm::afterBackward(int epoch, int64_t globalStep) {
  const double fraction = riglUpdateFraction(options_, totalSteps_, globalStep);
  if (fraction <= 0.0) return;
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& layer = *layers_[i].layer;
    PendingUpdate& p = pending_[i];
    if (!p.received)
      throw std::logic_error("rigl: layer " + layer.name() + " computed no dense gradient at step " +
                             std::to_string(globalStep) + " (the trainer must call onEpochStart and afterStep)");
    const UnitChange change{std::move(p.dropped), p.growth->grownPositions()};
    const std::vector<int64_t> next =
        positionsAfter(p.growth->layout(), layer.weightMatrix()->activePositions(), change);
    const MaskChangeEvent event = installPositions(layer, optimizer_, next, epoch, globalStep);
    p.clear();
    if (emit_) emit_(event);
  }
}

}  // namespace ss
