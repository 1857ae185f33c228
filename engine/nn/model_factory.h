#pragma once

#include "core/rng.h"
#include "data/dataset.h"
#include "nn/model.h"
#include "project/project.h"

namespace ss {

// Builds the project's model for inputs of the given shape, weights Kaiming-initialised from rng.
// Layers get stable names (fc1, conv2, ...) that masks, tables and checkpoints refer to.
Model buildModel(const ModelSpec& spec, const ExampleShape& input, int classes, Rng& rng);

}  // namespace ss
