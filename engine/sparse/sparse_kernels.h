#pragma once

#include <cstdint>

namespace ss {

// Sparse products for training, on "panels": row-major matrices whose rows are features and whose
// columns are the batch (or the spatial positions of a conv), so the innermost loop runs along the
// batch and vectorises, and one output row's batch slice stays in registers while it accumulates.
// `Index` is uint16_t where the indexed dimension has at most 65536 entries (half the index bytes),
// else int32_t; both are instantiated.

// out[r, :] = sum over entries e of row r: values[e] * in[index[e], :]   (out has `rows` rows)
// Forward (Y^T = W X^T) with the CSR index. With valueOf, the weight of entry e is values[valueOf[e]]:
// dX^T = W^T dY^T through the transposed index reads the weights where the CSR keeps them, so no
// reordered copy of them has to be kept or refreshed.
template <typename Index>
void gatherProduct(const int32_t* rowStart, const Index* index, const float* values, const int32_t* valueOf, int rows,
                   const float* in, int width, float* out);

// outT[b, r] = bias[r] + out[r, b] of gatherProduct, written straight into a batch-row matrix (width x
// rows): a sparse linear layer's output and its dX need neither a transposed panel nor a bias pass. A
// null bias adds nothing.
template <typename Index>
void gatherProductTransposed(const int32_t* rowStart, const Index* index, const float* values, const int32_t* valueOf,
                             int rows, const float* in, int width, const float* bias, float* outT);

// out[index[e], :] += values[e] * in[r, :] for every entry e of row r: dX^T = W^T dY^T without a
// transposed index. Threads split the batch columns, so no two write the same place. `out` must be
// zeroed (outRows x width) by the caller.
template <typename Index>
void scatterProduct(const int32_t* rowStart, const Index* index, const float* values, int rows, const float* in,
                    int width, float* out);

// grads[e] = dot(a[r, :], b[index[e], :]) for every entry e of row r: the weight gradient dW = dY^T X
// computed only at active positions (a sampled dense-dense product), never as a dense matrix.
template <typename Index>
void sampledProduct(const int32_t* rowStart, const Index* index, int rows, const float* a, const float* b, int width,
                    float* grads);

}  // namespace ss
