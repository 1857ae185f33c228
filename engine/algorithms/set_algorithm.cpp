#include "algorithms/set_algorithm.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "algorithms/mutation_timing.h"
#include "algorithms/position_mutation.h"
#include "algorithms/unit_mutation.h"
#include "project/object_reader.h"

namespace ss {

SetOptions readSetOptions(const std::string& optionsJson, const std::string& source) {
  const nlohmann::json json = nlohmann::json::parse(optionsJson);
  ObjectReader r(json, "algorithm", source);
  SetOptions o;
  r.read("zeta", o.zeta);
  r.check(o.zeta > 0.0 && o.zeta < 1.0, "zeta", "must be a fraction between 0 and 1 (exclusive)");
  r.read("every_epochs", o.everyEpochs);
  r.check(o.everyEpochs >= 1, "every_epochs", "must be at least 1");
  r.read("stop_fraction", o.stopFraction);
  r.check(o.stopFraction > 0.0 && o.stopFraction <= 1.0, "stop_fraction", "must be in (0, 1]");
  r.finish();
  return o;
}

SetAlgorithm::SetAlgorithm(Model& model, Sgd& optimizer, std::unique_ptr<Scheme> scheme, SetOptions options, int epochs,
                           Rng rng, std::function<void(const MaskChangeEvent&)> emit)
    : optimizer_(optimizer),
      scheme_(std::move(scheme)),
      options_(options),
      lastEpoch_(lastMutationEpoch(epochs, options.stopFraction)),
      rng_(rng),
      emit_(std::move(emit)),
      layers_(mutableLayers(model, *scheme_)) {}

void SetAlgorithm::onEpochStart(int epoch, int64_t globalStep) {
  if (!isMutationEpoch(epoch, options_.everyEpochs, lastEpoch_)) return;
  for (MutableLayer& layer : layers_) {
    const LayerUnits units = layerUnits(*scheme_, layer, 0.0f);
    const int64_t count = std::llround(options_.zeta * double(units.active.units.size()));
    const UnitChange change = swapUnits(*units.layout, units.active, count, rng_);
    const MaskChangeEvent event = installPositions(
        *layer.layer, optimizer_, positionsAfter(*units.layout, units.positions, change), epoch, globalStep);
    if (emit_) emit_(event);
  }
}

}  // namespace ss
