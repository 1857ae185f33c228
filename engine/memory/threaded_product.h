#pragma once

#include <cstdint>

namespace ss {

// A matrix product as Eigen evaluates it into one of the engine's row-major matrices: a result of rows x cols, summed
// over depth.
struct ProductShape {
  int64_t rows = 0, cols = 0, depth = 0;
};

// Bytes Eigen's general product allocates for packed operands when it runs the product on up to `threads` threads:
// its blocking of the shared operand (the whole of it when the L3 cache is large, 28.9 MB for the Fashion convnet's
// second conv) and one packed block per thread. 0 when Eigen would run it on one thread, where its blocks are
// cache-sized. Computed with Eigen's own blocking heuristic, so the figure follows this machine's cache sizes.
int64_t threadedProductPackingBytes(const ProductShape& product, int threads);

}  // namespace ss
