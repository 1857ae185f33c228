#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/model.h"

namespace ss {

// Bytes a layer needs during training, by kind, so the dense and sparse figures can be compared
// line by line. Activations are those kept for backward at the given batch size.
struct LayerMemory {
  std::string layer;
  int64_t weights = 0, indices = 0, gradients = 0, optimizer = 0, activations = 0;
  int64_t transient = 0;  // buffers that exist only for a moment (a dense gradient, a score buffer)
  int64_t persistent() const { return weights + indices + gradients + optimizer + activations; }
};

struct MemoryEstimate {
  std::vector<LayerMemory> layers;
  int64_t total() const;           // persistent bytes of all layers
  int64_t peak() const;            // total plus the largest transient
};

// Dense accounting: 4 bytes each for value, gradient and momentum per parameter.
MemoryEstimate estimateTrainingMemory(Model& model, int batchSize);

// Resident set size of this process now, and its high-water mark, from /proc/self/status.
int64_t currentRssBytes();
int64_t peakRssBytes();

}  // namespace ss
