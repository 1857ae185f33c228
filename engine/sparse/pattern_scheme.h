#pragma once

#include <array>

#include "sparse/scheme.h"
#include "sparse/unstructured_scheme.h"

namespace ss {

// Kernel patterns with filter balance (MEST's "pattern+filter_balance") for 3x3 convolutions.
// Each 3x3 kernel keeps the entries of one pattern from a fixed library, the pattern with the largest L2
// norm of the kernel's scores; then every filter (row) keeps the same number K of whole kernels, those with
// the largest norm over their pattern, so filters stay balanced. A layer with C input channels can thus
// reach the densities (4/9) * K / C for K = 0..C; the requested one picks the nearest (ties: the denser).
//
// The library: eight four-entry patterns, each holding the centre. Entries are numbered row-major in the
// kernel (0 1 2 / 3 4 5 / 6 7 8, centre 4), the order of a conv's im2col columns:
//   four T shapes, the centre and three of its four arms:  {1,3,4,5} {3,4,5,7} {1,3,4,7} {1,4,5,7}
//   four 2x2 squares in the corners, holding the centre:    {0,1,3,4} {1,2,4,5} {3,4,6,7} {4,5,7,8}
// The reference uses eight patterns of four or five entries; four-entry patterns keep every kernel at
// the same density, so a layer's density depends on K alone.
//
// Layers that are not 3x3 convolutions (the fully connected layers of a convnet, which hold most of its
// weights) are shaped unstructured: MEST applies patterns to the 3x3 convolutions only, and keeping the
// other layers dense instead would leave no budget for a high sparsity. Every method below hands such a
// layer to the unstructured scheme, except that its random growth shuffles its inactive positions as every
// structured layout does (UnitLayout::drawsPositions).
class PatternScheme : public Scheme {
 public:
  using Pattern = std::array<int, 4>;
  static const std::array<Pattern, 8>& library();

  std::string name() const override { return "pattern"; }
  std::string describe() const override { return "3x3 pattern, filter-balanced"; }
  // Whether the layer gets kernel patterns (a 3x3 convolution) rather than the unstructured fallback.
  static bool shapesKernels(const LayerGeometry& g) { return g.kernelArea == 9; }
  double achievableDensity(const LayerGeometry& g, double density) const override;
  Mask project(const Matrix& scores, const LayerGeometry& g, double density) const override;
  // Each kernel is empty or exactly one library pattern, and every filter keeps the same number of kernels.
  std::string validate(const Mask& mask, const LayerGeometry& g) const override;
  // One unit per kernel, kernels of one filter consecutive, each filter a balanced set. A kernel scores by its best
  // pattern's norm and grows with that pattern.
  std::unique_ptr<UnitLayout> unitLayout(const LayerGeometry& g) const override;

 private:
  class KernelUnits;

  void requireWholeKernels(const LayerGeometry& g, double density) const;
  int keptKernels(const LayerGeometry& g, double density) const;

  UnstructuredScheme otherLayers_;
};

}  // namespace ss
