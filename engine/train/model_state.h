#pragma once

#include "nn/model.h"
#include "sparse/sparse_format.h"
#include "train/checkpoint.h"
#include "train/sgd.h"

namespace ss {

// Describes the model's weights, masks, execution forms, random streams and the optimizer's state in c: views of the
// values where they live (valid until the next step changes them) and each layer's mask coded.
void describeModelState(Model& model, Sgd& optimizer, CheckpointParts& c);

// Puts a captured state back into a model built from the same project: each weight matrix takes the checkpoint's
// form and mask (sparse layers build their index, with the transposed one when asked), then every parameter and
// momentum array its values, and every state buffer (batch norm's running statistics) its own. Throws RunError
// naming the first layer or parameter that does not match, so a checkpoint of another model is refused instead of
// half applied.
void restoreModelState(const Checkpoint& c, Model& model, Sgd& optimizer, const SparseFormat& format);

}  // namespace ss
