#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "nn/cross_entropy.h"
#include "nn/model.h"

namespace ss {

// A training step's forward and its loss as the trainer runs it, so that the bench times the same work: the loss
// and d(mean loss)/d(logits) (into dLogits) are computed by the threads that produce the logits (Model::forward's
// OutputRows). `loss` keeps its buffers from step to step.
LossResult forwardWithLoss(Model& model, const Matrix& x, const std::vector<int32_t>& labels, Eigen::Index classes,
                           SoftmaxCrossEntropy& loss, Matrix& dLogits, std::vector<uint8_t>* correctPerExample);

}  // namespace ss
