#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nn/model.h"
#include "project/project.h"
#include "sparse/sparse_format.h"

namespace ss {

class WeightMatrix;

// Bytes a layer needs during training, by kind, so the dense and sparse figures can be compared
// line by line. Activations are the layer outputs kept for backward at the given batch size.
struct LayerMemory {
  std::string layer;
  int64_t weights = 0, indices = 0, gradients = 0, optimizer = 0, activations = 0;
  int64_t transient = 0;      // working buffers: im2col panels, transposed panels, a dense gradient, and when
                              // threads split the batch each extra thread's part of the layer's gradients
  int64_t denseBaseline = 0;  // weights + gradients + optimizer if this layer were dense
  int64_t persistent() const { return weights + indices + gradients + optimizer + activations; }
  int64_t parameterState() const { return weights + indices + gradients + optimizer; }
};

struct MemoryEstimate {
  std::vector<LayerMemory> layers;
  int64_t algorithmTransient = 0;  // a buffer the algorithm needs at some steps (RigL's dense gradient)
  int64_t total() const;           // persistent bytes of all layers
  int64_t peak() const;            // total plus every layer's working buffers and the algorithm's transient
  int64_t parameterState() const;  // weights, indices, gradients and optimizer state
  int64_t denseParameterState() const;
};

// How a weight matrix is held, for the byte formulas.
struct WeightStorage {
  int rows = 0, cols = 0;
  int64_t active = 0;
  bool sparse = false;  // only the active weights, in format's layout
  bool masked = false;  // masked-dense: a byte of mask per weight
  SparseFormat format;  // sparse only
};

// Bytes of value, index, gradient and momentum for one weight matrix: dense 12 per weight; sparse 12 per
// active weight plus the layout's index (SparseWeights::indexBytesFor): CSR's row pointers (4 bytes) and
// columns (2 bytes up to 65536 columns, else 4); N:M's one-byte positions; a block layout's two pointers per
// row group and one segment number (2 or 4 bytes) per block; the channel layout's 4-byte kept row numbers;
// plus, for CSR, N:M and blocks with the transposed index, column pointers and per active weight its row (2
// or 4 bytes, by the row count) and its 4-byte position in the values.
LayerMemory weightMemory(const WeightStorage& s);

// How the weight matrix is held now (a sparse layer in the layout it actually kept).
WeightStorage weightStorageOf(const WeightMatrix& w);

// The model as it is now (dense, masked or sparse layers), at the given batch size, trained on the engine's
// thread count (threadCount()).
MemoryEstimate estimateTrainingMemory(Model& model, int batchSize);

// Training bytes the project would need at a given sparsity target, from the layer budget alone
// (no masks are built), so a memory bound can be checked and solved before training.
int64_t parameterStateAtTarget(Model& model, const SparsitySpec& spec, double target);

// Throws InputError when the project's memory bound cannot hold its parameter state (weights,
// indices, gradients, optimizer) plus activations at its target, naming the smallest sparsity
// that would fit (or saying that none does).
void checkMemoryBound(Model& model, const Project& project);

// Resident set size of this process now, and its high-water mark, from /proc/self/status.
int64_t currentRssBytes();
int64_t peakRssBytes();

}  // namespace ss
