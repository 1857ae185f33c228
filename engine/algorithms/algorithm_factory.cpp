#include "algorithms/algorithm_factory.h"

#include <nlohmann/json.hpp>

#include "algorithms/gmp_algorithm.h"
#include "algorithms/mest_algorithm.h"
#include "algorithms/rigl_algorithm.h"
#include "algorithms/set_algorithm.h"
#include "core/error.h"
#include "project/object_reader.h"
#include "sparse/scheme.h"

namespace ss {

namespace {
const char* const kAlgorithms = "dense, static, set, rigl, gmp, mest";
}  // namespace

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

int64_t algorithmTransientBytes(const Project& project, Model& model) {
  if (project.algorithm.name != "rigl" || !(project.sparsity.target > 0.0 && project.sparsity.target < 1.0)) return 0;
  return riglDenseGradientBytes(model, project.sparsity);
}

}  // namespace ss
