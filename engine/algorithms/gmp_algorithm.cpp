#include "algorithms/gmp_algorithm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/error.h"
#include "project/object_reader.h"
#include "sparse/model_sparsity.h"
#include "sparse/weight_matrix.h"

namespace ss {

namespace {
// |w| at the active positions, never below the smallest normal float so that an active weight of exactly zero still
// outranks every pruned position (score 0).
Matrix magnitudeScores(const WeightMatrix& w) {
  Matrix scores = w.toDense().cwiseAbs();
  const Mask mask = w.mask();
  for (size_t i = 0; i < mask.bits.size(); ++i)
    scores.data()[i] = mask.bits[i] ? std::max(scores.data()[i], std::numeric_limits<float>::min()) : 0.0f;
  return scores;
}
}  // namespace

GmpOptions readGmpOptions(const std::string& optionsJson, const std::string& source) {
  const nlohmann::json json = nlohmann::json::parse(optionsJson);
  ObjectReader r(json, "algorithm", source);
  GmpOptions o;
  r.read("begin_fraction", o.beginFraction);
  r.check(o.beginFraction >= 0.0 && o.beginFraction < 1.0, "begin_fraction", "must be in [0, 1)");
  r.read("end_fraction", o.endFraction);
  r.check(o.endFraction > o.beginFraction && o.endFraction <= 1.0, "end_fraction",
          "must be in (begin_fraction, 1]: pruning ends after it begins");
  r.read("every_steps", o.everySteps);
  r.check(o.everySteps >= 1, "every_steps", "must be at least 1");
  r.finish();
  return o;
}

GmpSchedule gmpSchedule(const GmpOptions& options, int64_t totalSteps) {
  GmpSchedule s;
  s.beginStep = std::llround(options.beginFraction * double(totalSteps));
  s.endStep = std::max<int64_t>(s.beginStep + 1, std::llround(options.endFraction * double(totalSteps)));
  s.everySteps = options.everySteps;
  return s;
}

bool GmpSchedule::prunesAfter(int64_t step) const {
  if (step <= beginStep || step > endStep) return false;
  return (step - beginStep) % everySteps == 0 || step == endStep;
}

double GmpSchedule::densityAfter(int64_t step, double finalDensity) const {
  if (step >= endStep) return finalDensity;
  const double p = std::clamp(double(step - beginStep) / double(endStep - beginStep), 0.0, 1.0);
  return finalDensity + (1.0 - finalDensity) * std::pow(1.0 - p, 3);
}

GmpAlgorithm::GmpAlgorithm(Model& model, Sgd& optimizer, std::unique_ptr<Scheme> scheme, const SparsitySpec& sparsity,
                           GmpSchedule schedule, std::function<void(const MaskChangeEvent&)> emit)
    : optimizer_(optimizer),
      scheme_(std::move(scheme)),
      schedule_(schedule),
      sparsity_(sparsity),
      format_(sparseFormatOf(sparsity)),
      emit_(std::move(emit)) {
  const std::vector<LayerDensity> plan = planDensities(model, sparsity);
  for (const auto& layer : model.layers()) {
    WeightMatrix* w = layer->weightMatrix();
    if (!w) continue;
    const auto planned =
        std::find_if(plan.begin(), plan.end(), [&](const LayerDensity& d) { return d.name == layer->name(); });
    if (planned == plan.end() || planned->active >= planned->size) continue;
    if (w->activeCount() < int64_t(w->rows()) * w->cols())
      throw std::logic_error("gmp: layer " + layer->name() +
                             " is already sparse; gradual magnitude pruning starts from the dense model");
    PrunedLayer pruned{layer.get(),
                       {w->rows(), w->cols(), layer->kernelArea(), layer->name()},
                       double(planned->active) / double(planned->size)};
    layers_.push_back(std::move(pruned));
  }
}

void GmpAlgorithm::afterStep(int epoch, int64_t globalStep) {
  if (!schedule_.prunesAfter(globalStep)) return;
  for (PrunedLayer& pruned : layers_) {
    WeightMatrix& w = *pruned.layer->weightMatrix();
    const double density = schedule_.densityAfter(globalStep, pruned.finalDensity);
    const Mask before = w.mask();
    const bool stillDense = before.activeCount() == before.size();
    if (stillDense && 1.0 - density < std::abs(scheme_->achievableDensity(pruned.geometry, density) - density))
      continue;
    const Mask next = scheme_->project(magnitudeScores(w), pruned.geometry, density);
    if (next.bits == before.bits) continue;
    const MaskChangeEvent event = installMask(*pruned.layer, optimizer_, next, epoch, globalStep);
    if (runsOnSparseKernels(next.activeCount(), next.size(), sparsity_, pruned.layer->kind() == "conv2d"))
      switchToSparseExecution(*pruned.layer, optimizer_, format_);
    if (emit_) emit_(event);
  }
}

}  // namespace ss
