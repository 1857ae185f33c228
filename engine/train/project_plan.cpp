#include "train/project_plan.h"

#include "algorithms/algorithm_factory.h"
#include "algorithms/mest_algorithm.h"
#include "core/error.h"
#include "core/machine_memory.h"
#include "core/rng.h"
#include "nn/model_factory.h"
#include "sparse/model_sparsity.h"
#include "train/trainer.h"

namespace ss {

std::optional<std::pair<ExampleShape, int>> knownInputShape(const DataSpec& data) {
  if (data.dataset == "fashion-mnist" || data.dataset == "mnist") return std::pair{ExampleShape{1, 28, 28}, 10};
  if (data.dataset == "cifar10") return std::pair{ExampleShape{3, 32, 32}, 10};
  if (data.dataset == "cifar100") return std::pair{ExampleShape{3, 32, 32}, data.labels == "coarse" ? 20 : 100};
  if (data.dataset == "spirals" || data.dataset == "blobs") return std::pair{ExampleShape{1, 1, 2}, data.classes};
  if (data.dataset == "circles") return std::pair{ExampleShape{1, 1, 2}, 2};
  return std::nullopt;
}

ProjectPlan planProject(const Project& project) {
  return planProject(project, physicalMemoryBytes());
}

ProjectPlan planProject(const Project& project, int64_t memoryBytes) {
  const auto shape = knownInputShape(project.data);
  if (!shape)
    throw InputError("the per-layer plan needs the data's shape; '" + project.data.dataset +
                     "' files are read when the run starts");
  Rng rng(project.train.seed);
  ProjectPlan plan;
  // Gradual magnitude pruning trains dense first, every other sparse algorithm starts at its budget, born sparse.
  const bool bornSparse = project.sparsity.target > 0 && project.algorithm.name != "gmp";
  Model model = bornSparse ? buildSparseModel(project.model, shape->first, shape->second, rng, {project.sparsity, rng},
                                              memoryBytes, plan.densities)
                           : buildModel(project.model, shape->first, shape->second, rng, memoryBytes);
  plan.parameterCount = model.denseParameterCount();
  if (project.sparsity.target > 0 && !bornSparse) plan.densities = planDensities(model, project.sparsity);
  if (project.algorithm.name == "mest" && project.sparsity.target > 0) {
    const MestOptions options =
        readMestOptions(project.algorithm.optionsJson, project.sparsity.target, project.train.epochs, project.name);
    for (int epoch = 1; epoch <= project.train.epochs; ++epoch)
      if (const MestPhase* phase = options.schedule.phaseAt(epoch))
        plan.mestSchedule.push_back({epoch, phase->pruneTo, phase->growTo});
  }
  // The data is not read: no data set line, and no examples in the checkpoint.
  const RunMemoryInputs inputs{project.train.batchSize, 0, 0, 0};
  plan.memory = estimateTrainingMemory(model, inputs);
  plan.memory.algorithmTransient = algorithmTransientBytes(project, model);
  plan.denseTwin = estimateTrainingMemory(model, inputs, WeightsHeld::Dense);
  if (project.memoryBoundBytes) {
    try {
      checkMemoryBound(model, project, inputs);
      if (plan.memory.peak() > *project.memoryBoundBytes)
        plan.boundProblem = "the run's peak (" + std::to_string(plan.memory.peak()) + " bytes, " +
                            std::to_string(plan.memory.algorithmTransient) +
                            " of them the algorithm's) is over the bound of " +
                            std::to_string(*project.memoryBoundBytes);
    } catch (const InputError& e) {
      plan.boundProblem = e.what();
    }
  }
  return plan;
}

}  // namespace ss
