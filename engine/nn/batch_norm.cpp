#include "nn/batch_norm.h"

#include <array>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/relu.h"
#include "core/threads.h"

namespace ss {

namespace {

// Batch norm's passes go over a batch (rows x channels * positions, row-major) by normalised channel: channel c of
// example n is the run of `positions` values at row n's [c * positions, (c + 1) * positions). The threads share out
// whole channels, and a channel's runs come in one order, example by example, whatever the share: per-channel sums
// are then the same bits on any thread count.

// run(c, begin, end) for each run, [begin, end) its indices in the batch's data.
template <typename Run>
void forEachChannelRun(Eigen::Index rows, int channels, int positions, bool parallel, Run&& run) {
  const int64_t rowLength = int64_t(channels) * positions;
  splitAcrossThreads(channels, parallel, [&](int64_t firstChannel, int64_t endChannel) {
    for (int64_t n = 0; n < int64_t(rows); ++n)
      for (int64_t c = firstChannel; c < endChannel; ++c) {
        const int64_t begin = n * rowLength + c * positions;
        run(c, begin, begin + positions);
      }
  });
}

// The sums over each channel c's values of each term(c, i), i the value's index in the batch's data, in one pass.
// A run is summed in float lanes, value j into lane j % kLanes, one set of lanes per term; the lanes and the runs are
// added up in double. The lanes vectorise without reordering anything, so each sum is the same bits however many
// terms share the pass. One double accumulator in a single chain ran at 3.5 ns a value (128 x 64 x 32 x 32, one
// thread), these lanes at 1.15 ns for the forward's three passes together. Two terms share a pass only with the lane
// loop marked `omp simd`: without it GCC left it scalar, and one pass for both ran slower than a pass for each; with
// it, 0.4 ms against 0.65 (batch norm backward's two sums, 128 x 16 x 28 x 28).
template <typename... Terms>
std::array<std::vector<double>, sizeof...(Terms)> sumsByChannel(Eigen::Index rows, int channels, int positions,
                                                                bool parallel, Terms&&... terms) {
  constexpr int64_t kLanes = 8;
  constexpr size_t kTerms = sizeof...(Terms);
  std::array<std::vector<double>, kTerms> sums;
  for (std::vector<double>& s : sums) s.assign(size_t(channels), 0.0);
  forEachChannelRun(rows, channels, positions, parallel, [&](int64_t c, int64_t begin, int64_t end) {
    std::array<double, kTerms> run{};
    int64_t i = begin;
    if (end - begin >= kLanes) {
      float lanes[kTerms][kLanes] = {};
      for (; i + kLanes <= end; i += kLanes) {
#pragma omp simd
        for (int64_t lane = 0; lane < kLanes; ++lane) {
          size_t k = 0;
          ((lanes[k++][lane] += terms(c, i + lane)), ...);
        }
      }
      for (size_t k = 0; k < kTerms; ++k)
        for (float lane : lanes[k]) run[k] += lane;
    }
    for (; i < end; ++i) {
      size_t k = 0;
      ((run[k++] += terms(c, i)), ...);
    }
    for (size_t k = 0; k < kTerms; ++k) sums[k][size_t(c)] += run[k];
  });
  return sums;
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
  normalise(x, y, training, false);
}

void BatchNorm::forwardThroughRelu(const Matrix& x, Matrix& relu, bool training) {
  normalise(x, relu, training, true);
}

void BatchNorm::normalise(const Matrix& x, Matrix& y, bool training, bool rectified) {
  const int64_t count = int64_t(x.rows()) * positions_;  // values per channel
  if (training && count < 2)
    throw InputError("batch norm " + name() + ": training needs more than one value per channel, and a batch of " +
                     std::to_string(x.rows()) + " has " + std::to_string(count));
  const bool parallel = x.size() >= kParallelElements;
  const float* in = x.data();
  mean_.resize(channels_);
  invStd_.resize(channels_);
  if (!training) {
    for (int c = 0; c < channels_; ++c) {
      mean_[c] = runningMean_[c];
      invStd_[c] = float(1.0 / std::sqrt(double(runningVar_[c]) + eps_));
    }
  } else {
    // Two passes, the mean and then the squared deviations from it: a single pass's E[x^2] - E[x]^2 cancels badly
    // when the mean is large against the spread.
    std::vector<double> mean =
        sumsByChannel(x.rows(), channels_, positions_, parallel, [&](int64_t, int64_t i) { return in[i]; })[0];
    for (double& m : mean) m /= double(count);
    std::vector<float> meanAsFloat(mean.begin(), mean.end());
    const std::vector<double> squares =
        sumsByChannel(x.rows(), channels_, positions_, parallel, [&](int64_t c, int64_t i) {
          const float d = in[i] - meanAsFloat[size_t(c)];
          return d * d;
        })[0];
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
  float* out = y.data();
  forEachChannelRun(x.rows(), channels_, positions_, parallel, [&](int64_t c, int64_t begin, int64_t end) {
    const float mean = mean_[c], scale = invStd_[c] * gamma_[c], shift = beta_[c];
    for (int64_t i = begin; i < end; ++i) out[i] = (in[i] - mean) * scale + shift;
    if (rectified) rectify(out, out, begin, end);  // while the run is in the cache
  });
}

void BatchNorm::backward(const Matrix& x, const Matrix&, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  const float* up = dy.data();
  backwardFrom(
      x, [up](int64_t i) { return up[i]; }, dx, needInputGrad);
}

void BatchNorm::backwardThroughRelu(const Matrix& x, const Matrix& relu, const Matrix& dRelu, Matrix& dx,
                                    bool needInputGrad) {
  const float *kept = relu.data(), *up = dRelu.data();
  backwardFrom(
      x, [kept, up](int64_t i) { return passedWherePositive(kept[i], up[i]); }, dx, needInputGrad);
}

template <typename Dy>
void BatchNorm::backwardFrom(const Matrix& x, Dy&& dyAt, Matrix& dx, bool needInputGrad) {
  if (mean_.size() != channels_) throw std::logic_error("batch norm " + name() + ": backward before any forward");
  const bool parallel = x.size() >= kParallelElements;
  const float* in = x.data();
  // dbeta = sum(dy), dgamma = sum(dy * x-hat), in one pass over dy and x.
  const auto sums = sumsByChannel(
      x.rows(), channels_, positions_, parallel, [&](int64_t, int64_t i) { return dyAt(i); },
      [&](int64_t c, int64_t i) { return dyAt(i) * (in[i] - mean_[c]) * invStd_[c]; });
  // Not a structured binding: clang 15 cannot capture one in the lambda below.
  const std::vector<double>& dySum = sums[0];
  const std::vector<double>& dyTimesNormalisedSum = sums[1];
  for (int c = 0; c < channels_; ++c) {
    betaGrad_[c] = float(dySum[size_t(c)]);
    gammaGrad_[c] = float(dyTimesNormalisedSum[size_t(c)]);
  }
  if (!needInputGrad) return;
  dx.resize(x.rows(), x.cols());
  float* down = dx.data();
  if (!batchStatistics_) {
    forEachChannelRun(x.rows(), channels_, positions_, parallel, [&](int64_t c, int64_t begin, int64_t end) {
      const float scale = gamma_[c] * invStd_[c];
      for (int64_t i = begin; i < end; ++i) down[i] = scale * dyAt(i);
    });
    return;
  }
  // With the batch's statistics, x moves the mean and the variance too: over the m values of a channel,
  // dx = gamma / std * (dy - mean(dy) - x-hat * mean(dy * x-hat)).
  const double count = double(x.rows()) * positions_;
  forEachChannelRun(x.rows(), channels_, positions_, parallel, [&](int64_t c, int64_t begin, int64_t end) {
    const float mean = mean_[c], invStd = invStd_[c], scale = gamma_[c] * invStd;
    const float meanDy = float(dySum[size_t(c)] / count);
    const float meanDyTimesNormalised = float(dyTimesNormalisedSum[size_t(c)] / count);
    for (int64_t i = begin; i < end; ++i)
      down[i] = scale * (dyAt(i) - meanDy - (in[i] - mean) * invStd * meanDyTimesNormalised);
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
