#include "mask_edits.h"

#include <algorithm>
#include <cmath>

namespace reference {
namespace {

Positions positionsWhere(const MaskedLayer& layer, bool active) {
  Positions positions;
  const float* mask = layer.mask.data();
  for (Eigen::Index i = 0; i < layer.mask.size(); ++i)
    if ((mask[i] != 0.0f) == active) positions.push_back(i);
  return positions;
}

}  // namespace

Positions activePositions(const MaskedLayer& layer) {
  return positionsWhere(layer, true);
}
Positions inactivePositions(const MaskedLayer& layer) {
  return positionsWhere(layer, false);
}

Positions positionsOutside(const Positions& positions, Eigen::Index size) {
  std::vector<bool> held(std::size_t(size), false);
  for (Eigen::Index p : positions) held[std::size_t(p)] = true;
  Positions outside;
  for (Eigen::Index p = 0; p < size; ++p)
    if (!held[std::size_t(p)]) outside.push_back(p);
  return outside;
}

Positions largestByScore(Positions candidates, const Eigen::MatrixXf& score, std::size_t count) {
  count = std::min(count, candidates.size());
  const float* s = score.data();
  const auto before = [s](Eigen::Index a, Eigen::Index b) { return s[a] > s[b] || (s[a] == s[b] && a < b); };
  std::nth_element(candidates.begin(), candidates.begin() + count, candidates.end(), before);
  candidates.resize(count);
  return candidates;
}

Positions randomPick(Positions candidates, std::size_t count, std::mt19937_64& rng) {
  count = std::min(count, candidates.size());
  for (std::size_t i = 0; i < count; ++i) {
    std::uniform_int_distribution<std::size_t> pick(i, candidates.size() - 1);
    std::swap(candidates[i], candidates[pick(rng)]);
  }
  candidates.resize(count);
  return candidates;
}

void keepOnly(MaskedLayer& layer, const Positions& positions) {
  Eigen::MatrixXf mask = Eigen::MatrixXf::Zero(layer.mask.rows(), layer.mask.cols());
  for (Eigen::Index p : positions) mask.data()[p] = 1.0f;
  layer.mask = mask;
  layer.weights.array() *= mask.array();
  layer.weightMomentum.array() *= mask.array();
}

void growAtZero(MaskedLayer& layer, const Positions& positions) {
  for (Eigen::Index p : positions) {
    layer.mask.data()[p] = 1.0f;
    layer.weights.data()[p] = 0.0f;
    layer.weightMomentum.data()[p] = 0.0f;
  }
}

long countForDensity(double density, Eigen::Index size) {
  return std::clamp(std::lround(density * double(size)), 0L, long(size));
}

}  // namespace reference
