#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace ss {

struct LossResult {
  double meanLoss = 0;
  int64_t correct = 0;
};

// Softmax cross-entropy averaged over the batch. Writes d(mean loss)/d(logits) into dLogits when it
// is given, and per example whether the arg-max matched the label into correctPerExample when given
// (the data-efficiency tracker needs them one by one, from this very forward pass).
LossResult softmaxCrossEntropy(const Matrix& logits, const std::vector<int32_t>& labels, Matrix* dLogits,
                               std::vector<uint8_t>* correctPerExample);

}  // namespace ss
