#pragma once

#include "sparse/scheme.h"

namespace ss {

// Blocks (MEST's block-based scheme; the reference is 4x1): rows are cut into groups of `height`
// consecutive outputs and, within a group, the inputs into segments of `width`; each block is kept or
// removed whole, ranked by the L2 norm of its scores.
//
// Ragged edges: when height does not divide the rows or width the columns, the last blocks are smaller.
// A smaller block has a smaller norm for the same per-weight scores, so one threshold over all blocks
// would sparsify the edges first; instead the blocks are ranked within their size class (full, short,
// narrow, corner) and every class keeps round(density * blocks in it). The threshold over the full blocks,
// which are nearly all of them, is still one per layer, and the density depends on the geometry only.
class BlockScheme : public Scheme {
 public:
  BlockScheme(int height, int width);

  std::string name() const override { return "block"; }
  std::string describe() const override { return "block " + std::to_string(height_) + "x" + std::to_string(width_); }
  SparseFormat sparseFormat() const override {
    return {.layout = SparseLayout::Blocks, .blockHeight = height_, .blockWidth = width_};
  }
  double achievableDensity(const LayerGeometry& g, double density) const override;
  std::string validate(const Mask& mask, const LayerGeometry& g) const override;
  // One unit per block, blocks in row-major order of (row group, column segment); a set per block size.
  std::unique_ptr<UnitLayout> unitLayout(const LayerGeometry& g) const override;

 private:
  struct Tiling;
  class Units;
  Tiling tiling(const LayerGeometry& g) const;

  int height_, width_;
};

}  // namespace ss
