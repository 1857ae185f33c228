#pragma once

#include <cstdint>

namespace ss {

// Sparse products for training, on "panels": row-major matrices whose rows are features and whose
// columns are the batch (or the spatial positions of a conv), so the innermost loop runs along the
// batch and vectorises, and one output row's batch slice stays in registers while it accumulates.

// out[r, :] = sum over entries e of row r: values[e] * in[index[e], :]   (out has `rows` rows)
// Forward (Y^T = W X^T) with the CSR index, and dX^T = W^T dY^T with the transposed index.
void gatherProduct(const int32_t* rowStart, const int32_t* index, const float* values, int rows, const float* in,
                   int width, float* out);

// out[index[e], :] += values[e] * in[r, :] for every entry e of row r: dX^T = W^T dY^T without a
// transposed index. Threads split the batch columns, so no two write the same place. `out` must be
// zeroed (outRows x width) by the caller.
void scatterProduct(const int32_t* rowStart, const int32_t* index, const float* values, int rows, const float* in,
                    int width, float* out);

// grads[e] = dot(a[r, :], b[index[e], :]) for every entry e of row r: the weight gradient dW = dY^T X
// computed only at active positions (a sampled dense-dense product), never as a dense matrix.
void sampledProduct(const int32_t* rowStart, const int32_t* index, int rows, const float* a, const float* b, int width,
                    float* grads);

}  // namespace ss
