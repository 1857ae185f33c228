#include "sparse/panel_row_sums.h"

#include <vector>

#include "core/threads.h"

namespace ss {

namespace {
// Wide panels only (a conv's dY, 64 x 25088 for the convnet's second): each thread's share of a row is then
// thousands of floats. A narrow panel split by columns would give each thread a few cache lines of every row,
// and the cores' prefetchers fetch each other's lines (on the 2-core test machine a ReLU pass over fc1's
// 300 x 128 output split so took 16 us, against 2 us on one thread).
constexpr int64_t kParallelValues = int64_t(1) << 18;
}  // namespace

void sumRowsOfPanel(const Matrix& panel, float* sums) {
  const Eigen::Index rows = panel.rows(), width = panel.cols();
  VectorMap out(sums, rows);
  if (panel.size() < kParallelValues || omp_get_max_threads() == 1 || omp_in_parallel()) {
    // As a product with a vector of ones: Eigen's matrix-vector kernel reduces several rows at once, where
    // rowwise().sum() folds each row's vector on its own (the MLP's fc1 dY, 300 x 64: 0.73 us against 1.08).
    out.noalias() = panel * Vector::Ones(width);
    return;
  }
  // Each thread sums its share of the columns; the few partial sums are added after.
  std::vector<Vector> partial(size_t(omp_get_max_threads()), Vector::Zero(rows));
#pragma omp parallel
  {
    const auto [begin, end] = lineShare(width, omp_get_thread_num(), omp_get_num_threads());
    if (begin < end) partial[size_t(omp_get_thread_num())] = panel.middleCols(begin, end - begin).rowwise().sum();
  }
  out = partial[0];
  for (size_t t = 1; t < partial.size(); ++t) out += partial[t];
}

}  // namespace ss
