#pragma once

// The masks of the structured schemes drawn and mutated the straightforward way, on dense matrices: a score per
// weight, a byte per weight, every group of the layer listed. This is how the engine worked before its masks became
// lists of units (issue 30); the engine must still reach exactly these masks, with the same random draws. Written from
// the schemes' definitions (docs/algorithms.md, sparse/*_scheme.h), independent of the engine's unit layouts.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "sparse/mask.h"
#include "sparse/pattern_scheme.h"

namespace reference {

using ss::Mask;
using ss::Matrix;

// A scheme and its options, as the reference reads them: "unstructured", "nm" (n, m), "block" (height, width),
// "channel", "pattern" (kernels on a 3x3 convolution, unstructured on any other layer).
struct Shape {
  std::string scheme;
  int n = 0, m = 0, height = 0, width = 0;
};

struct Layer {
  int rows = 0, cols = 0, kernelArea = 1;
  int64_t size() const { return int64_t(rows) * cols; }
};

inline bool patternKernels(const Shape& s, const Layer& l) {
  return s.scheme == "pattern" && l.kernelArea == 9;
}

// NaN below every real key, as the engine ranks.
inline double key(double v) {
  return std::isnan(v) ? -1.0 : v;
}

// Indices of keys from best to worst: larger key first, ties in index order.
inline std::vector<int64_t> bestFirst(const std::vector<double>& keys) {
  std::vector<int64_t> order(keys.size());
  std::iota(order.begin(), order.end(), int64_t(0));
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return keys[size_t(a)] > keys[size_t(b)]; });
  return order;
}

inline double norm(const Matrix& scores, const std::vector<int64_t>& positions) {
  double sum = 0.0;
  for (int64_t p : positions) sum += double(scores.data()[p]) * double(scores.data()[p]);
  return key(std::sqrt(sum));
}

// A kernel's best library pattern for the scores (the first of equal norms) and that norm.
inline std::pair<int, double> bestPattern(const Matrix& scores, int64_t kernelStart) {
  int best = 0;
  double bestNorm = -2.0;
  const auto& library = ss::PatternScheme::library();
  for (int p = 0; p < int(library.size()); ++p) {
    std::vector<int64_t> entries;
    for (int e : library[size_t(p)]) entries.push_back(kernelStart + e);
    const double n = norm(scores, entries);
    if (n > bestNorm) {
      best = p;
      bestNorm = n;
    }
  }
  return {best, bestNorm};
}

// Every group of the layer, listed: its positions ascending, groups in index order.
inline std::vector<std::vector<int64_t>> groups(const Shape& s, const Layer& l) {
  std::vector<std::vector<int64_t>> out;
  if (s.scheme == "block") {
    for (int r0 = 0; r0 < l.rows; r0 += s.height)
      for (int c0 = 0; c0 < l.cols; c0 += s.width) {
        std::vector<int64_t>& block = out.emplace_back();
        for (int r = r0; r < std::min(l.rows, r0 + s.height); ++r)
          for (int c = c0; c < std::min(l.cols, c0 + s.width); ++c) block.push_back(int64_t(r) * l.cols + c);
      }
  } else if (s.scheme == "channel") {
    for (int r = 0; r < l.rows; ++r) {
      std::vector<int64_t>& row = out.emplace_back();
      for (int c = 0; c < l.cols; ++c) row.push_back(int64_t(r) * l.cols + c);
    }
  } else if (patternKernels(s, l)) {
    for (int64_t k = 0; k < l.size() / 9; ++k) {
      std::vector<int64_t>& kernel = out.emplace_back();
      for (int e = 0; e < 9; ++e) kernel.push_back(k * 9 + e);
    }
  } else {
    for (int64_t p = 0; p < l.size(); ++p) out.push_back({p});
  }
  return out;
}

// The sets a mutation keeps counts in, as lists of group indices, and whether they are balanced: N:M's runs of M
// inputs, the pattern's filters; otherwise the groups of each size, smallest size first.
struct Sets {
  std::vector<std::vector<int64_t>> members;
  bool balanced = false;
};

inline Sets sets(const Shape& s, const Layer& l, const std::vector<std::vector<int64_t>>& groupList) {
  Sets out;
  if (s.scheme == "nm") {
    out.balanced = true;
    for (int r = 0; r < l.rows; ++r)
      for (int c0 = 0; c0 < l.cols; c0 += s.m) {
        std::vector<int64_t>& run = out.members.emplace_back();
        for (int c = c0; c < std::min(l.cols, c0 + s.m); ++c) run.push_back(int64_t(r) * l.cols + c);
      }
  } else if (patternKernels(s, l)) {
    out.balanced = true;
    const int channels = l.cols / 9;
    for (int r = 0; r < l.rows; ++r) {
      std::vector<int64_t>& filter = out.members.emplace_back();
      for (int c = 0; c < channels; ++c) filter.push_back(int64_t(r) * channels + c);
    }
  } else {
    std::map<size_t, std::vector<int64_t>> bySize;
    for (size_t g = 0; g < groupList.size(); ++g) bySize[groupList[g].size()].push_back(int64_t(g));
    for (auto& [size, members] : bySize) out.members.push_back(members);
  }
  return out;
}

inline double groupScore(const Shape& s, const Layer& l, const Matrix& scores, const std::vector<int64_t>& group) {
  return patternKernels(s, l) ? bestPattern(scores, group.front()).second : norm(scores, group);
}

inline void activate(const Shape& s, const Layer& l, Mask& mask, const Matrix& scores,
                     const std::vector<int64_t>& group) {
  if (!patternKernels(s, l)) {
    for (int64_t p : group) mask.bits[size_t(p)] = 1;
    return;
  }
  for (int64_t p : group) mask.bits[size_t(p)] = 0;
  for (int e : ss::PatternScheme::library()[size_t(bestPattern(scores, group.front()).first)])
    mask.bits[size_t(group.front() + e)] = 1;
}

inline bool isActive(const Mask& mask, const std::vector<int64_t>& group) {
  return std::any_of(group.begin(), group.end(), [&](int64_t p) { return mask.bits[size_t(p)] != 0; });
}

// The scheme's projection: the best groups by score, each class keeping its share (N:M: N of every run; block:
// round(d * blocks) of each extent; channel: round(d * rows) rows; pattern: the same number of kernels per filter,
// each with its best pattern; unstructured: round(d * size) weights).
inline Mask project(const Shape& s, const Layer& l, const Matrix& scores, double d) {
  Mask mask(l.rows, l.cols);
  const auto groupList = groups(s, l);
  std::map<std::pair<int64_t, int64_t>, std::vector<int64_t>> classes;  // (class kind, index) -> groups in order
  std::map<std::pair<int64_t, int64_t>, int64_t> kept;
  if (s.scheme == "nm") {
    for (int r = 0; r < l.rows; ++r)
      for (int c0 = 0; c0 < l.cols; c0 += s.m) {
        const int length = std::min(s.m, l.cols - c0);
        for (int c = c0; c < c0 + length; ++c) classes[{r, c0}].push_back(int64_t(r) * l.cols + c);
        kept[{r, c0}] = length == s.m ? s.n : (int64_t(s.n) * length + s.m - 1) / s.m;
      }
  } else if (s.scheme == "block") {
    for (size_t b = 0; b < groupList.size(); ++b) {
      const auto& block = groupList[b];
      const int height = int(block.back() / l.cols - block.front() / l.cols + 1);
      const int width = int(block.back() % l.cols - block.front() % l.cols + 1);
      classes[{height, width}].push_back(int64_t(b));
    }
    for (auto& [extent, members] : classes) kept[extent] = std::llround(d * double(members.size()));
  } else if (patternKernels(s, l)) {
    const int channels = l.cols / 9;
    const int64_t perFilter = std::min<int64_t>(channels, std::llround(d * 9.0 * channels / 4.0));
    for (int r = 0; r < l.rows; ++r) {
      for (int c = 0; c < channels; ++c) classes[{r, 0}].push_back(int64_t(r) * channels + c);
      kept[{r, 0}] = perFilter;
    }
  } else {
    for (size_t g = 0; g < groupList.size(); ++g) classes[{0, 0}].push_back(int64_t(g));
    kept[{0, 0}] = s.scheme == "channel" ? std::llround(d * l.rows) : std::llround(d * double(l.rows) * l.cols);
  }
  for (const auto& [cls, members] : classes) {
    std::vector<double> keys;
    for (int64_t g : members) keys.push_back(groupScore(s, l, scores, groupList[size_t(g)]));
    const std::vector<int64_t> order = bestFirst(keys);
    for (int64_t i = 0; i < kept[cls]; ++i)
      activate(s, l, mask, scores, groupList[size_t(members[size_t(order[size_t(i)])])]);
  }
  return mask;
}

// The random start: a uniform score per weight in row-major order, projected.
inline Mask randomStart(const Shape& s, const Layer& l, double d, ss::Rng& rng) {
  Matrix scores(l.rows, l.cols);
  for (Eigen::Index i = 0; i < scores.size(); ++i) scores.data()[i] = rng.uniform(0.0f, 1.0f);
  return project(s, l, scores, d);
}

// One layer's groups and sets, with the mutation steps of the drop-and-grow algorithms on a dense mask.
struct Mutation {
  Shape shape;
  Layer layer;
  std::vector<std::vector<int64_t>> groupList = groups(shape, layer);
  Sets setList = sets(shape, layer, groupList);

  double score(const Matrix& scores, int64_t g) const { return groupScore(shape, layer, scores, groupList[size_t(g)]); }

  // Grows up to n groups of `candidates` at random: a partial Fisher-Yates shuffle, each grown group taking a uniform
  // score per position (a kernel grows with its best pattern for them).
  void growRandom(Mask& mask, std::vector<int64_t> candidates, int64_t n, ss::Rng& rng) const {
    Matrix scores = Matrix::Zero(layer.rows, layer.cols);
    n = std::min<int64_t>(n, int64_t(candidates.size()));
    for (int64_t i = 0; i < n; ++i) {
      std::swap(candidates[size_t(i)], candidates[size_t(i + rng.below(int64_t(candidates.size()) - i))]);
      const auto& group = groupList[size_t(candidates[size_t(i)])];
      for (int64_t p : group) scores.data()[p] = rng.uniform(0.0f, 1.0f);
      activate(shape, layer, mask, scores, group);
    }
  }

  std::vector<int64_t> inactiveIn(const Mask& mask, const std::vector<int64_t>& set) const {
    std::vector<int64_t> out;
    for (int64_t g : set)
      if (!isActive(mask, groupList[size_t(g)])) out.push_back(g);
    return out;
  }

  // Drops up to `count` active groups, lowest score first (ties: the higher group), at most limit[s] from set s;
  // returns how many each set lost.
  std::vector<int64_t> dropLowest(Mask& mask, const Matrix& scores, int64_t count,
                                  const std::vector<int64_t>& limit) const {
    std::vector<std::pair<int64_t, size_t>> active;  // (group, set)
    for (size_t s = 0; s < setList.members.size(); ++s)
      for (int64_t g : setList.members[s])
        if (isActive(mask, groupList[size_t(g)])) active.push_back({g, s});
    std::sort(active.begin(), active.end(), [&](const auto& a, const auto& b) {
      const double sa = score(scores, a.first), sb = score(scores, b.first);
      return sa < sb || (sa == sb && a.first > b.first);
    });
    std::vector<int64_t> dropped(setList.members.size(), 0);
    for (const auto& [g, s] : active) {
      if (count <= 0) break;
      if (dropped[s] >= limit[s]) continue;
      for (int64_t p : groupList[size_t(g)]) mask.bits[size_t(p)] = 0;
      ++dropped[s];
      --count;
    }
    return dropped;
  }

  int64_t activeGroups(const Mask& mask) const {
    int64_t n = 0;
    for (const auto& group : groupList) n += isActive(mask, group) ? 1 : 0;
    return n;
  }

  std::vector<int64_t> activePerSet(const Mask& mask) const {
    std::vector<int64_t> out;
    for (const auto& set : setList.members) out.push_back(int64_t(set.size() - inactiveIn(mask, set).size()));
    return out;
  }

  // SET (and MEST on balanced sets): drop the `count` lowest, grow as many at random in the same sets, never more in
  // a set than it had inactive.
  Mask swap(const Mask& mask, const Matrix& scores, int64_t count, ss::Rng& rng) const {
    Mask next = mask;
    std::vector<std::vector<int64_t>> inactive;
    std::vector<int64_t> limit;
    for (const auto& set : setList.members) {
      inactive.push_back(inactiveIn(mask, set));
      limit.push_back(int64_t(inactive.back().size()));
    }
    const std::vector<int64_t> dropped = dropLowest(next, scores, count, limit);
    for (size_t s = 0; s < setList.members.size(); ++s) growRandom(next, inactive[s], dropped[s], rng);
    return next;
  }

  // MEST's elastic step: per set keep the keep[s] best, grow at random until growTo[s] are active.
  Mask pruneAndGrow(const Mask& mask, const Matrix& scores, const std::vector<int64_t>& keep,
                    const std::vector<int64_t>& growTo, ss::Rng& rng) const {
    Mask next = mask;
    for (size_t s = 0; s < setList.members.size(); ++s) {
      std::vector<int64_t> active;
      std::vector<double> keys;
      for (int64_t g : setList.members[s])
        if (isActive(mask, groupList[size_t(g)])) {
          active.push_back(g);
          keys.push_back(score(scores, g));
        }
      const std::vector<int64_t> inactive = inactiveIn(mask, setList.members[s]);
      int64_t kept = std::clamp<int64_t>(keep[s], 0, int64_t(active.size()));
      const int64_t target = std::clamp<int64_t>(growTo[s], kept, int64_t(setList.members[s].size()));
      kept = std::max(kept, target - int64_t(inactive.size()));
      const std::vector<int64_t> order = bestFirst(keys);
      for (size_t i = size_t(kept); i < order.size(); ++i)
        for (int64_t p : groupList[size_t(active[size_t(order[i])])]) next.bits[size_t(p)] = 0;
      growRandom(next, inactive, target - kept, rng);
    }
    return next;
  }

  // RigL: drop the `count` lowest by dropScores, then grow in every set as many as it lost, best by growScores among
  // the groups inactive after the drop.
  Mask dropAndGrow(const Mask& mask, const Matrix& dropScores, const Matrix& growScores, int64_t count) const {
    Mask next = mask;
    const std::vector<int64_t> noLimit(setList.members.size(), INT64_MAX);
    const std::vector<int64_t> dropped = dropLowest(next, dropScores, count, noLimit);
    for (size_t s = 0; s < setList.members.size(); ++s) {
      const std::vector<int64_t> candidates = inactiveIn(next, setList.members[s]);
      std::vector<double> keys;
      for (int64_t g : candidates) keys.push_back(score(growScores, g));
      const std::vector<int64_t> order = bestFirst(keys);
      for (int64_t i = 0; i < std::min<int64_t>(dropped[s], int64_t(order.size())); ++i)
        activate(shape, layer, next, growScores, groupList[size_t(candidates[size_t(order[size_t(i)])])]);
    }
    return next;
  }
};

}  // namespace reference
