#pragma once

#include "sparse/scheme.h"

namespace ss {

// N:M: along each row, every run of M consecutive inputs keeps exactly its best N. When M does not divide
// the row, the last, shorter run of L inputs keeps ceil(N*L/M): the nearest share to N/M that never falls
// below it, and never more than the N slots a kernel that pads rows to whole groups would store anyway.
// The density is therefore fixed: N/M exactly when M divides the row, slightly above otherwise.
class NmScheme : public Scheme {
 public:
  NmScheme(int n, int m);

  std::string name() const override { return "nm"; }
  std::string describe() const override { return std::to_string(n_) + ":" + std::to_string(m_); }
  SparseFormat sparseFormat() const override { return {.layout = SparseLayout::NmGroups, .n = n_, .m = m_}; }
  double achievableDensity(const LayerGeometry& g, double density) const override;
  std::string validate(const Mask& mask, const LayerGeometry& g) const override;
  // Every position is a unit; each run of M inputs is a balanced set, and the class project() keeps N of.
  std::unique_ptr<UnitLayout> unitLayout(const LayerGeometry& g) const override;

  // How many of a run of `length` inputs stay active.
  int keptInRun(int length) const;

 private:
  int n_, m_;
};

}  // namespace ss
