#pragma once

#include <cstdint>

#include "sparse/row_entries.h"

namespace ss {

// Sparse products for training, on "panels": row-major matrices whose rows are features and whose
// columns are the batch (or the spatial positions of a conv), so the innermost loop runs along the
// batch and vectorises, and one output row's batch slice stays in registers while it accumulates.
// `Rows` says where each row's entries are and which column each one sits in (row_entries.h: CSR,
// N:M groups, blocks); the kernels are the same for all of them and instantiated for each.

// out[r, :] = bias[r] + sum over entries e of row r: values[e] * in[column(e), :]   (out has `rows` rows; a null
// bias adds nothing)
// Forward (Y^T = W X^T) with the row index. With valueOf, the weight of entry e is values[valueOf[e]]:
// dX^T = W^T dY^T through a transposed index reads the weights where the layout keeps them, so no
// reordered copy of them has to be kept or refreshed.
// With keepWherePositive (a panel shaped as out), out[r, b] is kept only where keepWherePositive[r, b] > 0 and is 0
// elsewhere: dX passed straight on through the ReLU whose output that panel is (Layer::backwardPanelThroughRelu).
// With `rectified` (a panel shaped as out), max(out[r, b], 0) is written there as well: the output of the ReLU after
// the layer, from the sums still in registers (Layer::forwardPanelThroughRelu).
template <typename Rows>
void gatherProduct(const Rows& index, const float* values, const int32_t* valueOf, int rows, const float* in, int width,
                   const float* bias, float* out, const float* keepWherePositive = nullptr, float* rectified = nullptr);

// outT[b, r] = bias[r] + out[r, b] of gatherProduct, written straight into a batch-row matrix (width x
// rows): a sparse linear layer's output and its dX need neither a transposed panel nor a bias pass. A
// null bias adds nothing.
template <typename Rows>
void gatherProductTransposed(const Rows& index, const float* values, const int32_t* valueOf, int rows, const float* in,
                             int width, const float* bias, float* outT);

// out[column(e), :] += values[e] * in[r, :] for every entry e of row r: dX^T = W^T dY^T without a
// transposed index. Threads split the batch columns, so no two write the same place. `out` must be
// zeroed (outRows x width) by the caller.
template <typename Rows>
void scatterProduct(const Rows& index, const float* values, int rows, const float* in, int width, float* out);

// grads[e] = dot(a[r, :], b[column(e), :]) for every entry e of row r: the weight gradient dW = dY^T X
// computed only at active positions (a sampled dense-dense product), never as a dense matrix.
template <typename Rows>
void sampledProduct(const Rows& index, int rows, const float* a, const float* b, int width, float* grads);

}  // namespace ss
