#include "batch_norm.h"

namespace reference {
namespace {

constexpr float epsilon = 1e-5f;
constexpr float runningMomentum = 0.1f;

}  // namespace

BatchNorm::BatchNorm(int channels)
    : scale(Eigen::VectorXf::Ones(channels)),
      shift(Eigen::VectorXf::Zero(channels)),
      scaleMomentum(Eigen::VectorXf::Zero(channels)),
      shiftMomentum(Eigen::VectorXf::Zero(channels)),
      scaleGradient(Eigen::VectorXf::Zero(channels)),
      shiftGradient(Eigen::VectorXf::Zero(channels)),
      runningMean(Eigen::VectorXf::Zero(channels)),
      runningVariance(Eigen::VectorXf::Ones(channels)) {}

void BatchNorm::forward(FeatureMaps& maps, bool training) {
  RowMatrix& x = maps.values;
  const double count = double(x.cols());
  if (!training) {
    const Eigen::ArrayXf inverse = (runningVariance.array() + epsilon).rsqrt();
#pragma omp parallel for
    for (Eigen::Index c = 0; c < x.rows(); ++c)
      x.row(c).array() = (x.row(c).array() - runningMean(c)) * (inverse(c) * scale(c)) + shift(c);
    return;
  }
  inverseDeviation_.resize(x.rows());
  normalised_.resize(x.rows(), x.cols());
  // Channels are independent: each thread takes whole channels.
#pragma omp parallel for
  for (Eigen::Index c = 0; c < x.rows(); ++c) {
    // Statistics in double: a channel of 100,000 values would lose digits in a float sum.
    const double mean = x.row(c).cast<double>().sum() / count;
    const double variance = (x.row(c).cast<double>().array() - mean).square().sum() / count;
    runningMean(c) = (1 - runningMomentum) * runningMean(c) + runningMomentum * float(mean);
    runningVariance(c) = (1 - runningMomentum) * runningVariance(c) +
                         runningMomentum * float(variance * count / std::max(1.0, count - 1));
    inverseDeviation_(c) = float(1.0 / std::sqrt(variance + epsilon));
    normalised_.row(c).array() = (x.row(c).array() - float(mean)) * inverseDeviation_(c);
    x.row(c).array() = normalised_.row(c).array() * scale(c) + shift(c);
  }
}

FeatureMaps BatchNorm::backward(const FeatureMaps& outputGradient) {
  const RowMatrix& dy = outputGradient.values;
  const float count = float(dy.cols());
  FeatureMaps result{outputGradient.batch, outputGradient.height, outputGradient.width,
                     RowMatrix(dy.rows(), dy.cols())};
#pragma omp parallel for
  for (Eigen::Index c = 0; c < dy.rows(); ++c) {
    const float sumDy = float(dy.row(c).cast<double>().sum());
    const float sumDyXhat = float((dy.row(c).cast<double>().array() * normalised_.row(c).cast<double>().array()).sum());
    shiftGradient(c) = sumDy;
    scaleGradient(c) = sumDyXhat;
    result.values.row(c).array() = (scale(c) * inverseDeviation_(c) / count) *
                                   (count * dy.row(c).array() - sumDy - normalised_.row(c).array() * sumDyXhat);
  }
  return result;
}

}  // namespace reference
