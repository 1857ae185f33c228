#pragma once

// Gradient checks: a layer's backward against central finite differences of its forward.
#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "nn/layer.h"

// Norm-wise relative error ||a - n|| / max(||a||, ||n||). Layers compute in float32, where a single
// entry's finite difference carries rounding noise of about 1e-7 * |L| / eps; taken over the whole
// gradient the noise averages out, so 1e-3 stays a strict bound that a wrong index or sign breaks.
inline double relativeError(const std::vector<double>& analytic, const std::vector<double>& numeric) {
  double diff = 0, a = 0, n = 0;
  for (size_t i = 0; i < analytic.size(); ++i) {
    diff += (analytic[i] - numeric[i]) * (analytic[i] - numeric[i]);
    a += analytic[i] * analytic[i];
    n += numeric[i] * numeric[i];
  }
  return std::sqrt(diff) / std::max(1e-12, std::sqrt(std::max(a, n)));
}

// Entries to probe: all of them for small tensors, an evenly spread sample otherwise.
inline std::vector<size_t> probes(size_t size) {
  std::vector<size_t> at;
  const size_t stride = std::max<size_t>(1, size / 150);
  for (size_t i = 0; i < size; i += stride) at.push_back(i);
  return at;
}

inline double centralDifference(float& entry, float eps, const std::function<double()>& loss) {
  const float saved = entry;
  entry = saved + eps;
  const double up = loss();
  entry = saved - eps;
  const double down = loss();
  entry = saved;
  return (up - down) / (2.0 * double(eps));
}

inline ss::Matrix randomMatrix(Eigen::Index rows, Eigen::Index cols, ss::Rng& rng, float keepAwayFromZero = 0.0f) {
  ss::Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    float v = rng.uniform(-1.0f, 1.0f);
    if (std::abs(v) < keepAwayFromZero) v = v < 0 ? v - keepAwayFromZero : v + keepAwayFromZero;
    m.data()[i] = v;
  }
  return m;
}

struct GradientErrors {
  double input = 0;
  double parameters = 0;              // over all of them
  std::vector<double> eachParameter;  // one per layer.parameters(), in order: a small one's error shows alone
};

// Uses L = sum(R .* layer(x)) with fixed random R, so dL/dy = R; every forward runs in `training` mode.
inline GradientErrors checkLayer(ss::Layer& layer, ss::Matrix x, ss::Rng& rng, float eps, bool training = true) {
  ss::Matrix y;
  layer.forward(x, y, training);
  const ss::Matrix r = randomMatrix(y.rows(), y.cols(), rng);
  ss::Matrix dx;
  layer.backward(x, y, r, dx, true);
  std::vector<std::vector<double>> analyticParams;
  for (auto& p : layer.parameters()) analyticParams.emplace_back(p.grads.begin(), p.grads.end());

  auto loss = [&] {
    ss::Matrix out;
    layer.forward(x, out, training);
    return (out.cast<double>().array() * r.cast<double>().array()).sum();
  };
  GradientErrors errors;
  std::vector<double> analytic, numeric;
  for (size_t i : probes(size_t(x.size()))) {
    analytic.push_back(dx.data()[i]);
    numeric.push_back(centralDifference(x.data()[i], eps, loss));
  }
  errors.input = relativeError(analytic, numeric);
  analytic.clear();
  numeric.clear();
  auto params = layer.parameters();
  for (size_t p = 0; p < params.size(); ++p) {
    std::vector<double> analyticHere, numericHere;
    for (size_t i : probes(params[p].values.size())) {
      analyticHere.push_back(analyticParams[p][i]);
      numericHere.push_back(centralDifference(params[p].values[i], eps, loss));
    }
    errors.eachParameter.push_back(relativeError(analyticHere, numericHere));
    analytic.insert(analytic.end(), analyticHere.begin(), analyticHere.end());
    numeric.insert(numeric.end(), numericHere.begin(), numericHere.end());
  }
  errors.parameters = analytic.empty() ? 0.0 : relativeError(analytic, numeric);
  return errors;
}
