#include "algorithms/algorithm_factory.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "algorithms/gmp_algorithm.h"
#include "algorithms/mest_algorithm.h"
#include "algorithms/rigl_algorithm.h"
#include "algorithms/set_algorithm.h"
#include "core/error.h"
#include "memory/memory_model.h"
#include "project/object_reader.h"
#include "sparse/scheme.h"
#include "sparse/weight_matrix.h"

namespace ss {

namespace {
const char* const kAlgorithms = "dense, static, set, rigl, gmp, mest";
}  // namespace

void checkAlgorithmSettings(const Project& p) {
  const std::string& name = p.algorithm.name;
  if (name == "dense" && p.sparsity.target > 0)
    throw InputError(p.name +
                     ": algorithm 'dense' trains every weight; set sparsity.target to 0, or choose a sparse "
                     "algorithm such as 'static'");
  if (name != "dense" && p.sparsity.target <= 0)
    throw InputError(p.name + ": algorithm '" + name + "' needs sparsity.target above 0");
  if (name == "dense" || name == "static") {
    ObjectReader(nlohmann::json::parse(p.algorithm.optionsJson), "algorithm", p.name).finish();
  } else if (name == "set") {
    readSetOptions(p.algorithm.optionsJson, p.name);
  } else if (name == "rigl") {
    readRiglOptions(p.algorithm.optionsJson, p.name);
  } else if (name == "gmp") {
    readGmpOptions(p.algorithm.optionsJson, p.name);
  } else if (name == "mest") {
    readMestOptions(p.algorithm.optionsJson, p.sparsity.target, p.train.epochs, p.name);
  } else {
    throw InputError(p.name + ": algorithm '" + name + "' is unknown (known: " + kAlgorithms + ")");
  }
  if (p.sparsity.target > 0) makeScheme(p.sparsity.scheme, p.sparsity.schemeOptionsJson, "sparsity");
}

std::unique_ptr<TrainingHook> makeAlgorithmHook(const Project& project, Model& model, Sgd& optimizer, Rng& rng,
                                                int64_t stepsPerEpoch,
                                                std::function<void(const MaskChangeEvent&)> emit) {
  const std::string& name = project.algorithm.name;
  const std::string& source = project.name;
  if (name == "dense" || name == "static") {
    ObjectReader(nlohmann::json::parse(project.algorithm.optionsJson), "algorithm", source).finish();
    return nullptr;
  }
  if (name != "set" && name != "rigl" && name != "gmp" && name != "mest")
    throw InputError(source + ": algorithm '" + name + "' is unknown (known: " + kAlgorithms + ")");
  if (!(project.sparsity.target > 0.0 && project.sparsity.target < 1.0))
    throw InputError(source + ": algorithm '" + name + "' needs sparsity.target in (0, 1)");
  auto scheme = makeScheme(project.sparsity.scheme, project.sparsity.schemeOptionsJson, "sparsity");
  const int epochs = project.train.epochs;
  const int64_t totalSteps = stepsPerEpoch * epochs;
  const std::string& options = project.algorithm.optionsJson;
  if (name == "set")
    return std::make_unique<SetAlgorithm>(model, optimizer, std::move(scheme), readSetOptions(options, source), epochs,
                                          rng.fork(1), std::move(emit));
  if (name == "rigl")
    return std::make_unique<RiglAlgorithm>(model, optimizer, std::move(scheme), readRiglOptions(options, source),
                                           totalSteps, std::move(emit));
  if (name == "gmp")
    return std::make_unique<GmpAlgorithm>(model, optimizer, std::move(scheme), project.sparsity,
                                          gmpSchedule(readGmpOptions(options, source), totalSteps), std::move(emit));
  return std::make_unique<MestAlgorithm>(model, optimizer, std::move(scheme),
                                         readMestOptions(options, project.sparsity.target, epochs, source),
                                         project.sparsity.target, rng.fork(1), std::move(emit));
}

namespace {
// Every sparse layer holding (1 - growTo) / (1 - target) times its active weights, at the phase with
// the lowest grow-to sparsity, priced with the memory model's own formula.
int64_t softBoundExtraBytes(const Project& project, Model& model) {
  const double target = project.sparsity.target;
  const MestOptions options =
      readMestOptions(project.algorithm.optionsJson, target, project.train.epochs, project.name);
  double lowestGrowTo = target;
  for (const MestPhase& phase : options.schedule.phases) lowestGrowTo = std::min(lowestGrowTo, phase.growTo);
  const double factor = (1.0 - lowestGrowTo) / (1.0 - target);
  int64_t extra = 0;
  for (const auto& layer : model.layers()) {
    const WeightMatrix* w = layer->weightMatrix();
    if (!w) continue;
    const int64_t size = int64_t(w->rows()) * w->cols();
    if (w->activeCount() >= size) continue;
    const WeightStorage now = weightStorageOf(*w);
    WeightStorage peak = now;
    peak.active = std::min(size, int64_t(std::ceil(double(w->activeCount()) * factor)));
    extra += weightMemory(peak).parameterState() - weightMemory(now).parameterState();
  }
  return extra;
}
}  // namespace

int64_t algorithmTransientBytes(const Project& project, Model& model) {
  if (!(project.sparsity.target > 0.0 && project.sparsity.target < 1.0)) return 0;
  if (project.algorithm.name == "rigl")
    return riglDenseGradientBytes(model, project.sparsity,
                                  readRiglOptions(project.algorithm.optionsJson, project.name).alpha);
  if (project.algorithm.name == "mest") return softBoundExtraBytes(project, model);
  return 0;
}

}  // namespace ss
