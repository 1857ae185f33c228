#pragma once

#include "core/tensor.h"

namespace ss {

// dst = src^T for row-major matrices, in cache-sized tiles: the sparse layers turn batch-row
// activations into feature-row panels and back every step, and Eigen's plain strided copy cost as
// much as the sparse products themselves.
void transposeInto(const Matrix& src, Matrix& dst);

// The same for one thread's share of a batch, on the calling thread: dst = (rows [first, first + count) of
// src)^T, and back: rows [first, first + src.cols()) of dst = src^T, dst keeping its size.
void transposeRowsInto(const Matrix& src, Eigen::Index first, Eigen::Index count, Matrix& dst);
void transposeIntoRows(const Matrix& src, Matrix& dst, Eigen::Index first);

// dst[c * dstStride + r] = src[r * srcStride + c] for r < rows, c < cols: one tile, for kernels that
// transpose their own output while it is still in L1.
void transposeTile(const float* src, Eigen::Index srcStride, float* dst, Eigen::Index dstStride, Eigen::Index rows,
                   Eigen::Index cols);

}  // namespace ss
