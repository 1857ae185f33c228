#include "algorithms/mest_algorithm.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "algorithms/mutation_timing.h"
#include "algorithms/position_mutation.h"
#include "algorithms/unit_mutation.h"
#include "project/object_reader.h"

namespace ss {

namespace {
void checkFraction(ObjectReader& r, const char* key, double value) {
  r.check(value > 0.0 && value < 1.0, key, "must be a fraction between 0 and 1 (exclusive)");
}

// How many of a set's budgeted groups a phase prunes to, and grows back to. Growth is rounded down, so the layer
// never holds more than its soft bound (floating slack aside).
int64_t keptShare(int64_t budget, double lowShare) {
  return std::llround(double(budget) * lowShare);
}
int64_t grownShare(int64_t budget, double upShare) {
  return int64_t(std::floor(double(budget) * upShare + 1e-6));
}

void checkSparsity(ObjectReader& r, const char* key, double value) {
  r.check(value >= 0.0 && value < 1.0, key, "must be a sparsity in [0, 1)");
}

std::vector<MestPhase> readPhases(const nlohmann::json& list, ObjectReader& r, const std::string& source) {
  r.check(list.is_array() && !list.empty(), "phases",
          "expected a non-empty list of {\"until_epoch\": e, \"prune_to\": s_low, \"grow_to\": s_up}");
  std::vector<MestPhase> phases;
  for (size_t i = 0; i < list.size(); ++i) {
    ObjectReader p(list[i], "algorithm.phases[" + std::to_string(i) + "]", source);
    for (const char* key : {"until_epoch", "prune_to", "grow_to"}) p.check(p.has(key), key, "required");
    MestPhase phase;
    p.read("until_epoch", phase.untilEpoch);
    p.read("prune_to", phase.pruneTo);
    p.read("grow_to", phase.growTo);
    p.check(phase.untilEpoch >= 2, "until_epoch", "must be at least 2 (the first mutation is at the start of epoch 2)");
    if (!phases.empty())
      p.check(phase.untilEpoch > phases.back().untilEpoch, "until_epoch",
              "must come after the previous phase's " + std::to_string(phases.back().untilEpoch));
    checkSparsity(p, "prune_to", phase.pruneTo);
    checkSparsity(p, "grow_to", phase.growTo);
    p.check(phase.growTo <= phase.pruneTo, "grow_to",
            "must not exceed prune_to (growing adds weights, so it ends at a lower sparsity)");
    p.finish();
    phases.push_back(phase);
  }
  return phases;
}
}  // namespace

MestOptions readMestOptions(const std::string& optionsJson, double target, int epochs, const std::string& source) {
  const nlohmann::json json = nlohmann::json::parse(optionsJson);
  ObjectReader r(json, "algorithm", source);
  MestOptions o;
  r.readChoice("variant", o.variant, {"vanilla", "em", "em&s"});
  r.read("lambda", o.lambda);
  r.check(o.lambda >= 0.0, "lambda", "must not be negative");
  r.read("every_epochs", o.schedule.everyEpochs);
  r.check(o.schedule.everyEpochs >= 1, "every_epochs", "must be at least 1");
  if (const nlohmann::json* phases = r.raw("phases")) {
    for (const char* key : {"stop_fraction", "mutation_ratio", "soft_margin", "decay_epochs"})
      r.check(!r.has(key), key, "not used when phases are given (the phases set the whole schedule)");
    o.schedule.phases = readPhases(*phases, r, source);
    r.finish();
    return o;
  }
  double stopFraction = 0.75, mutationRatio = 0.2, softMargin = 0.2;
  r.read("stop_fraction", stopFraction);
  r.check(stopFraction > 0.0 && stopFraction <= 1.0, "stop_fraction", "must be in (0, 1]");
  r.check(!r.has("mutation_ratio") || o.variant != "em&s", "mutation_ratio",
          "variant em&s grows by soft_margin; mutation_ratio is for variants em and vanilla");
  r.read("mutation_ratio", mutationRatio);
  checkFraction(r, "mutation_ratio", mutationRatio);
  r.check(!r.has("soft_margin") || o.variant == "em&s", "soft_margin",
          "only variant em&s grows past the target; em and vanilla use mutation_ratio");
  r.read("soft_margin", softMargin);
  checkFraction(r, "soft_margin", softMargin);
  r.check(target - softMargin * (1.0 - target) >= 0.0, "soft_margin",
          "would grow layers past density 1 at target " + std::to_string(target));
  const int lastEpoch = lastMutationEpoch(epochs, stopFraction);
  std::vector<int> decayEpochs;
  r.read("decay_epochs", decayEpochs);
  for (size_t i = 0; i < decayEpochs.size(); ++i) {
    r.check(decayEpochs[i] >= 3 && decayEpochs[i] <= lastEpoch, "decay_epochs",
            "each must be in [3, " + std::to_string(lastEpoch) + "], within the mutating epochs");
    r.check(i == 0 || decayEpochs[i] > decayEpochs[i - 1], "decay_epochs", "must be increasing");
  }
  r.finish();
  const std::vector<int> ends = r.has("decay_epochs") ? phaseEndsFromDecayEpochs(decayEpochs, epochs, stopFraction)
                                                      : equalPhaseEnds(epochs, stopFraction, 3);
  o.schedule.phases = deriveMestPhases(target, o.variant, mutationRatio, softMargin, ends);
  return o;
}

MestAlgorithm::MestAlgorithm(Model& model, Sgd& optimizer, std::unique_ptr<Scheme> scheme, MestOptions options,
                             double target, Rng rng, std::function<void(const MaskChangeEvent&)> emit)
    : optimizer_(optimizer),
      scheme_(std::move(scheme)),
      options_(std::move(options)),
      target_(target),
      rng_(rng),
      emit_(std::move(emit)),
      layers_(mutableLayers(model, *scheme_)) {}

void MestAlgorithm::onEpochStart(int epoch, int64_t globalStep) {
  const MestPhase* phase = options_.schedule.phaseAt(epoch);
  if (!phase) return;
  const double lowShare = (1.0 - phase->pruneTo) / (1.0 - target_);
  const double upShare = (1.0 - phase->growTo) / (1.0 - target_);
  for (MutableLayer& layer : layers_) {
    const LayerUnits units = layerUnits(*scheme_, layer, float(options_.lambda));
    UnitChange change;
    if (units.layout->balanced()) {
      const double share = std::max(0.0, upShare - lowShare);
      const int64_t count = std::llround(double(units.active.units.size()) * share);
      change = swapUnits(*units.layout, units.active, count, rng_);
    } else {
      std::vector<int64_t> keep(layer.budget.size()), growTo(layer.budget.size());
      for (size_t s = 0; s < layer.budget.size(); ++s) {
        keep[s] = keptShare(layer.budget[s], lowShare);
        growTo[s] = grownShare(layer.budget[s], upShare);
      }
      change = pruneAndGrowUnits(*units.layout, units.active, keep, growTo, rng_);
    }
    const MaskChangeEvent event = installPositions(
        *layer.layer, optimizer_, positionsAfter(*units.layout, units.positions, change), epoch, globalStep);
    if (emit_) emit_(event);
  }
}

}  // namespace ss
