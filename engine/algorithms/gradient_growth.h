#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace ss {

// RigL's growth for positions: the `count` positions of a rows x cols layer outside `kept` with the largest
// |gradient| (ties: the lower position; NaN lowest), chosen from a dense gradient handed over in row chunks, in
// order, so that only a chunk and the candidates exist at a time. The same choice as ArgTopK over the whole
// gradient (dropAndGrowByScore with singleton groups).
class GradientGrowth {
 public:
  GradientGrowth(std::vector<int64_t> kept, int64_t count, int cols);

  void addRows(int firstRow, const Eigen::Ref<const Matrix>& rows);
  // The kept positions with the chosen ones, ascending.
  std::vector<int64_t> nextPositions() const;
  // Bytes held beyond the gradient's chunk: the kept positions and the candidates.
  static int64_t bytesFor(int64_t kept, int64_t count);

 private:
  struct Candidate {
    double key;
    int64_t position;
  };
  static bool better(const Candidate& a, const Candidate& b) {
    return a.key > b.key || (a.key == b.key && a.position < b.position);
  }

  std::vector<int64_t> kept_;
  size_t nextKept_ = 0;  // the first kept position not yet passed by the chunks
  int64_t count_;
  int cols_;
  std::vector<Candidate> best_;  // a heap with the worst of the best at its front
};

}  // namespace ss
