#pragma once

#include <limits>

#include "nn/layer.h"

// A dense-gradient request (Layer::requestDenseWeightGradient) that gathers the row chunks a layer hands over into
// `whole` (rows x cols) and counts the gradients delivered: one per request, however many chunks it takes.
inline ss::Layer::DenseGradientRows gatherDenseGradient(ss::Matrix& whole, int rows, int cols,
                                                        int* deliveries = nullptr) {
  return [&whole, rows, cols, deliveries](int firstRow, const Eigen::Ref<const ss::Matrix>& chunk) {
    if (firstRow == 0) {
      whole.setConstant(rows, cols, std::numeric_limits<float>::quiet_NaN());  // a row never handed over shows
      if (deliveries) ++*deliveries;
    }
    whole.middleRows(firstRow, chunk.rows()) = chunk;
  };
}
