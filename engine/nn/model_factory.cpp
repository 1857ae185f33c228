#include "nn/model_factory.h"

#include <cstdio>
#include <memory>

#include "core/error.h"
#include "core/machine_memory.h"
#include "nn/activation.h"
#include "nn/conv2d.h"
#include "nn/dropout.h"
#include "nn/linear.h"
#include "nn/max_pool2d.h"
#include "sparse/model_sparsity.h"
#include "sparse/scheme.h"
#include "sparse/weight_matrix.h"

namespace ss {

namespace {
// The layers a spec makes, in order, with their shapes. buildModel walks them twice: once to count the parameters,
// then, when they fit, to build. The walk is the one place that knows the presets' structure and names.
class LayerVisitor {
 public:
  virtual ~LayerVisitor() = default;
  virtual void linear(int inputs, int outputs, const std::string& name) = 0;
  virtual void conv(const ConvGeometry& g, const std::string& name) = 0;
  virtual void pool(const ExampleShape& in, int window, const std::string& name) = 0;
  virtual void relu(const ExampleShape& shape, const std::string& name) = 0;
  virtual void dropout(int width, double rate, const std::string& name) = 0;
  virtual void flatten(const ExampleShape& shape) = 0;
};

// Fully connected stack: hidden widths with ReLU, then the classifier; dropout before every one.
void walkClassifier(int inputs, const std::vector<int>& hidden, int classes, double dropout, LayerVisitor& v) {
  int width = inputs, index = 1;
  for (int h : hidden) {
    if (dropout > 0) v.dropout(width, dropout, "dropout_fc" + std::to_string(index));
    v.linear(width, h, "fc" + std::to_string(index));
    v.relu({1, 1, h}, "relu_fc" + std::to_string(index));
    width = h;
    ++index;
  }
  if (dropout > 0) v.dropout(width, dropout, "dropout_fc" + std::to_string(index));
  v.linear(width, classes, "fc" + std::to_string(index));
}

void walkModel(const ModelSpec& spec, const ExampleShape& input, int classes, LayerVisitor& v) {
  if (spec.preset == "mlp") {
    walkClassifier(input.size(), spec.hidden, classes, spec.dropout, v);
    return;
  }
  ExampleShape shape = input;
  int index = 1;
  for (int filters : spec.channels) {
    if (shape.height < 2 || shape.width < 2)
      throw InputError("model.channels: " + std::to_string(spec.channels.size()) + " conv+pool stages shrink the " +
                       std::to_string(input.height) + "x" + std::to_string(input.width) + " input below 1x1");
    const ConvGeometry g{shape.channels, shape.height, shape.width, filters, spec.kernel, 1, spec.kernel / 2};
    v.conv(g, "conv" + std::to_string(index));
    shape = g.outputShape();
    // Pool, then ReLU: the same function and the same gradients as ReLU then pool (a max commutes with the
    // rise of a ReLU, and a window whose maximum is not positive passes no gradient either way), with the ReLU
    // on a quarter of the values: on the Fashion convnet the first conv's ReLU took 0.7 ms of a 12 ms sparse step.
    v.pool(shape, 2, "pool" + std::to_string(index));
    shape = MaxPool2d::outputShapeOf(shape, 2);
    v.relu(shape, "relu_conv" + std::to_string(index));
    ++index;
  }
  v.flatten(shape);
  walkClassifier(shape.size(), spec.fc, classes, spec.dropout, v);
}

// The weight layers a spec makes, as the layer budget sees them, for planning densities before anything is built.
class WeightLayerShapes : public LayerVisitor {
 public:
  void linear(int inputs, int outputs, const std::string& name) override {
    layers.push_back({name, outputs, inputs, 1, 1, true});
  }
  void conv(const ConvGeometry& g, const std::string& name) override {
    layers.push_back({name, g.outChannels, g.patchSize(), g.kernel, g.kernel, true});
  }
  void pool(const ExampleShape&, int, const std::string&) override {}
  void relu(const ExampleShape&, const std::string&) override {}
  void dropout(int, double, const std::string&) override {}
  void flatten(const ExampleShape&) override {}

  std::vector<BudgetLayer> layers;
};

// Whether a planned layer starts sparse, and then whether on the sparse kernels.
struct LayerStart {
  bool masked = false;
  bool sparseKernels = false;
};

LayerStart startOf(const LayerDensity* planned, const SparsitySpec* spec) {
  if (!planned || !spec || planned->active >= planned->size) return {};
  return {true, runsOnSparseKernels(planned->active, planned->size, *spec)};
}

// The bytes a weight layer's training state takes as it will be built: values, gradients and momentum (12 bytes) of
// every entry of a dense or masked-dense layer (and the mask's byte), of the active entries alone of a layer on the
// sparse kernels with their index; biases in full.
int64_t trainingStateBytes(const BudgetLayer& layer, int64_t biases, const LayerDensity* planned,
                           const SparsitySpec* spec) {
  const int64_t size = int64_t(layer.rows) * layer.cols;
  const LayerStart start = startOf(planned, spec);
  const int64_t biasBytes = 3 * biases * int64_t(sizeof(float));
  if (start.sparseKernels)
    return 3 * planned->active * int64_t(sizeof(float)) + biasBytes +
           SparseWeights::indexBytesFor(sparseFormatOf(*spec), layer.rows, layer.cols, planned->active);
  return 3 * size * int64_t(sizeof(float)) + (start.masked ? size : 0) + biasBytes;
}

// A model whose training state does not fit in this machine's memory is refused before anything is allocated: a
// project with two dense hidden layers of 65536 units (4.3 G weights, 52 GB) would take the editor with it. Sparse
// layers count at their planned density, as they are born sparse.
void checkTrainingStateFits(const std::vector<BudgetLayer>& layers, const std::vector<LayerDensity>* plan,
                            const SparsitySpec* spec, int64_t available) {
  if (available <= 0) return;
  int64_t parameters = 0, bytes = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerDensity* planned = plan ? &(*plan)[i] : nullptr;
    const int64_t biases = layers[i].rows;
    const LayerStart start = startOf(planned, spec);
    parameters += (start.sparseKernels ? planned->active : int64_t(layers[i].rows) * layers[i].cols) + biases;
    bytes += trainingStateBytes(layers[i], biases, planned, spec);
    if (bytes <= available) continue;
    char message[500];
    std::snprintf(message, sizeof message,
                  "model: with layer %s the model has %lld parameters, whose values, gradients and momentum%s take "
                  "%.3g GB, more than this machine's %.3g GB of memory; use fewer or narrower layers%s",
                  layers[i].name.c_str(), (long long)parameters,
                  plan ? " (sparse layers at their planned density)" : "", double(bytes) / 1e9, double(available) / 1e9,
                  plan ? " or a higher sparsity" : "");
    throw InputError(message);
  }
}

class ModelAssembler : public LayerVisitor {
 public:
  // Without a plan every weight layer is built dense.
  ModelAssembler(Model& model, Rng& rng, const SparseStart* start = nullptr, std::vector<LayerDensity>* plan = nullptr)
      : model_(model), rng_(rng), start_(start), plan_(plan) {
    if (start_) {
      scheme_ = makeScheme(start_->spec.scheme, start_->spec.schemeOptionsJson, "sparsity");
      format_ = sparseFormatOf(start_->spec);
    }
  }
  void linear(int inputs, int outputs, const std::string& name) override {
    add(initialised(std::make_unique<Linear>(inputs, outputs, WeightAllocation::Deferred), name), name);
  }
  void conv(const ConvGeometry& g, const std::string& name) override {
    add(initialised(std::make_unique<Conv2d>(g, WeightAllocation::Deferred), name), name);
  }
  void pool(const ExampleShape& in, int window, const std::string& name) override {
    add(std::make_unique<MaxPool2d>(in, window), name);
  }
  void relu(const ExampleShape& shape, const std::string& name) override { add(std::make_unique<ReLU>(shape), name); }
  void dropout(int width, double rate, const std::string& name) override {
    add(std::make_unique<Dropout>(ExampleShape{1, 1, width}, float(rate), rng_.fork(uint64_t(model_.layers().size()))),
        name);
  }
  void flatten(const ExampleShape& shape) override { add(std::make_unique<Flatten>(shape), "flatten"); }

 private:
  // Draws the layer's mask (when the plan makes it sparse), then its initial weights: only the active ones for a
  // layer on the sparse kernels, all of them for the others.
  template <typename WeightLayer>
  std::unique_ptr<WeightLayer> initialised(std::unique_ptr<WeightLayer> layer, const std::string& name) {
    LayerDensity* planned = plan_ ? &(*plan_)[weightLayers_++] : nullptr;
    const LayerStart start = startOf(planned, start_ ? &start_->spec : nullptr);
    if (!start.masked) {
      layer->initKaiming(rng_);
      return layer;
    }
    WeightMatrix& w = *layer->weightMatrix();
    const LayerGeometry g{w.rows(), w.cols(), layer->kernelArea(), name};
    const std::vector<int64_t> positions = drawPlannedStart(g, *scheme_, *planned, start_->maskRng);
    if (runsOnSparseKernels(planned->active, planned->size, start_->spec)) {
      layer->initKaimingSparse(positions, format_, rng_);
    } else {
      layer->initKaiming(rng_);
      w.applyMask(maskAt(w.rows(), w.cols(), positions), false, format_);
    }
    return layer;
  }

  void add(std::unique_ptr<Layer> layer, const std::string& name) {
    layer->setName(name);
    model_.add(std::move(layer));
  }

  Model& model_;
  Rng& rng_;
  const SparseStart* start_;
  std::vector<LayerDensity>* plan_;
  std::unique_ptr<Scheme> scheme_;
  SparseFormat format_;
  size_t weightLayers_ = 0;
};
}  // namespace

Model buildModel(const ModelSpec& spec, const ExampleShape& input, int classes, Rng& rng) {
  return buildModel(spec, input, classes, rng, physicalMemoryBytes());
}

Model buildModel(const ModelSpec& spec, const ExampleShape& input, int classes, Rng& rng, int64_t memoryBytes) {
  WeightLayerShapes shapes;
  walkModel(spec, input, classes, shapes);
  checkTrainingStateFits(shapes.layers, nullptr, nullptr, memoryBytes);
  Model model;
  ModelAssembler assembler(model, rng);
  walkModel(spec, input, classes, assembler);
  return model;
}

Model buildSparseModel(const ModelSpec& spec, const ExampleShape& input, int classes, Rng& initRng,
                       const SparseStart& start, int64_t memoryBytes, std::vector<LayerDensity>& plan) {
  WeightLayerShapes shapes;
  walkModel(spec, input, classes, shapes);
  plan = planDensities(shapes.layers, start.spec);
  checkTrainingStateFits(shapes.layers, &plan, &start.spec, memoryBytes);
  Model model;
  ModelAssembler assembler(model, initRng, &start, &plan);
  walkModel(spec, input, classes, assembler);
  return model;
}

}  // namespace ss
