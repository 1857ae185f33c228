#include "algorithms/mask_mutation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#include "algorithms/position_mutation.h"
#include "sparse/weight_matrix.h"

namespace ss {

namespace {
bool groupActive(const Mask& mask, const std::vector<int64_t>& group) {
  for (int64_t p : group)
    if (mask.bits[size_t(p)]) return true;
  return false;
}

void clearGroup(Mask& mask, const std::vector<int64_t>& group) {
  for (int64_t p : group) mask.bits[size_t(p)] = 0;
}

// Activates n groups drawn at random from candidates (reordering them).
void growRandom(Mask& next, const Scheme& scheme, const GroupLayout& layout, Matrix& scores,
                std::vector<int64_t>& candidates, int64_t n, Rng& rng) {
  n = std::min<int64_t>(n, int64_t(candidates.size()));
  for (int64_t i = 0; i < n; ++i) {
    const size_t j = size_t(i + rng.below(int64_t(candidates.size()) - i));
    std::swap(candidates[size_t(i)], candidates[j]);
    const std::vector<int64_t>& group = layout.groups[size_t(candidates[size_t(i)])];
    for (int64_t p : group) scores.data()[p] = rng.uniform(0.0f, 1.0f);
    scheme.activateGroup(next, scores, group);
  }
}

struct ScoredGroup {
  double score;
  int64_t group;
  size_t set;
};

// Clears from next the `count` lowest-scoring groups active in it (ties drop the higher index), at most limit[s]
// in set s; returns how many each set lost.
std::vector<int64_t> dropLowestGroups(Mask& next, const Scheme& scheme, const GroupLayout& layout, const Matrix& scores,
                                      int64_t count, const std::vector<int64_t>& limit) {
  std::vector<ScoredGroup> active;
  for (size_t s = 0; s < layout.sets.size(); ++s)
    for (int64_t g : layout.sets[s]) {
      const std::vector<int64_t>& group = layout.groups[size_t(g)];
      if (groupActive(next, group)) active.push_back({scheme.groupScore(scores, group), g, s});
    }
  std::sort(active.begin(), active.end(), [](const ScoredGroup& a, const ScoredGroup& b) {
    return a.score < b.score || (a.score == b.score && a.group > b.group);
  });
  std::vector<int64_t> dropped(layout.sets.size(), 0);
  for (const ScoredGroup& candidate : active) {
    if (count <= 0) break;
    if (dropped[candidate.set] >= limit[candidate.set]) continue;
    clearGroup(next, layout.groups[size_t(candidate.group)]);
    ++dropped[candidate.set];
    --count;
  }
  return dropped;
}
}  // namespace

GroupLayout groupLayout(const Scheme& scheme, const LayerGeometry& geometry) {
  GroupLayout out;
  out.groups = scheme.groups(geometry);
  out.sets = scheme.balancedSets(geometry);
  out.balanced = !out.sets.empty();
  if (!out.balanced) {
    std::map<size_t, std::vector<int64_t>> bySize;
    for (size_t g = 0; g < out.groups.size(); ++g) bySize[out.groups[g].size()].push_back(int64_t(g));
    for (auto& entry : bySize) out.sets.push_back(std::move(entry.second));
  }
  return out;
}

std::vector<int64_t> activeGroupsPerSet(const GroupLayout& layout, const Mask& mask) {
  std::vector<int64_t> active(layout.sets.size(), 0);
  for (size_t s = 0; s < layout.sets.size(); ++s)
    for (int64_t g : layout.sets[s]) active[s] += groupActive(mask, layout.groups[size_t(g)]) ? 1 : 0;
  return active;
}

Mask swapGroups(const Mask& mask, const Scheme& scheme, const GroupLayout& layout, Matrix& scores, int64_t count,
                Rng& rng) {
  Mask next = mask;
  std::vector<std::vector<int64_t>> inactive(layout.sets.size());
  for (size_t s = 0; s < layout.sets.size(); ++s)
    for (int64_t g : layout.sets[s])
      if (!groupActive(mask, layout.groups[size_t(g)])) inactive[s].push_back(g);
  std::vector<int64_t> limit(layout.sets.size());
  for (size_t s = 0; s < layout.sets.size(); ++s) limit[s] = int64_t(inactive[s].size());
  const std::vector<int64_t> dropped = dropLowestGroups(next, scheme, layout, scores, count, limit);
  for (size_t s = 0; s < layout.sets.size(); ++s)
    growRandom(next, scheme, layout, scores, inactive[s], dropped[s], rng);
  return next;
}

Mask dropAndGrowByScore(const Mask& mask, const Scheme& scheme, const GroupLayout& layout, const Matrix& dropScores,
                        const Matrix& growScores, int64_t count) {
  Mask next = mask;
  const std::vector<int64_t> noLimit(layout.sets.size(), std::numeric_limits<int64_t>::max());
  const std::vector<int64_t> dropped = dropLowestGroups(next, scheme, layout, dropScores, count, noLimit);
  std::vector<int64_t> candidates, order;
  std::vector<double> keys;
  for (size_t s = 0; s < layout.sets.size(); ++s) {
    if (dropped[s] == 0) continue;
    candidates.clear();
    keys.clear();
    for (int64_t g : layout.sets[s]) {
      const std::vector<int64_t>& group = layout.groups[size_t(g)];
      if (groupActive(next, group)) continue;
      candidates.push_back(g);
      keys.push_back(scheme.groupScore(growScores, group));
    }
    selectTopK(keys.data(), int64_t(keys.size()), dropped[s], order);
    for (int64_t i = 0; i < std::min<int64_t>(dropped[s], int64_t(candidates.size())); ++i)
      scheme.activateGroup(next, growScores, layout.groups[size_t(candidates[size_t(order[size_t(i)])])]);
  }
  return next;
}

Mask pruneAndGrow(const Mask& mask, const Scheme& scheme, const GroupLayout& layout, Matrix& scores,
                  const std::vector<int64_t>& keep, const std::vector<int64_t>& growTo, Rng& rng) {
  Mask next = mask;
  std::vector<int64_t> active, inactive, order;
  std::vector<double> keys;
  for (size_t s = 0; s < layout.sets.size(); ++s) {
    active.clear();
    inactive.clear();
    keys.clear();
    for (int64_t g : layout.sets[s]) {
      const std::vector<int64_t>& group = layout.groups[size_t(g)];
      if (groupActive(mask, group)) {
        active.push_back(g);
        keys.push_back(scheme.groupScore(scores, group));
      } else {
        inactive.push_back(g);
      }
    }
    const int64_t setSize = int64_t(layout.sets[s].size());
    int64_t kept = std::clamp<int64_t>(keep[s], 0, int64_t(active.size()));
    const int64_t target = std::clamp<int64_t>(growTo[s], kept, setSize);
    kept = std::max(kept, target - int64_t(inactive.size()));
    selectTopK(keys.data(), int64_t(keys.size()), kept, order);
    std::vector<uint8_t> survives(active.size(), 0);
    for (int64_t i = 0; i < kept; ++i) survives[size_t(order[size_t(i)])] = 1;
    for (size_t i = 0; i < active.size(); ++i)
      if (!survives[i]) clearGroup(next, layout.groups[size_t(active[i])]);
    growRandom(next, scheme, layout, scores, inactive, target - kept, rng);
  }
  return next;
}

Matrix importanceScores(WeightMatrix& weights, float lambda) {
  Matrix scores = Matrix::Zero(weights.rows(), weights.cols());
  const ParameterRef p = weights.parameter("");
  if (const SparseWeights* sparse = weights.sparseWeights()) {
    const std::vector<int64_t> positions = sparse->positions();
    for (size_t e = 0; e < positions.size(); ++e)
      scores.data()[positions[e]] = std::abs(p.values[e]) + lambda * std::abs(p.grads[e]);
    return scores;
  }
  const Mask mask = weights.mask();
  for (size_t i = 0; i < mask.bits.size(); ++i)
    if (mask.bits[i]) scores.data()[i] = std::abs(p.values[i]) + lambda * std::abs(p.grads[i]);
  return scores;
}

std::vector<MutableLayer> mutableLayers(Model& model, const Scheme& scheme) {
  std::vector<MutableLayer> out;
  for (const auto& layer : model.layers()) {
    WeightMatrix* w = layer->weightMatrix();
    if (!w || w->activeCount() >= int64_t(w->rows()) * w->cols()) continue;
    MutableLayer m{layer.get(), {w->rows(), w->cols(), layer->kernelArea(), layer->name()}, {}};
    // Positions mutate as one set (every position its own group), counted without a byte per weight.
    m.budget = anyPositionsFit(scheme) ? std::vector<int64_t>{w->activeCount()}
                                       : activeGroupsPerSet(groupLayout(scheme, m.geometry), w->mask());
    out.push_back(std::move(m));
  }
  return out;
}

MaskChangeEvent installMask(Layer& layer, Sgd& optimizer, const Mask& next, int epoch, int64_t step) {
  return installPositions(layer, optimizer, positionsOf(next), epoch, step);
}

std::string weightParameterName(Layer& layer) {
  WeightMatrix& w = *layer.weightMatrix();
  for (const ParameterRef& p : layer.parameters())
    if (w.holds(p)) return p.name;
  throw std::logic_error("layer " + layer.name() + ": no parameter holds its weights");
}

void switchToSparseExecution(Layer& layer, Sgd& optimizer, const SparseFormat& format) {
  WeightMatrix& w = *layer.weightMatrix();
  if (w.sparse()) return;
  const Mask mask = w.mask();
  std::vector<float>& momentum = optimizer.state(weightParameterName(layer));
  if (!momentum.empty()) {
    // Every sparse layout keeps its entries in row-major order of the active positions, the order this walk
    // keeps them in.
    size_t kept = 0;
    for (size_t i = 0; i < mask.bits.size(); ++i)
      if (mask.bits[i]) momentum[kept++] = momentum[i];
    momentum.resize(kept);
    momentum.shrink_to_fit();
  }
  w.applyMask(mask, true, format);
}

}  // namespace ss
