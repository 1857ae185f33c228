#pragma once

#include "sparse/scheme.h"

namespace ss {

// Whole output rows (filters of a conv, neurons of a linear layer): keeps the round(density * rows) rows
// with the largest L2 norm of their scores.
class ChannelScheme : public Scheme {
 public:
  std::string name() const override { return "channel"; }
  std::string describe() const override { return "channel"; }
  SparseFormat sparseFormat() const override { return {.layout = SparseLayout::Channels}; }
  double achievableDensity(const LayerGeometry& g, double density) const override;
  std::string validate(const Mask& mask, const LayerGeometry& g) const override;
  // One unit per row, all in one set.
  std::unique_ptr<UnitLayout> unitLayout(const LayerGeometry& g) const override;
};

}  // namespace ss
