#pragma once

#include "sparse/scheme.h"

namespace ss {

// Any positions: keeps the top round(density * size) scores of the layer.
class UnstructuredScheme : public Scheme {
 public:
  std::string name() const override { return "unstructured"; }
  std::string describe() const override { return "unstructured"; }
  double achievableDensity(const LayerGeometry& g, double density) const override;
  Mask project(const Matrix& scores, const LayerGeometry& g, double density) const override;
  std::string validate(const Mask& mask, const LayerGeometry& g) const override;
  std::vector<std::vector<int64_t>> groups(const LayerGeometry& g) const override;
};

}  // namespace ss
