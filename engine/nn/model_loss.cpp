#include "nn/model_loss.h"

namespace ss {

LossResult forwardWithLoss(Model& model, const Matrix& x, const std::vector<int32_t>& labels, Eigen::Index classes,
                           SoftmaxCrossEntropy& loss, Matrix& dLogits, std::vector<uint8_t>* correctPerExample) {
  loss.begin(labels, classes, &dLogits);
  model.forward(x, true, [&loss](const Matrix& logits, Eigen::Index first, Eigen::Index count) {
    loss.rows(logits, first, count);
  });
  return loss.finish(correctPerExample);
}

}  // namespace ss
