#include "memory/memory_model.h"

#include <algorithm>
#include <fstream>
#include <string>

namespace ss {

int64_t MemoryEstimate::total() const {
  int64_t sum = 0;
  for (const auto& l : layers) sum += l.persistent();
  return sum;
}

int64_t MemoryEstimate::peak() const {
  int64_t largestTransient = 0;
  for (const auto& l : layers) largestTransient = std::max(largestTransient, l.transient);
  return total() + largestTransient;
}

MemoryEstimate estimateTrainingMemory(Model& model, int batchSize) {
  MemoryEstimate estimate;
  for (const auto& layer : model.layers()) {
    LayerMemory m;
    m.layer = layer->name();
    for (const auto& p : layer->parameters()) {
      const int64_t bytes = int64_t(p.values.size() * sizeof(float));
      m.weights += bytes;
      m.gradients += bytes;
      m.optimizer += bytes;
    }
    m.activations = int64_t(batchSize) * layer->outputShape().size() * int64_t(sizeof(float));
    estimate.layers.push_back(m);
  }
  return estimate;
}

namespace {
int64_t statusField(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
  return 0;
}
}  // namespace

int64_t currentRssBytes() { return statusField("VmRSS"); }
int64_t peakRssBytes() { return statusField("VmHWM"); }

}  // namespace ss
