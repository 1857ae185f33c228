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
// line by line. Activations and working buffers are those of the larger of the training batch (kept for backward)
// and the evaluation batch (a test forward, whose im2col panels and outputs can outgrow a training step's).
struct LayerMemory {
  std::string layer;
  int64_t weights = 0, indices = 0, gradients = 0, optimizer = 0, activations = 0;
  int64_t transient = 0;  // working buffers: im2col panels, transposed panels, a dense gradient, and when
                          // threads split the batch each extra thread's part of the layer's gradients
  int64_t persistent() const { return weights + indices + gradients + optimizer + activations; }
  int64_t parameterState() const { return weights + indices + gradients + optimizer; }
};

// One kind of bytes the process holds for training, summed over the model: what `run` and `show` print, the
// dashboard stacks and the run store keeps, in this order.
struct MemoryLine {
  const char* name;
  int64_t bytes = 0;
};

struct MemoryEstimate {
  std::vector<LayerMemory> layers;
  int64_t algorithmTransient = 0;  // a buffer the algorithm needs at some steps (RigL's dense gradient, MEST+EM&S's
                                   // extra weights); the caller adds it (algorithmTransientBytes)
  int64_t modelWorking = 0;        // working buffers of no one layer: backward's two gradient buffers, and what Eigen
                                   // packs for the largest dense product when it runs on several threads
  int64_t storeCopies = 0;         // a checkpoint and the mask snapshots on their way to the run store
  int64_t datasetBytes = 0;        // the data set's resident bytes, as the caller passed them

  // parameters, index data, gradients, optimizer state, activations, working buffers, algorithm transient,
  // checkpoint and snapshots, data set.
  std::vector<MemoryLine> lines() const;
  int64_t peak() const;            // the sum of the lines: what the process holds above its base at the worst step
  int64_t total() const;           // persistent bytes of all layers
  int64_t parameterState() const;  // weights, indices, gradients and optimizer state
};

// What the estimate needs to know of the run beside its model.
struct RunMemoryInputs {
  int batchSize = 1;
  int evaluationBatchSize = 0;  // examples a test forward holds at once; 0: none beyond the training batch
  int64_t trainExamples = 0;    // a checkpoint keeps their order and statistics
  int64_t datasetBytes = 0;     // DataSplits::residentBytes, or 0 where the data is not read (the editor's plan)
};

// Whether the estimate takes the weights as the model holds them now or as the same model trained dense (the dense
// twin printed beside a sparse run, counted line by line the same way).
enum class WeightsHeld { AsTheyAre, Dense };

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

// How the weight matrix is held now (a sparse layer in the layout it actually kept), or as a dense matrix.
WeightStorage weightStorageOf(const WeightMatrix& w);
WeightStorage denseStorageOf(const WeightMatrix& w);

// The model (dense, masked or sparse layers as it holds them, or all dense), trained on the engine's thread count
// (threadCount()). The algorithm's transient is left for the caller.
MemoryEstimate estimateTrainingMemory(Model& model, const RunMemoryInputs& run,
                                      WeightsHeld held = WeightsHeld::AsTheyAre);

// Throws InputError when the project's memory bound cannot hold the run at its target: the parameter state
// (weights, indices, gradients, optimizer) there, and everything else the estimate at the model's present
// sparsity counts beside it (activations, working buffers, checkpoint, data set). Names the smallest sparsity
// that would fit, or says that none does.
void checkMemoryBound(Model& model, const Project& project, const RunMemoryInputs& run);

}  // namespace ss
