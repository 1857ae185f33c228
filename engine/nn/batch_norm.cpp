#include "nn/batch_norm.h"

#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/threads.h"

namespace ss {

namespace {

// visit(c, i) for every value of a batch (rows x channels * positions, row-major) by normalised channel c, i its
// index in the matrix's data: channel c of example n is row n's [c * positions, (c + 1) * positions). The threads
// share out whole channels, and each channel's values come in the same order, example by example and position by
// position, whatever the share: per-channel sums are then the same on any thread count.
template <typename Visit>
void visitByChannel(Eigen::Index rows, int channels, int positions, bool parallel, Visit&& visit) {
  const int64_t rowLength = int64_t(channels) * positions;
  splitAcrossThreads(channels, parallel, [&](int64_t firstChannel, int64_t endChannel) {
    for (int64_t n = 0; n < int64_t(rows); ++n)
      for (int64_t c = firstChannel; c < endChannel; ++c) {
        const int64_t begin = n * rowLength + c * positions;
        for (int64_t i = begin; i < begin + positions; ++i) visit(c, i);
      }
  });
}

}  // namespace

BatchNorm::BatchNorm(ExampleShape shape, float momentum, float eps)
    : shape_(shape),
      channels_(normalisesFeatures(shape) ? shape.width : shape.channels),
      positions_(shape.size() / channels_),
      momentum_(momentum),
      eps_(eps),
      gamma_(Vector::Ones(channels_)),
      beta_(Vector::Zero(channels_)),
      gammaGrad_(Vector::Zero(channels_)),
      betaGrad_(Vector::Zero(channels_)),
      runningMean_(Vector::Zero(channels_)),
      runningVar_(Vector::Ones(channels_)) {}

std::string BatchNorm::describe() const {
  return "batchnorm " + std::to_string(channels_) + (normalisesFeatures(shape_) ? " features" : " channels");
}

void BatchNorm::forward(const Matrix& x, Matrix& y, bool training) {
  const int64_t count = int64_t(x.rows()) * positions_;  // values per channel
  if (training && count < 2)
    throw InputError("batch norm " + name() + ": training needs more than one value per channel, and a batch of " +
                     std::to_string(x.rows()) + " has " + std::to_string(count));
  const bool parallel = x.size() >= kParallelElements;
  mean_.resize(channels_);
  invStd_.resize(channels_);
  if (!training) {
    for (int c = 0; c < channels_; ++c) {
      mean_[c] = runningMean_[c];
      invStd_[c] = float(1.0 / std::sqrt(double(runningVar_[c]) + eps_));
    }
  } else {
    // Two passes, the mean and then the squared deviations from it, in double: a single pass's E[x^2] - E[x]^2
    // cancels badly when the mean is large against the spread.
    std::vector<double> mean(size_t(channels_), 0.0), squares(size_t(channels_), 0.0);
    const float* in = x.data();
    visitByChannel(x.rows(), channels_, positions_, parallel, [&](int64_t c, int64_t i) { mean[size_t(c)] += in[i]; });
    for (double& m : mean) m /= double(count);
    visitByChannel(x.rows(), channels_, positions_, parallel, [&](int64_t c, int64_t i) {
      const double d = in[i] - mean[size_t(c)];
      squares[size_t(c)] += d * d;
    });
    for (int c = 0; c < channels_; ++c) {
      mean_[c] = float(mean[size_t(c)]);
      invStd_[c] = float(1.0 / std::sqrt(squares[size_t(c)] / double(count) + eps_));
      // PyTorch's running variance is the unbiased estimate, though the batch is normalised with the biased one.
      const double unbiased = squares[size_t(c)] / double(count - 1);
      runningMean_[c] = float((1.0 - momentum_) * runningMean_[c] + momentum_ * mean[size_t(c)]);
      runningVar_[c] = float((1.0 - momentum_) * runningVar_[c] + momentum_ * unbiased);
    }
  }
  batchStatistics_ = training;
  y.resize(x.rows(), x.cols());
  const float* in = x.data();
  float* out = y.data();
  visitByChannel(x.rows(), channels_, positions_, parallel,
                 [&](int64_t c, int64_t i) { out[i] = (in[i] - mean_[c]) * invStd_[c] * gamma_[c] + beta_[c]; });
}

void BatchNorm::backward(const Matrix& x, const Matrix&, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  if (mean_.size() != channels_) throw std::logic_error("batch norm " + name() + ": backward before any forward");
  const bool parallel = x.size() >= kParallelElements;
  const float* in = x.data();
  const float* up = dy.data();
  const auto normalised = [&](int64_t c, int64_t i) { return (in[i] - mean_[c]) * invStd_[c]; };
  std::vector<double> dySum(size_t(channels_), 0.0), dyTimesNormalisedSum(size_t(channels_), 0.0);
  visitByChannel(x.rows(), channels_, positions_, parallel, [&](int64_t c, int64_t i) {
    dySum[size_t(c)] += up[i];
    dyTimesNormalisedSum[size_t(c)] += double(up[i]) * normalised(c, i);
  });
  for (int c = 0; c < channels_; ++c) {
    betaGrad_[c] = float(dySum[size_t(c)]);
    gammaGrad_[c] = float(dyTimesNormalisedSum[size_t(c)]);
  }
  if (!needInputGrad) return;
  dx.resize(x.rows(), x.cols());
  float* down = dx.data();
  if (!batchStatistics_) {
    visitByChannel(x.rows(), channels_, positions_, parallel,
                   [&](int64_t c, int64_t i) { down[i] = gamma_[c] * invStd_[c] * up[i]; });
    return;
  }
  // With the batch's statistics, x moves the mean and the variance too: with m values per channel,
  // dx = gamma / std * (dy - mean(dy) - x-hat * mean(dy * x-hat)).
  const double count = double(x.rows()) * positions_;
  Vector meanDy(channels_), meanDyTimesNormalised(channels_);
  for (int c = 0; c < channels_; ++c) {
    meanDy[c] = float(dySum[size_t(c)] / count);
    meanDyTimesNormalised[c] = float(dyTimesNormalisedSum[size_t(c)] / count);
  }
  visitByChannel(x.rows(), channels_, positions_, parallel, [&](int64_t c, int64_t i) {
    down[i] = gamma_[c] * invStd_[c] * (up[i] - meanDy[c] - normalised(c, i) * meanDyTimesNormalised[c]);
  });
}

std::vector<ParameterRef> BatchNorm::parameters() {
  return {{name() + ".weight", {gamma_.data(), size_t(channels_)}, {gammaGrad_.data(), size_t(channels_)}, false},
          {name() + ".bias", {beta_.data(), size_t(channels_)}, {betaGrad_.data(), size_t(channels_)}, false}};
}

std::vector<NamedBuffer> BatchNorm::stateBuffers() {
  return {{name() + ".running_mean", {runningMean_.data(), size_t(channels_)}},
          {name() + ".running_var", {runningVar_.data(), size_t(channels_)}}};
}

}  // namespace ss
