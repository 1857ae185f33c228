#include "memory/memory_model.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/threads.h"
#include "memory/store_copies.h"
#include "memory/threaded_product.h"
#include "nn/conv2d.h"
#include "nn/residual_add.h"
#include "sparse/model_sparsity.h"
#include "sparse/weight_matrix.h"

namespace ss {

namespace {
constexpr int64_t kFloat = sizeof(float);

int64_t sumOf(const std::vector<LayerMemory>& layers, int64_t (LayerMemory::*part)() const) {
  int64_t sum = 0;
  for (const auto& l : layers) sum += (l.*part)();
  return sum;
}

int64_t sumOf(const std::vector<LayerMemory>& layers, int64_t LayerMemory::*part) {
  int64_t sum = 0;
  for (const auto& l : layers) sum += l.*part;
  return sum;
}

// Activations kept for backward, and what a layer keeps beside them (dropout's scale), are counted as persistent;
// the layer's panels are working buffers. A layer fused with the ReLU after it keeps no output of its own.
int64_t activationsBytes(const Layer& layer, int batchSize, bool outputKept) {
  return int64_t(batchSize) * ((outputKept ? layer.outputShape().size() * kFloat : 0) + layer.keptBytesPerExample());
}

// Floats of a layer's parameters other than its weight matrix (biases): kept dense, with a gradient
// and a momentum each.
int64_t denseParameterFloats(Layer& layer) {
  const WeightMatrix* w = layer.weightMatrix();
  int64_t floats = 0;
  for (const auto& p : layer.parameters())
    if (!w || !w->holds(p)) floats += int64_t(p.values.size());
  return floats;
}

int64_t workingBytes(Layer& layer, int batchSize) {
  const WeightMatrix* w = layer.weightMatrix();
  if (!w) return 0;
  if (const auto* conv = dynamic_cast<const Conv2d*>(&layer)) return conv->workingBytes(batchSize, threadCount());
  // Sparse linear layers keep transposed copies of x and dy, and the layout's own panel: the scatter's dX
  // without a transposed index, or the channel layout's kept rows of dY.
  const SparseWeights* sparse = w->sparseWeights();
  if (!sparse) return 0;
  return int64_t(batchSize) * (w->rows() + w->cols() + sparse->workingPanelRows()) * kFloat;
}

// A dense layer's own working buffers: a conv's chunk panels and partial gradients, none for a linear layer.
int64_t denseWorkingBytes(Layer& layer, int batchSize) {
  const auto* conv = dynamic_cast<const Conv2d*>(&layer);
  return conv ? conv->chunkWorkingBytes(batchSize, threadCount()) : 0;
}

struct PanelNeed {
  Im2colPanels::Shape shape;
  int64_t bytes = 0;
};

// The whole batch's im2col panels a conv fills, which convs of its shape share (nn/im2col_panels.h): on the path it
// takes now; none with every weight matrix dense (every conv then runs in chunks).
std::optional<PanelNeed> im2colPanelNeed(Layer& layer, int batchSize, bool dense) {
  const auto* conv = dynamic_cast<const Conv2d*>(&layer);
  if (!conv || dense || !conv->fillsIm2colPanels()) return std::nullopt;
  return PanelNeed{conv->panelShape(), conv->im2colWorkingBytes(batchSize)};
}

std::optional<PanelNeed> currentIm2colPanelNeed(Layer& layer, int batchSize) {
  return im2colPanelNeed(layer, batchSize, false);
}

std::optional<PanelNeed> denseIm2colPanelNeed(Layer& layer, int batchSize) {
  return im2colPanelNeed(layer, batchSize, true);
}

// The products a step runs with a dense linear layer's rows x cols weights at `examples` examples: the forward,
// weight gradient and input gradient (x W^T, dY^T x, dY W).
std::array<ProductShape, 3> denseLinearProducts(int64_t rows, int64_t cols, int64_t examples) {
  return {{{examples, rows, cols}, {rows, cols, examples}, {examples, cols, rows}}};
}

// What Eigen packs for the largest of a dense linear layer's products when it runs them on several threads: one
// product at a time, so the largest counts. A dense conv runs its products in chunks, each on one thread, where
// Eigen's blocks are cache-sized.
int64_t densePackingBytes(const Layer& layer, const WeightStorage& s, int examples, int threads) {
  if (s.sparse || s.rows == 0 || dynamic_cast<const Conv2d*>(&layer)) return 0;
  int64_t most = 0;
  for (const ProductShape& p : denseLinearProducts(s.rows, s.cols, examples))
    most = std::max(most, threadedProductPackingBytes(p, threads));
  return most;
}

// Backward passes the gradient from layer to layer through two buffers, the gradient of a layer's output and of its
// input (the first layer computes none). In a residual network the gradient a join passes to its block's input
// waits beside them while the block's own layers run backward.
int64_t backwardGradientBytes(const Model& model, int examples) {
  int64_t widest = 0, waiting = 0;
  for (size_t i = 1; i < model.layers().size(); ++i) {
    const Layer& layer = *model.layers()[i];
    widest = std::max<int64_t>(widest, layer.inputShape().size() + layer.outputShape().size());
    if (const auto* join = dynamic_cast<const ResidualAdd*>(&layer))
      waiting = std::max<int64_t>(waiting, join->skipShape().size());
  }
  return int64_t(examples) * (widest + waiting) * kFloat;
}

// How each layer's weights are held for the estimate, and the working buffers a step uses with them.
struct Holding {
  std::function<WeightStorage(const WeightMatrix&)> storage;
  std::function<int64_t(Layer&, int)> working;                        // a layer's own buffers
  std::function<std::optional<PanelNeed>(Layer&, int)> im2colPanels;  // what it needs of the shared ones
  bool panels = true;  // layers on panels may split the batch between threads
};

MemoryEstimate estimate(Model& model, const RunMemoryInputs& run, const Holding& holding) {
  MemoryEstimate estimate;
  // Threads that split the batch each sum their part of a panel layer's gradients in a buffer of their own
  // (the first thread sums into the gradients themselves).
  const std::vector<char> onPanels = model.panelPlan();
  const std::vector<char> throughRelu = model.reluFusionPlan();
  const int threads = threadCount();
  const int64_t extraThreads = holding.panels && batchIsSplit(run.batchSize, threads) ? threads - 1 : 0;
  const int heldExamples = std::max(run.batchSize, run.evaluationBatchSize);
  int64_t checkpoint = checkpointExampleBytes(run.trainExamples), queuedSnapshots = 0, largestSnapshot = 0;
  int64_t packing = 0;
  std::map<Im2colPanels::Shape, int64_t> panelsByShape;  // one pair per shape, whatever the convs of that shape
  size_t index = 0;
  for (const auto& layer : model.layers()) {
    LayerMemory m;
    if (const WeightMatrix* w = layer->weightMatrix()) {
      const WeightStorage s = holding.storage(*w);
      m = weightMemory(s);
      checkpoint += codedMaskBytes(s);
      queuedSnapshots += maskSnapshotQueuedBytes(s);
      largestSnapshot = std::max(largestSnapshot, maskSnapshotTakenBytes(s));
      packing = std::max(packing, densePackingBytes(*layer, s, heldExamples, threads));
    }
    m.layer = layer->name();
    const int64_t bytes = denseParameterFloats(*layer) * kFloat;
    m.weights += bytes;
    m.gradients += bytes;
    m.optimizer += bytes;
    m.activations = activationsBytes(*layer, heldExamples, !throughRelu[index]);
    m.transient = holding.working(*layer, heldExamples);
    if (const std::optional<PanelNeed> need = holding.im2colPanels(*layer, heldExamples))
      panelsByShape[need->shape] = need->bytes;
    if (onPanels[index++]) m.transient += extraThreads * m.gradients;
    checkpoint += m.weights + m.gradients + m.optimizer;
    estimate.layers.push_back(m);
  }
  int64_t im2colPanels = 0;
  for (const auto& [shape, bytes] : panelsByShape) im2colPanels += bytes;
  estimate.modelWorking = backwardGradientBytes(model, heldExamples) + packing + im2colPanels;
  estimate.storeCopies = storeCopiesBytes(checkpoint, queuedSnapshots + largestSnapshot);
  estimate.datasetBytes = run.datasetBytes;
  return estimate;
}

// The model at `target` sparsity from the layer budget alone (no masks are built); working buffers as the layers
// use them now.
MemoryEstimate estimateAtTarget(Model& model, const SparsitySpec& spec, double target, const RunMemoryInputs& run) {
  SparsitySpec at = spec;
  at.target = target;
  const SparseFormat format = sparseFormatOf(spec);
  std::map<const WeightMatrix*, WeightStorage> planned;
  const std::vector<LayerDensity> plan = planDensities(model, at);
  size_t i = 0;
  for (const auto& layer : model.layers()) {
    const WeightMatrix* w = layer->weightMatrix();
    if (!w) continue;
    const LayerDensity& d = plan[i++];
    const bool dense = d.active >= d.size;
    const bool sparse = !dense && runsOnSparseKernels(d.active, d.size, spec, layer->kind() == "conv2d");
    planned[w] = {w->rows(), w->cols(), d.active, sparse, !dense && !sparse, format};
  }
  return estimate(
      model, run,
      {[&](const WeightMatrix& w) { return planned.at(&w); }, workingBytes, currentIm2colPanelNeed, /*panels=*/true});
}
}  // namespace

std::vector<MemoryLine> MemoryEstimate::lines() const {
  return {{"parameters", sumOf(layers, &LayerMemory::weights)},
          {"index data", sumOf(layers, &LayerMemory::indices)},
          {"gradients", sumOf(layers, &LayerMemory::gradients)},
          {"optimizer state", sumOf(layers, &LayerMemory::optimizer)},
          {"activations", sumOf(layers, &LayerMemory::activations)},
          {"working buffers", sumOf(layers, &LayerMemory::transient) + modelWorking},
          {"algorithm transient", algorithmTransient},
          {"checkpoint and snapshots", storeCopies},
          {"data set", datasetBytes}};
}

int64_t MemoryEstimate::peak() const {
  int64_t sum = 0;
  for (const MemoryLine& line : lines()) sum += line.bytes;
  return sum;
}

int64_t MemoryEstimate::total() const {
  return sumOf(layers, &LayerMemory::persistent);
}

int64_t MemoryEstimate::parameterState() const {
  return sumOf(layers, &LayerMemory::parameterState);
}

WeightStorage weightStorageOf(const WeightMatrix& w) {
  const int64_t size = int64_t(w.rows()) * w.cols();
  WeightStorage s{w.rows(), w.cols(), w.activeCount(), w.sparse(), !w.sparse() && w.activeCount() < size, {}};
  if (const SparseWeights* sparse = w.sparseWeights()) {
    s.format = w.format();
    s.format.layout = sparse->layout();  // CSR where the mask did not fit the requested layout
    s.format.transposedIndex = sparse->hasTransposedIndex();
  }
  return s;
}

WeightStorage denseStorageOf(const WeightMatrix& w) {
  return {w.rows(), w.cols(), int64_t(w.rows()) * w.cols(), false, false, {}};
}

LayerMemory weightMemory(const WeightStorage& s) {
  LayerMemory m;
  const int64_t size = int64_t(s.rows) * s.cols;
  const int64_t stored = s.sparse ? s.active : size;
  m.weights = m.gradients = m.optimizer = stored * kFloat;
  if (s.sparse) {
    m.indices = SparseWeights::indexBytesFor(s.format, s.rows, s.cols, s.active);
  } else if (s.masked) {
    m.indices = size;  // one mask byte per weight
  }
  return m;
}

MemoryEstimate estimateTrainingMemory(Model& model, const RunMemoryInputs& run, WeightsHeld held) {
  if (held == WeightsHeld::Dense)
    return estimate(model, run, {denseStorageOf, denseWorkingBytes, denseIm2colPanelNeed, /*panels=*/false});
  return estimate(model, run, {weightStorageOf, workingBytes, currentIm2colPanelNeed, /*panels=*/true});
}

void checkMemoryBound(Model& model, const Project& project, const RunMemoryInputs& run) {
  if (!project.memoryBoundBytes) return;
  const int64_t bound = *project.memoryBoundBytes;
  auto need = [&](double target) { return estimateAtTarget(model, project.sparsity, target, run).peak(); };
  const int64_t needed = need(project.sparsity.target);
  if (needed <= bound) return;
  char message[640];
  // Memory falls as the target rises; bisect for the lowest target that fits.
  const double highest = 0.9999;
  if (need(highest) > bound) {
    const MemoryEstimate least = estimateAtTarget(model, project.sparsity, highest, run);
    const int64_t beside = least.peak() - least.parameterState();
    std::snprintf(message, sizeof message,
                  "memory_bound: %lld bytes cannot hold this model at any sparsity: activations, working buffers, "
                  "checkpoint and data set alone at batch %d take %lld bytes (the model at sparsity %.4f needs %lld); "
                  "raise the bound or lower train.batch_size",
                  (long long)bound, run.batchSize, (long long)beside, highest, (long long)least.peak());
    throw InputError(message);
  }
  double lo = project.sparsity.target, hi = highest;
  for (int i = 0; i < 40; ++i) {
    const double mid = 0.5 * (lo + hi);
    (need(mid) <= bound ? hi : lo) = mid;
  }
  std::snprintf(message, sizeof message,
                "memory_bound: sparsity %.4f needs %lld bytes (weights, indices, gradients, momentum, activations, "
                "working buffers, checkpoint and data set at batch %d) but the bound is %lld; the smallest sparsity "
                "that fits is %.4f (density %.4f)",
                project.sparsity.target, (long long)needed, run.batchSize, (long long)bound, hi, 1.0 - hi);
  throw InputError(message);
}

}  // namespace ss
