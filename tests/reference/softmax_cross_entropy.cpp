#include "softmax_cross_entropy.h"

#include <cmath>

namespace reference {

template <typename Scalar>
BatchOutcome softmaxCrossEntropy(Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& logits,
                                 const std::vector<int>& labels) {
  BatchOutcome outcome;
  const Eigen::Index batch = logits.rows();
  outcome.correct.resize(batch);
  for (Eigen::Index i = 0; i < batch; ++i) {
    Eigen::Index predicted;
    const Scalar largest = logits.row(i).maxCoeff(&predicted);
    outcome.correct[i] = predicted == labels[i];
    logits.row(i).array() = (logits.row(i).array() - largest).exp();
    const Scalar sum = logits.row(i).sum();
    outcome.lossSum -= std::log(double(logits(i, labels[i])) / sum);
    logits.row(i) /= sum;
    logits(i, labels[i]) -= Scalar(1);
  }
  logits /= Scalar(batch);
  return outcome;
}

template BatchOutcome softmaxCrossEntropy(Eigen::MatrixXf&, const std::vector<int>&);
template BatchOutcome softmaxCrossEntropy(Eigen::MatrixXd&, const std::vector<int>&);

}  // namespace reference
