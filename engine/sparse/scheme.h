#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "sparse/mask.h"
#include "sparse/sparse_format.h"
#include "sparse/unit_layout.h"

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
// Mutation contract (for the drop-and-grow algorithms): a mask is made of units (unitLayout(): positions, blocks,
// rows, kernels), each active or not as a whole (a pattern kernel is active with exactly one library pattern's
// entries). A mutation ranks active units by the key the layout's scorer gives their scores, drops whole units and
// grows whole units (a kernel with the pattern its scores choose), and keeps the active count of every balanced set
// (N:M: each run of M inputs; pattern: each filter's kernels), so such a layer's density cannot change by mutation:
// an algorithm whose drop and grow counts differ (MEST's elastic bounds) swaps there instead. Under this contract
// every drop-and-grow step turns a mask that passes validate() into one that does.
class Scheme {
 public:
  // Fills `row` (g.cols values) with the scores of one row; rows are asked for in order.
  using ScoreRows = std::function<void(int row, std::span<float> out)>;

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
  virtual Mask project(const Matrix& scores, const LayerGeometry& g, double density) const;
  // The same for scores handed over a row at a time, as the ascending positions kept: a row of scores and the units
  // kept are all it holds, so a random start needs no score per weight (sparse/best_units.h).
  std::vector<int64_t> projectRows(const ScoreRows& rows, const LayerGeometry& g, double density) const;

  // Empty when the mask has this scheme's shape, otherwise the first violation found.
  virtual std::string validate(const Mask& mask, const LayerGeometry& g) const = 0;

  // The layer's units, sets and ranking (sparse/unit_layout.h). Throws InputError for a layer the scheme cannot
  // shape (a pattern layer whose inputs are not whole 3x3 kernels).
  virtual std::unique_ptr<UnitLayout> unitLayout(const LayerGeometry& g) const = 0;
};

// Whether every set of positions is a mask of this scheme (unstructured): its random start then draws the positions
// themselves (sparse/random_positions.h) instead of projecting random scores, in time of the active count.
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

}  // namespace ss
