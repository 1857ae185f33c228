#include "batch_norm.h"

#include <algorithm>
#include <cmath>

namespace reference {
namespace {

// In the layer's own precision, as a PyTorch model holds them.
template <typename Scalar>
constexpr Scalar epsilon = Scalar(1e-5);
template <typename Scalar>
constexpr Scalar runningMomentum = Scalar(0.1);

}  // namespace

template <typename Scalar>
BatchNorm<Scalar>::BatchNorm(int channels)
    : scale(Vector::Ones(channels)),
      shift(Vector::Zero(channels)),
      scaleMomentum(Vector::Zero(channels)),
      shiftMomentum(Vector::Zero(channels)),
      scaleGradient(Vector::Zero(channels)),
      shiftGradient(Vector::Zero(channels)),
      runningMean(Vector::Zero(channels)),
      runningVariance(Vector::Ones(channels)) {}

template <typename Scalar>
void BatchNorm<Scalar>::forward(Maps& maps, bool training) {
  RowMatrixOf<Scalar>& x = maps.values;
  const double count = double(x.cols());
  if (!training) {
    const Vector inverse = (runningVariance.array() + epsilon<Scalar>).rsqrt();
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
    const double mean = x.row(c).template cast<double>().sum() / count;
    const double variance = (x.row(c).template cast<double>().array() - mean).square().sum() / count;
    const Scalar momentum = runningMomentum<Scalar>;
    runningMean(c) = (1 - momentum) * runningMean(c) + momentum * Scalar(mean);
    runningVariance(c) =
        (1 - momentum) * runningVariance(c) + momentum * Scalar(variance * count / std::max(1.0, count - 1));
    inverseDeviation_(c) = Scalar(1.0 / std::sqrt(variance + epsilon<Scalar>));
    normalised_.row(c).array() = (x.row(c).array() - Scalar(mean)) * inverseDeviation_(c);
    x.row(c).array() = normalised_.row(c).array() * scale(c) + shift(c);
  }
}

template <typename Scalar>
typename BatchNorm<Scalar>::Maps BatchNorm<Scalar>::backward(const Maps& outputGradient) {
  const RowMatrixOf<Scalar>& dy = outputGradient.values;
  const Scalar count = Scalar(dy.cols());
  Maps result{outputGradient.batch, outputGradient.height, outputGradient.width,
              RowMatrixOf<Scalar>(dy.rows(), dy.cols())};
#pragma omp parallel for
  for (Eigen::Index c = 0; c < dy.rows(); ++c) {
    const Scalar sumDy = Scalar(dy.row(c).template cast<double>().sum());
    const Scalar sumDyXhat =
        Scalar((dy.row(c).template cast<double>().array() * normalised_.row(c).template cast<double>().array()).sum());
    shiftGradient(c) = sumDy;
    scaleGradient(c) = sumDyXhat;
    result.values.row(c).array() = (scale(c) * inverseDeviation_(c) / count) *
                                   (count * dy.row(c).array() - sumDy - normalised_.row(c).array() * sumDyXhat);
  }
  return result;
}

template class BatchNorm<float>;
template class BatchNorm<double>;

}  // namespace reference
