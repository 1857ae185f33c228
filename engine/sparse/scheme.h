#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "sparse/mask.h"
#include "sparse/sparse_format.h"

namespace ss {

// The shape of one layer's weight matrix as a scheme sees it: rows = outputs (filters), cols = inputs.
struct LayerGeometry {
  int rows = 0, cols = 0;
  int kernelArea = 1;      // k*k for a conv (cols = C*k*k, each channel's k*k entries consecutive), 1 for linear
  std::string layer = {};  // the layer's name, only for error messages
};

// How a layer's mask may look (unstructured, N:M, blocks, whole filters, kernel patterns) and how scores
// choose one. A scheme is stateless: it takes scores and a density and returns a mask.
//
// Mutation contract (for the drop-and-grow algorithms):
// - groups(g) are the units a mutation drops and grows; every position is in exactly one group. A group is
//   active when any of its positions is active (in a valid mask a group is all-on or all-off, except a
//   pattern kernel, which is on with exactly one library pattern's entries). Ragged edge blocks are
//   smaller than the rest, so there a count of groups is not quite a count of weights.
// - groupScore(scores, group) ranks groups for dropping and for growing (the L2 norm of its members'
//   scores; pattern: of the best pattern's members, so an active kernel scores by its own pattern).
// - Drop a group by clearing all its positions; grow one with activateGroup(), which picks the pattern.
// - balancedSets(g) lists sets of groups (indices into groups()) whose active count the step must leave
//   unchanged: a mutation grows in each set exactly as many groups as it dropped there. Empty means only
//   the layer's total matters (unstructured, block, channel). N:M: every position is its own group and
//   each run of M inputs is a set, so every group keeps N active after each step. Pattern: the kernels of
//   one filter form a set, so filters stay balanced. With balanced sets a layer's density cannot change
//   by mutation: an algorithm whose drop and grow counts differ (MEST's elastic bounds) swaps instead.
// Under this contract every drop-and-grow step turns a mask that passes validate() into one that does.
class Scheme {
 public:
  virtual ~Scheme() = default;

  virtual std::string name() const = 0;      // "unstructured", "nm", "block", "channel", "pattern"
  virtual std::string describe() const = 0;  // "2:4", "block 4x1", ...

  // The storage layout that holds this scheme's masks with the least index data (CSR unless the shape
  // allows less); transposedIndex is left at its default for the caller to set.
  virtual SparseFormat sparseFormat() const { return {}; }

  // The density project() will reach for a requested one (N:M always keeps its fixed share; block,
  // channel and pattern round to whole groups). Throws InputError for a density outside [0, 1].
  virtual double achievableDensity(const LayerGeometry& g, double density) const = 0;

  // Keeps the highest-scoring weights (by |score|, groups by L2 norm) in this scheme's shape, at
  // achievableDensity(g, density). Deterministic: ties go to the lower index; NaN scores rank lowest.
  virtual Mask project(const Matrix& scores, const LayerGeometry& g, double density) const = 0;

  // Empty when the mask has this scheme's shape, otherwise the first violation found.
  virtual std::string validate(const Mask& mask, const LayerGeometry& g) const = 0;

  // Each group is the list of flat (row-major) positions it covers, in ascending order.
  virtual std::vector<std::vector<int64_t>> groups(const LayerGeometry& g) const = 0;
  virtual std::vector<std::vector<int64_t>> balancedSets(const LayerGeometry&) const { return {}; }
  virtual double groupScore(const Matrix& scores, const std::vector<int64_t>& group) const;
  virtual void activateGroup(Mask& mask, const Matrix& scores, const std::vector<int64_t>& group) const;
};

// Whether every set of positions is a mask of this scheme (unstructured): its masks can then be drawn and mutated as
// lists of positions, with no group, score or byte per weight of the layer (sparse/random_positions.h,
// algorithms/position_mutation.h).
inline bool anyPositionsFit(const Scheme& scheme) {
  return scheme.name() == "unstructured";
}

// Builds a scheme from sparsity.scheme and sparsity.scheme_options (JSON text; empty means {}).
// Errors read "<source>: sparsity.scheme_options.<key>: <reason>".
std::unique_ptr<Scheme> makeScheme(const std::string& name, const std::string& optionsJson,
                                   const std::string& source = "project");

// What the schemes share: ranking keys, top-k selection, and input checks.

// NaN ranks below every real score so that a diverged weight is never preferred and the order stays total.
inline double rankKey(double value) {
  return std::isnan(value) ? -1.0 : value;
}

// Leaves in order[0, k) the indices of the k largest keys (ties: lower index first), in ascending index
// order. order is a buffer the caller may reuse across calls.
template <typename Key>
void selectTopK(const Key* keys, int64_t n, int64_t k, std::vector<int64_t>& order) {
  order.resize(size_t(n));
  for (int64_t i = 0; i < n; ++i) order[size_t(i)] = i;
  k = std::clamp<int64_t>(k, 0, n);
  auto better = [keys](int64_t a, int64_t b) { return keys[a] > keys[b] || (keys[a] == keys[b] && a < b); };
  if (k > 0 && k < n) std::nth_element(order.begin(), order.begin() + k, order.end(), better);
  std::sort(order.begin(), order.begin() + k);
}

// "layer fc1: " or "" when the geometry carries no name.
inline std::string layerPrefix(const LayerGeometry& g) {
  return g.layer.empty() ? "" : "layer " + g.layer + ": ";
}

// Throws InputError unless the geometry is a real layer and density is in [0, 1].
inline void checkDensityRequest(const Scheme& scheme, const LayerGeometry& g, double density) {
  const std::string where = layerPrefix(g) + "sparsity scheme " + scheme.describe() + ": ";
  if (g.rows < 1 || g.cols < 1 || g.kernelArea < 1)
    throw InputError(where + "a weight matrix of " + std::to_string(g.rows) + "x" + std::to_string(g.cols) +
                     " with kernel area " + std::to_string(g.kernelArea) + " cannot be sparsified");
  if (!(density >= 0.0 && density <= 1.0))
    throw InputError(where + "density " + std::to_string(density) + " is outside [0, 1]");
}

// Also checks that the scores match the geometry.
inline void checkProjectRequest(const Scheme& scheme, const Matrix& scores, const LayerGeometry& g, double density) {
  checkDensityRequest(scheme, g, density);
  if (scores.rows() != g.rows || scores.cols() != g.cols)
    throw InputError(layerPrefix(g) + "sparsity scheme " + scheme.describe() + ": scores are " +
                     std::to_string(scores.rows()) + "x" + std::to_string(scores.cols()) + " but the layer is " +
                     std::to_string(g.rows) + "x" + std::to_string(g.cols));
}

// Empty when the mask's dimensions match the geometry, otherwise the mismatch.
inline std::string maskShapeMismatch(const Mask& mask, const LayerGeometry& g) {
  if (mask.rows == g.rows && mask.cols == g.cols && mask.bits.size() == size_t(mask.size())) return {};
  return "mask is " + std::to_string(mask.rows) + "x" + std::to_string(mask.cols) + ", layer is " +
         std::to_string(g.rows) + "x" + std::to_string(g.cols);
}

// Every position its own group, for the schemes that drop and grow single weights.
inline std::vector<std::vector<int64_t>> singletonGroups(const LayerGeometry& g) {
  std::vector<std::vector<int64_t>> out(size_t(g.rows) * size_t(g.cols));
  for (size_t i = 0; i < out.size(); ++i) out[i] = {int64_t(i)};
  return out;
}

inline double Scheme::groupScore(const Matrix& scores, const std::vector<int64_t>& group) const {
  double sum = 0.0;
  for (int64_t p : group) sum += double(scores.data()[p]) * double(scores.data()[p]);
  return rankKey(std::sqrt(sum));
}

inline void Scheme::activateGroup(Mask& mask, const Matrix&, const std::vector<int64_t>& group) const {
  for (int64_t p : group) mask.bits[size_t(p)] = 1;
}

}  // namespace ss
