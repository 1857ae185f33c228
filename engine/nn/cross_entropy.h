#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace ss {

struct LossResult {
  double meanLoss = 0;
  int64_t correct = 0;
};

// Softmax cross-entropy averaged over the batch, computed a share of the batch's rows at a time, so that each
// thread of a model's split stretch can compute it for the rows of logits it has just written (Model::forward's
// OutputRows) instead of one thread for all while the others wait.
class SoftmaxCrossEntropy {
 public:
  // Before any rows: the batch's labels (read until finish), its class count, and where d(mean loss)/d(logits)
  // goes (null: not computed).
  void begin(const std::vector<int32_t>& labels, Eigen::Index classes, Matrix* dLogits);
  // Rows [first, first + count) of the logits (batch x classes); threads may call it at once for disjoint rows.
  void rows(const Matrix& logits, Eigen::Index first, Eigen::Index count);
  // After every row: the mean loss, summed in row order so that it is the same on any thread count, and per
  // example whether the arg-max matched the label into correctPerExample when given (the data-efficiency tracker
  // needs them one by one, from this very forward pass).
  LossResult finish(std::vector<uint8_t>* correctPerExample) const;

 private:
  const std::vector<int32_t>* labels_ = nullptr;
  Matrix* dLogits_ = nullptr;
  Matrix shifted_;  // the shifted exponentials, when there is no dLogits to hold them
  std::vector<double> rowLoss_;
  std::vector<int32_t> argmax_;
};

// The same for a whole batch at once.
LossResult softmaxCrossEntropy(const Matrix& logits, const std::vector<int32_t>& labels, Matrix* dLogits,
                               std::vector<uint8_t>* correctPerExample);

}  // namespace ss
