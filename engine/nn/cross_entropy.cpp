#include "nn/cross_entropy.h"

#include <cmath>

namespace ss {

LossResult softmaxCrossEntropy(const Matrix& logits, const std::vector<int32_t>& labels, Matrix* dLogits,
                               std::vector<uint8_t>* correctPerExample) {
  const Eigen::Index batch = logits.rows();
  if (dLogits) dLogits->resize(batch, logits.cols());
  if (correctPerExample) correctPerExample->assign(size_t(batch), 0);
  LossResult result;
  double lossSum = 0;
  // A plain sequential sum keeps the loss bit-identical across thread counts; it is O(batch x classes).
  for (Eigen::Index i = 0; i < batch; ++i) {
    const auto row = logits.row(i);
    Eigen::Index argmax = 0;
    const float maxLogit = row.maxCoeff(&argmax);
    const double sumExp = (row.array() - maxLogit).exp().cast<double>().sum();
    const int32_t label = labels[size_t(i)];
    lossSum += std::log(sumExp) - double(row(label) - maxLogit);
    if (argmax == label) {
      ++result.correct;
      if (correctPerExample) (*correctPerExample)[size_t(i)] = 1;
    }
    if (dLogits) {
      auto d = dLogits->row(i);
      d = ((row.array() - maxLogit).exp() / float(sumExp)).matrix();
      d(label) -= 1.0f;
      d /= float(batch);
    }
  }
  result.meanLoss = batch > 0 ? lossSum / double(batch) : 0.0;
  return result;
}

}  // namespace ss
