#include "memory/threaded_product.h"

#include <Eigen/Core>
#include <algorithm>

namespace ss {

int64_t threadedProductPackingBytes(const ProductShape& product, int threads) {
  using Traits = Eigen::internal::gebp_traits<float, float>;
  // Eigen's parallelize_gemm: for a row-major result it splits the result's rows between at most one thread per nr
  // of them and one per 50,000 multiply-adds.
  const double work = double(product.rows) * double(product.cols) * double(product.depth);
  int64_t team = std::max<int64_t>(1, product.rows / Traits::nr);
  team = std::max<int64_t>(1, std::min<int64_t>(team, int64_t(work / 50000)));
  team = std::min<int64_t>(threads, team);
  if (team <= 1) return 0;
  // The blocking space of a row-major product sees it transposed: m is the result's columns, n its rows.
  Eigen::Index k = product.depth, m = product.cols, n = product.rows;
  Eigen::internal::computeProductBlockingSizes<float, float, 1>(k, m, n, Eigen::Index(team));
  const int64_t sharedBlock = int64_t(m) * k;
  const int64_t blockPerThread = int64_t(k) * n;
  return (sharedBlock + team * blockPerThread) * int64_t(sizeof(float));
}

}  // namespace ss
