#pragma once

#include "sparse/scheme.h"

namespace ss {

// Any positions: keeps the top round(density * size) scores of the layer. project() ranks the given dense scores
// in place rather than streaming them (GMP prunes dense layers, whose scores exist whole anyway).
class UnstructuredScheme : public Scheme {
 public:
  std::string name() const override { return "unstructured"; }
  std::string describe() const override { return "unstructured"; }
  double achievableDensity(const LayerGeometry& g, double density) const override;
  Mask project(const Matrix& scores, const LayerGeometry& g, double density) const override;
  std::string validate(const Mask& mask, const LayerGeometry& g) const override;
  // One set of single positions, grown by drawing positions (UnitLayout::drawsPositions).
  std::unique_ptr<UnitLayout> unitLayout(const LayerGeometry& g) const override;
};

}  // namespace ss
