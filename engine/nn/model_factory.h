#pragma once

#include <cstdint>

#include "core/rng.h"
#include "data/dataset.h"
#include "nn/model.h"
#include "project/project.h"
#include "sparse/layer_budget.h"

namespace ss {

// Builds the project's model for inputs of the given shape, weights Kaiming-initialised from rng.
// Layers get stable names (fc1, conv2, ...) that masks, tables and checkpoints refer to.
// Throws InputError, naming the layer, before any layer is built, when the model's parameters with their gradients
// and momentum would not fit in this machine's memory.
Model buildModel(const ModelSpec& spec, const ExampleShape& input, int classes, Rng& rng);
// The same, against memoryBytes instead of this machine's memory (0: no check).
Model buildModel(const ModelSpec& spec, const ExampleShape& input, int classes, Rng& rng, int64_t memoryBytes);

// The random start of a sparse run: the project's sparsity and the stream its masks are drawn from.
struct SparseStart {
  const SparsitySpec& spec;
  Rng& maskRng;
};

// A sparse model born sparse: every layer's mask is drawn first (at its planned density, in the scheme's shape), and
// a layer that runs on the sparse kernels allocates and initialises only its active weights (nn/kaiming_init.h),
// with gradients (and, once the optimizer steps, momentum) for them alone. Denser layers are built dense and
// masked (masked-dense execution), layers the plan keeps dense stay dense. The memory check counts the sparse
// footprint. Returns the model; `plan` gets each weight layer's planned and achieved density.
Model buildSparseModel(const ModelSpec& spec, const ExampleShape& input, int classes, Rng& initRng,
                       const SparseStart& start, int64_t memoryBytes, std::vector<LayerDensity>& plan);

}  // namespace ss
