#include "bench/step_benchmark.h"

#include <Eigen/SparseCore>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "bench/median.h"
#include "core/allocator.h"
#include "core/error.h"
#include "core/rng.h"
#include "core/threads.h"
#include "data/batch_loader.h"
#include "data/data_source.h"
#include "memory/memory_model.h"
#include "nn/cross_entropy.h"
#include "nn/model_factory.h"
#include "nn/model_loss.h"
#include "sparse/model_sparsity.h"
#include "sparse/scheme.h"
#include "sparse/weight_matrix.h"
#include "train/sgd.h"

namespace ss {

namespace {

using Clock = std::chrono::steady_clock;
using EigenSparse = Eigen::SparseMatrix<float, Eigen::RowMajor, int32_t>;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One timed quantity: run() is called `inner` times per sample; samples are collected across the
// interleaved repeats and reduced to their median. Each sample starts with one untimed call: the quantities
// sampled before it (the dense model's steps last) have filled the caches with their own data, and a training
// loop runs its step back to back, not after 20 ms of other work. Without it the sparse MLP step at density
// 0.05 (about 0.1 ms, 30 calls a sample) measured 5% slower: the first call's cache misses, spread over the
// sample.
struct Timer {
  std::function<void()> run;
  int inner = 1;
  std::vector<double> samples;
  void sample() {
    run();
    const auto start = Clock::now();
    for (int i = 0; i < inner; ++i) run();
    samples.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count() / inner);
  }
  double ms() const { return median(samples); }
};

// Repeat count per sample so that one sample lasts about 3 ms, from one warm-up call.
int innerFor(const std::function<void()>& f) {
  for (int i = 0; i < 2; ++i) f();
  const auto start = Clock::now();
  f();
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return std::clamp(int(std::ceil(3.0 / std::max(ms, 1e-3))), 1, 1000);
}

// Everything needed to time one layer alone: its input and output from a real forward pass.
struct LayerCase {
  Layer* layer;
  Matrix x, y, dy, dx, out;
};

struct ModelCase {
  Model model;
  std::vector<LayerCase> layers;  // weight layers only
  Matrix x;
  std::vector<int32_t> labels;
  Eigen::Index classes = 0;
  SoftmaxCrossEntropy loss;
  Matrix dLogits;
  Sgd optimizer{{0.9f, true, 5e-4f}};
};

void prepareCases(ModelCase& c, Rng& rng) {
  c.model.forward(c.x, true);
  for (size_t i = 0; i < c.model.layers().size(); ++i) {
    Layer* layer = c.model.layers()[i].get();
    if (!layer->weightMatrix()) continue;
    // In a residual network a layer need not read its predecessor (a shortcut reads its block's input).
    const Matrix& input = c.model.activation(size_t(c.model.sourceOf(i) + 1));
    LayerCase lc{layer, input, c.model.activation(i + 1), {}, {}, {}};
    lc.dy.resize(lc.y.rows(), lc.y.cols());
    for (Eigen::Index k = 0; k < lc.dy.size(); ++k) lc.dy.data()[k] = rng.uniform(-1e-3f, 1e-3f);
    c.layers.push_back(std::move(lc));
  }
}

void modelStep(ModelCase& c) {
  forwardWithLoss(c.model, c.x, c.labels, c.classes, c.loss, c.dLogits, nullptr);
  c.model.backward(c.dLogits);
  c.optimizer.step(c.model.parameters(), 1e-3f);
}

// The reference: the same unstructured step with Eigen's SparseMatrix (forward X W^T, backward dY W,
// dW at active positions as row dot products on transposed copies, then the same SGD update).
struct EigenCase {
  EigenSparse w;
  std::vector<float> grads, momentum;
  Matrix y, dx, xT, dyT;
  void build(const WeightMatrix& weights) {
    const Matrix dense = weights.toDense();
    const Mask mask = weights.mask();
    std::vector<Eigen::Triplet<float, int32_t>> entries;
    for (int r = 0; r < mask.rows; ++r)
      for (int c = 0; c < mask.cols; ++c)
        if (mask.at(r, c)) entries.emplace_back(r, c, dense(r, c));
    w.resize(mask.rows, mask.cols);
    w.setFromTriplets(entries.begin(), entries.end());
    w.makeCompressed();
    grads.assign(size_t(w.nonZeros()), 0.0f);
    momentum.assign(size_t(w.nonZeros()), 0.0f);
  }
  void step(const Matrix& x, const Matrix& dy) {
    y.noalias() = x * w.transpose();
    dx.noalias() = dy * w;
    xT = x.transpose();
    dyT = dy.transpose();
    const int32_t* outer = w.outerIndexPtr();
    const int32_t* inner = w.innerIndexPtr();
#pragma omp parallel for schedule(dynamic, 4)
    for (Eigen::Index r = 0; r < w.outerSize(); ++r)
      for (int32_t e = outer[r]; e < outer[r + 1]; ++e) grads[size_t(e)] = dyT.row(r).dot(xT.row(inner[e]));
    float* v = w.valuePtr();
    for (size_t i = 0; i < grads.size(); ++i) {
      const float g = grads[i] + 5e-4f * v[i];
      momentum[i] = 0.9f * momentum[i] + g;
      v[i] -= 1e-3f * (g + 0.9f * momentum[i]);
    }
  }
};

void sparsifyAll(Model& model, const Scheme& scheme, double density, bool transposedIndex, Rng& rng) {
  SparseFormat format = scheme.sparseFormat();
  format.transposedIndex = transposedIndex;
  for (const auto& layer : model.layers()) {
    WeightMatrix* w = layer->weightMatrix();
    if (!w) continue;
    w->applyMask(randomSchemeMask(*layer, scheme, density, rng), true, format);
  }
}

// As a run of the project would start: the global density spread over the layers by the project's distribution and
// dense_layers, layers above sparse_execution_below (conv_sparse_execution_below for convs) left masked-dense; only
// the scheme is the benchmark's.
void sparsifyAsPlanned(Model& model, SparsitySpec spec, const std::string& scheme, const std::string& options,
                       double density, bool transposedIndex, Rng& rng) {
  spec.target = 1.0 - density;
  spec.scheme = scheme;
  spec.schemeOptionsJson = options;
  spec.transposedIndex = transposedIndex;
  sparsifyModel(model, spec, rng);
}

// One batch at the project's batch size. For a published data set the shape is known, so the batch is random
// (normal values, as standardised pixels are; random labels) and no file is read: a CIFAR model can be timed on a
// machine without CIFAR. Other sets are read for their shape, and their first batch is used.
struct BenchInput {
  ExampleShape shape;
  int classes = 0;
  Matrix x;
  std::vector<int32_t> labels;
};

BenchInput benchInput(const Project& project, Rng& rng, const std::function<void(const std::string&)>& progress) {
  BenchInput in;
  const int batch = project.train.batchSize;
  if (const auto published = publishedShape(project.data)) {
    in.shape = published->example;
    in.classes = published->classes;
    Rng pixels = rng.fork(1);
    in.x.resize(batch, in.shape.size());
    for (Eigen::Index k = 0; k < in.x.size(); ++k) in.x.data()[k] = pixels.normal(0.0f, 1.0f);
    for (int i = 0; i < batch; ++i) in.labels.push_back(int32_t(pixels.below(in.classes)));
    progress("random input in " + project.data.dataset + "'s shape, " + in.shape.text() + ", batch " +
             std::to_string(batch) + " (no data read)");
    return in;
  }
  Rng dataRng = rng.fork(1);
  const DataSplits data = loadDataSplits(project.data, dataRng);
  in.shape = data.train.shape;
  in.classes = data.train.classCount;
  BatchLoader loader(data.train, batch, false);
  std::vector<int64_t> rows;
  loader.batch(0, in.x, in.labels, rows);
  return in;
}

// What the sparse model's layer runs on: its sparse layout, or "masked" (dense kernels, inactive weights zero) or
// "dense" where --planned left it so.
std::string layoutOf(const WeightMatrix& w) {
  if (w.sparse()) return weightStorageOf(w).format.describe();
  return w.activeCount() < int64_t(w.rows()) * w.cols() ? "masked" : "dense";
}

double memoryRatio(Layer& layer) {
  const WeightMatrix& w = *layer.weightMatrix();
  return double(weightMemory(weightStorageOf(w)).parameterState()) /
         double(weightMemory(denseStorageOf(w)).parameterState());
}

}  // namespace

std::pair<std::string, std::string> parseSchemeArgument(const std::string& text) {
  const size_t colon = text.find(':');
  const std::string name = text.substr(0, colon);
  if (colon == std::string::npos) return {name, "{}"};
  const std::string rest = text.substr(colon + 1);
  nlohmann::json options = nlohmann::json::object();
  try {
    if (name == "nm") {
      const size_t second = rest.find(':');
      if (second == std::string::npos) throw std::invalid_argument("nm");
      options = {{"n", std::stoi(rest.substr(0, second))}, {"m", std::stoi(rest.substr(second + 1))}};
    } else if (name == "block") {
      const size_t x = rest.find('x');
      if (x == std::string::npos) throw std::invalid_argument("block");
      options = {{"height", std::stoi(rest.substr(0, x))}, {"width", std::stoi(rest.substr(x + 1))}};
    } else {
      throw std::invalid_argument(name);
    }
  } catch (const std::exception&) {
    throw InputError("--schemes: cannot read '" + text +
                     "' (write nm:N:M, block:HxW, unstructured, channel or pattern)");
  }
  return {name, options.dump()};
}

std::vector<BenchRow> runStepBenchmark(const Project& project, const BenchSettings& settings,
                                       const std::function<void(const std::string&)>& progress) {
  keepLargeAllocationsInHeap();
  setThreadCount(project.train.threads);
  Rng rng(project.train.seed);
  const BenchInput input = benchInput(project, rng, progress);

  auto newCase = [&](uint64_t seed) {
    auto c = std::make_unique<ModelCase>();
    Rng init(seed);
    c->model = buildModel(project.model, input.shape, input.classes, init);
    c->classes = input.classes;
    c->x = input.x;
    c->labels = input.labels;
    return c;
  };

  std::vector<BenchRow> rows;
  for (const std::string& schemeText : settings.schemes) {
    const auto [schemeName, options] = parseSchemeArgument(schemeText);
    const auto scheme = makeScheme(schemeName, options, "--schemes");
    std::vector<double> densities = settings.densities;
    if (schemeName == "nm") {  // N:M has one density of its own
      const LayerGeometry any{1, 4096, 1, ""};
      densities = {scheme->achievableDensity(any, 0.5)};
    }
    for (double density : densities) {
      progress(scheme->describe() + " at density " + std::to_string(density).substr(0, 5));
      auto dense = newCase(project.train.seed), sparse = newCase(project.train.seed);
      Rng maskRng(project.train.seed + 7);
      if (settings.planned)
        sparsifyAsPlanned(sparse->model, project.sparsity, schemeName, options, density, settings.transposedIndex,
                          maskRng);
      else
        sparsifyAll(sparse->model, *scheme, density, settings.transposedIndex, maskRng);
      Rng gradRng(project.train.seed + 11);
      prepareCases(*dense, gradRng);
      Rng gradRng2(project.train.seed + 11);
      prepareCases(*sparse, gradRng2);

      struct LayerTimers {
        Timer dFwd, dBwd, dGradW, dStep, sFwd, sBwd, sGradW, sStep, eStep;
        bool eigen = false;
        EigenCase e;
      };
      std::vector<LayerTimers> timers(dense->layers.size());
      std::vector<Timer*> all;
      for (size_t i = 0; i < timers.size(); ++i) {
        LayerCase& dc = dense->layers[i];
        LayerCase& sc = sparse->layers[i];
        LayerTimers& t = timers[i];
        auto layerStep = [](LayerCase& c, Sgd& opt) {
          c.layer->forward(c.x, c.out, true);
          c.layer->backward(c.x, c.out, c.dy, c.dx, true);
          opt.step(c.layer->parameters(), 1e-3f);
        };
        t.dFwd.run = [&dc] { dc.layer->forward(dc.x, dc.out, true); };
        t.dBwd.run = [&dc] { dc.layer->backward(dc.x, dc.y, dc.dy, dc.dx, true); };
        t.dGradW.run = [&dc] { dc.layer->backward(dc.x, dc.y, dc.dy, dc.dx, false); };
        t.dStep.run = [&dc, &dense, layerStep] { layerStep(dc, dense->optimizer); };
        t.sFwd.run = [&sc] { sc.layer->forward(sc.x, sc.out, true); };
        t.sBwd.run = [&sc] { sc.layer->backward(sc.x, sc.y, sc.dy, sc.dx, true); };
        t.sGradW.run = [&sc] { sc.layer->backward(sc.x, sc.y, sc.dy, sc.dx, false); };
        t.sStep.run = [&sc, &sparse, layerStep] { layerStep(sc, sparse->optimizer); };
        t.eigen = schemeName == "unstructured" && sc.layer->kind() == "linear" && sc.layer->weightMatrix()->sparse();
        if (t.eigen) {
          t.e.build(*sc.layer->weightMatrix());
          t.eStep.run = [&t, &sc] { t.e.step(sc.x, sc.dy); };
        }
        const int inner = innerFor(t.sStep.run);
        for (Timer* timer : {&t.dFwd, &t.dBwd, &t.dGradW, &t.dStep, &t.sFwd, &t.sBwd, &t.sGradW, &t.sStep, &t.eStep}) {
          timer->inner = inner;
          if (timer->run) all.push_back(timer);
        }
      }
      Timer modelDense, modelSparse;
      modelDense.run = [&dense] { modelStep(*dense); };
      modelSparse.run = [&sparse] { modelStep(*sparse); };
      modelDense.inner = modelSparse.inner = innerFor(modelSparse.run);
      innerFor(modelDense.run);
      all.push_back(&modelDense);
      all.push_back(&modelSparse);

      // Interleaved: every repeat samples every quantity once, so drifts of a shared machine hit all alike.
      for (int r = 0; r < settings.repeats; ++r)
        for (Timer* timer : all) timer->sample();

      double eigenModel = 0;
      int64_t sparseBytes = 0, denseBytes = 0;
      for (size_t i = 0; i < timers.size(); ++i) {
        LayerTimers& t = timers[i];
        Layer& layer = *sparse->layers[i].layer;
        BenchRow row{layer.name(),
                     scheme->describe(),
                     density,
                     layer.weightMatrix()->mask().density(),
                     t.dFwd.ms(),
                     t.dBwd.ms(),
                     t.dStep.ms(),
                     t.sFwd.ms(),
                     t.sBwd.ms(),
                     t.sStep.ms(),
                     t.eigen ? t.eStep.ms() : kNaN,
                     memoryRatio(layer),
                     layoutOf(*layer.weightMatrix())};
        row.denseWeightGradMs = t.dGradW.ms();
        row.sparseWeightGradMs = t.sGradW.ms();
        eigenModel += t.eigen ? t.eStep.ms() : kNaN;
        rows.push_back(row);
      }
      const RunMemoryInputs inputs{project.train.batchSize};
      sparseBytes = estimateTrainingMemory(sparse->model, inputs).parameterState();
      denseBytes = estimateTrainingMemory(sparse->model, inputs, WeightsHeld::Dense).parameterState();
      BenchRow model{"model",
                     scheme->describe(),
                     density,
                     0,
                     kNaN,
                     kNaN,
                     modelDense.ms(),
                     kNaN,
                     kNaN,
                     modelSparse.ms(),
                     eigenModel,
                     double(sparseBytes) / double(denseBytes),
                     scheme->sparseFormat().describe(),
                     kNaN,
                     kNaN};
      int64_t active = 0, total = 0;
      for (auto& lc : sparse->layers) {
        active += lc.layer->weightMatrix()->activeCount();
        total += int64_t(lc.layer->weightMatrix()->rows()) * lc.layer->weightMatrix()->cols();
      }
      model.achievedDensity = double(active) / double(total);
      rows.push_back(model);
    }
  }
  return rows;
}

}  // namespace ss
