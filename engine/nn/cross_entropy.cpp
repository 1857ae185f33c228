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
  // The exponentials in one expression over the whole batch, so that Eigen vectorises them: a row of ten
  // classes is too short for it, and row by row they cost more than the MLP's sparse last layer.
  const Eigen::VectorXf maxLogit = logits.rowwise().maxCoeff();
  Matrix withoutGradient;
  Matrix& shifted = dLogits ? *dLogits : withoutGradient;
  shifted = (logits.colwise() - maxLogit).array().exp().matrix();
  // A plain sequential sum keeps the loss bit-identical across thread counts; it is O(batch x classes).
  for (Eigen::Index i = 0; i < batch; ++i) {
    const auto row = logits.row(i);
    Eigen::Index argmax = 0;
    row.maxCoeff(&argmax);
    auto e = shifted.row(i);
    const double sumExp = e.cast<double>().sum();
    const int32_t label = labels[size_t(i)];
    lossSum += std::log(sumExp) - double(row(label) - maxLogit(i));
    if (argmax == label) {
      ++result.correct;
      if (correctPerExample) (*correctPerExample)[size_t(i)] = 1;
    }
    if (dLogits) {
      e /= float(sumExp);
      e(label) -= 1.0f;
      e /= float(batch);
    }
  }
  result.meanLoss = batch > 0 ? lossSum / double(batch) : 0.0;
  return result;
}

}  // namespace ss
