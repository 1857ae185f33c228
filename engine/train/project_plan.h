#pragma once

#include <optional>
#include <string>
#include <vector>

#include "memory/memory_model.h"
#include "project/project.h"
#include "sparse/layer_budget.h"

namespace ss {

// What a project would train, worked out without reading its data: the per-layer densities and the memory
// model at the target, and whether the memory bound holds. The project editor shows it as the user types.
struct ProjectPlan {
  std::vector<LayerDensity> densities;  // empty for a dense project
  MemoryEstimate memory;                // at the target; without the data set, which is read only when the run starts
  MemoryEstimate denseTwin;             // the same model trained dense, counted the same way
  int64_t parameterCount = 0;
  std::string boundProblem;  // why the memory bound refuses the project; empty when it fits or has no bound
  // MEST's mutation schedule, per epoch that mutates: the model sparsity each mutation prunes to and grows
  // back to (elastic mutation narrows the gap phase by phase; the soft bound grows below the target).
  struct Mutation {
    int epoch = 0;
    double pruneTo = 0, growTo = 0;
  };
  std::vector<Mutation> mestSchedule;
};

// The input shape and class count of the built-in data sets (the Fashion-MNIST and MNIST files, CIFAR-10,
// the synthetic 2-D sets); nothing for data read from the user's own IDX or CSV files.
std::optional<std::pair<ExampleShape, int>> knownInputShape(const DataSpec& data);

// Throws InputError when the data set's shape is unknown or the model cannot be built for it, including a model
// whose dense form does not fit in this machine's memory (buildModel).
ProjectPlan planProject(const Project& project);
// The same, against memoryBytes instead of this machine's memory: a bound on the model the plan will build.
ProjectPlan planProject(const Project& project, int64_t memoryBytes);

}  // namespace ss
