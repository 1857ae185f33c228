#pragma once

#include <cstdint>

#include "core/rng.h"
#include "data/dataset.h"
#include "nn/model.h"
#include "project/project.h"

namespace ss {

// Builds the project's model for inputs of the given shape, weights Kaiming-initialised from rng.
// Layers get stable names (fc1, conv2, ...) that masks, tables and checkpoints refer to.
// Throws InputError, naming the layer, when the model's dense parameters with their gradients and momentum would
// not fit in this machine's memory (every layer is built dense before it is sparsified).
Model buildModel(const ModelSpec& spec, const ExampleShape& input, int classes, Rng& rng);
// The same, against memoryBytes instead of this machine's memory (0: no check).
Model buildModel(const ModelSpec& spec, const ExampleShape& input, int classes, Rng& rng, int64_t memoryBytes);

}  // namespace ss
