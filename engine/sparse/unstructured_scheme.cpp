#include "sparse/unstructured_scheme.h"

#include "sparse/position_units.h"

namespace ss {

namespace {
int64_t keptCount(const LayerGeometry& g, double density) {
  return std::llround(density * double(g.rows) * g.cols);
}
}  // namespace

double UnstructuredScheme::achievableDensity(const LayerGeometry& g, double density) const {
  checkDensityRequest(*this, g, density);
  return double(keptCount(g, density)) / (double(g.rows) * g.cols);
}

Mask UnstructuredScheme::project(const Matrix& scores, const LayerGeometry& g, double density) const {
  checkProjectRequest(*this, scores, g, density);
  const int64_t size = int64_t(g.rows) * g.cols;
  std::vector<float> keys(static_cast<size_t>(size));
  for (int64_t i = 0; i < size; ++i) keys[size_t(i)] = float(rankKey(std::abs(scores.data()[i])));
  std::vector<int64_t> order;
  const int64_t k = keptCount(g, density);
  selectTopK(keys.data(), size, k, order);
  Mask mask(g.rows, g.cols);
  for (int64_t i = 0; i < k; ++i) mask.bits[size_t(order[size_t(i)])] = 1;
  return mask;
}

std::string UnstructuredScheme::validate(const Mask& mask, const LayerGeometry& g) const {
  return maskShapeMismatch(mask, g);
}

std::unique_ptr<UnitLayout> UnstructuredScheme::unitLayout(const LayerGeometry& g) const {
  return std::make_unique<PositionUnits>(g, true);
}

}  // namespace ss
