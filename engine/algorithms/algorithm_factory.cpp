#include "algorithms/algorithm_factory.h"

#include <nlohmann/json.hpp>

#include "algorithms/mest_algorithm.h"
#include "algorithms/set_algorithm.h"
#include "core/error.h"
#include "project/object_reader.h"
#include "sparse/scheme.h"

namespace ss {

std::unique_ptr<TrainingHook> makeAlgorithmHook(const Project& project, Model& model, Sgd& optimizer, Rng& rng,
                                                int64_t /*stepsPerEpoch*/,
                                                std::function<void(const MaskChangeEvent&)> emit) {
  const std::string& name = project.algorithm.name;
  const std::string& source = project.name;
  if (name == "dense" || name == "static") {
    ObjectReader(nlohmann::json::parse(project.algorithm.optionsJson), "algorithm", source).finish();
    return nullptr;
  }
  if (name != "set" && name != "mest")
    throw InputError(source + ": algorithm '" + name +
                     "' is not available in this build yet (available: dense, "
                     "static, set, mest)");
  if (!(project.sparsity.target > 0.0 && project.sparsity.target < 1.0))
    throw InputError(source + ": algorithm '" + name + "' needs sparsity.target in (0, 1)");
  auto scheme = makeScheme(project.sparsity.scheme, project.sparsity.schemeOptionsJson, "sparsity");
  const int epochs = project.train.epochs;
  if (name == "set")
    return std::make_unique<SetAlgorithm>(model, optimizer, std::move(scheme),
                                          readSetOptions(project.algorithm.optionsJson, source), epochs, rng.fork(1),
                                          std::move(emit));
  return std::make_unique<MestAlgorithm>(
      model, optimizer, std::move(scheme),
      readMestOptions(project.algorithm.optionsJson, project.sparsity.target, epochs, source), project.sparsity.target,
      rng.fork(1), std::move(emit));
}

}  // namespace ss
