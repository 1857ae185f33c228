#include "nn/model_factory.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <set>

#include "core/error.h"
#include "core/machine_memory.h"
#include "nn/activation.h"
#include "nn/batch_norm.h"
#include "nn/conv2d.h"
#include "nn/dropout.h"
#include "nn/global_avg_pool.h"
#include "nn/linear.h"
#include "nn/max_pool2d.h"
#include "nn/residual_add.h"
#include "sparse/model_sparsity.h"
#include "sparse/scheme.h"
#include "sparse/weight_matrix.h"

namespace ss {

namespace {
// The layers a spec makes, in order, with their shapes. buildModel walks them twice: once to count the parameters,
// then, when they fit, to build. The walk is the one place that knows the presets' structure and names. Each call
// is one layer, which reads the previous layer's output unless source() named another for it just before.
class LayerVisitor {
 public:
  virtual ~LayerVisitor() = default;
  virtual void linear(int inputs, int outputs, const std::string& name) = 0;
  virtual void conv(const ConvGeometry& g, const std::string& name) = 0;
  virtual void pool(const ExampleShape& in, int window, const std::string& name) = 0;
  virtual void relu(const ExampleShape& shape, const std::string& name) = 0;
  virtual void dropout(int width, double rate, const std::string& name) = 0;
  virtual void flatten(const ExampleShape& shape) = 0;
  virtual void batchNorm(const ExampleShape&, const std::string&) {}
  virtual void globalAvgPool(const ExampleShape&, const std::string&) {}
  // x from layer `from`, the shortcut's input from layer `skipFrom` (layer indices in walk order).
  virtual void join(const ExampleShape&, const ExampleShape&, int /*from*/, int /*skipFrom*/, const std::string&) {}
  virtual void source(int /*from*/) {}  // the next layer reads layer `from`'s output
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

// Walks a layer list (a project's own, or the one a resnet or vgg preset makes): tracks the shape, the index of the
// last layer and the names, and lays out residual stages block by block.
class ListWalk {
 public:
  ListWalk(LayerVisitor& v, ExampleShape input) : v_(v), shape_(input) {}

  // Errors name the entry of a project's own list, or `preset` ("resnet-20") for the list a preset made.
  void walk(const std::vector<LayerSpec>& layers, int classes, const std::string& preset) {
    for (size_t i = 0; i < layers.size(); ++i)
      entry(layers[i], preset.empty() ? "model.layers[" + std::to_string(i) + "]" : "model: " + preset);
    flattened();
    v_.linear(shape_.size(), classes, taken("fc", "model: the classifier"));
  }

 private:
  void entry(const LayerSpec& l, const std::string& where) {
    const auto named = [&](const char* prefix, int& count) {
      ++count;
      return taken(l.name.empty() ? prefix + std::to_string(count) : l.name, where);
    };
    if (l.type == "conv") {
      conv(l.channels, l.kernel, l.stride, l.padding < 0 ? l.kernel / 2 : l.padding, l.bias, named("conv", convs_),
           where);
    } else if (l.type == "batch_norm") {
      add([&] { v_.batchNorm(shape_, named("bn", norms_)); });
    } else if (l.type == "relu") {
      add([&] { v_.relu(shape_, named("relu", relus_)); });
    } else if (l.type == "max_pool") {
      if (shape_.height < l.window || shape_.width < l.window)
        throw InputError(where + ": a " + std::to_string(l.window) + "x" + std::to_string(l.window) +
                         " max pool does not fit the " + shape_.text() + " input it gets");
      add([&] { v_.pool(shape_, l.window, named("pool", pools_)); });
      shape_ = MaxPool2d::outputShapeOf(shape_, l.window);
    } else if (l.type == "global_avg_pool") {
      add([&] { v_.globalAvgPool(shape_, taken(l.name.empty() ? "avgpool" : l.name, where)); });
      shape_ = GlobalAvgPool::outputShapeOf(shape_);
    } else if (l.type == "linear") {
      flattened();
      add([&] { v_.linear(shape_.size(), l.units, named("fc", linears_)); });
      shape_ = {1, 1, l.units};
    } else if (l.type == "dropout") {
      flattened();
      add([&] { v_.dropout(shape_.size(), l.rate, named("dropout", dropouts_)); });
    } else if (l.type == "stage") {
      const std::string stage = named("stage", stages_);
      for (int b = 1; b <= l.blocks; ++b)
        block(l.channels, b == 1 ? l.stride : 1, l.shortcut, stage + ".block" + std::to_string(b), where);
    } else {
      throw InputError(where + ": unknown layer type '" + l.type + "'");
    }
  }

  // A basic block (He et al.): conv3x3(stride) bn relu conv3x3 bn, plus the shortcut, then relu.
  void block(int channels, int stride, const std::string& shortcut, const std::string& prefix,
             const std::string& where) {
    const int input = last_;
    const ExampleShape in = shape_;
    conv(channels, 3, stride, 1, false, prefix + ".conv1", where);
    add([&] { v_.batchNorm(shape_, prefix + ".bn1"); });
    add([&] { v_.relu(shape_, prefix + ".relu1"); });
    conv(channels, 3, 1, 1, false, prefix + ".conv2", where);
    add([&] { v_.batchNorm(shape_, prefix + ".bn2"); });
    const int mainPath = last_;
    int skip = input;
    ExampleShape skipShape = in;
    const bool reshapes = stride != 1 || in.channels != channels;
    if (reshapes && shortcut == "projection") {
      const ExampleShape out = shape_;
      shape_ = in;
      v_.source(input);
      conv(channels, 1, stride, 0, false, prefix + ".shortcut", where);
      add([&] { v_.batchNorm(shape_, prefix + ".shortcut_bn"); });
      if (shape_.height != out.height || shape_.width != out.width)
        throw InputError(where + ": " + prefix + "'s shortcut makes " + shape_.text() + ", its convs " + out.text());
      skip = last_;
      skipShape = shape_;
      shape_ = out;
    } else if (reshapes && (ResidualAdd::strideBetween(in, shape_) == 0 || in.channels > channels)) {
      throw InputError(where + ": " + prefix + " turns " + in.text() + " into " + shape_.text() +
                       ", which a zero-padded identity cannot match; use shortcut 'projection'");
    }
    add([&] { v_.join(shape_, skipShape, mainPath, skip, prefix + ".add"); });
    add([&] { v_.relu(shape_, prefix + ".relu2"); });
  }

  void conv(int channels, int kernel, int stride, int padding, bool bias, const std::string& name,
            const std::string& where) {
    if (shape_.height + 2 * padding < kernel || shape_.width + 2 * padding < kernel)
      throw InputError(where + ": " + name + "'s " + std::to_string(kernel) + "x" + std::to_string(kernel) +
                       " kernel does not fit the " + shape_.text() + " input it gets");
    ConvGeometry g{shape_.channels, shape_.height, shape_.width, channels, kernel, stride, padding};
    g.bias = bias;
    add([&] { v_.conv(g, name); });
    shape_ = g.outputShape();
  }

  void flattened() {
    if (shape_.channels == 1 && shape_.height == 1) return;
    add([&] { v_.flatten(shape_); });
    shape_ = {1, 1, shape_.size()};
  }

  // Names a layer, refusing one a layer already has: masks, checkpoints and tables find layers by name.
  std::string taken(std::string name, const std::string& where) {
    if (!names_.insert(name).second) throw InputError(where + ": the name '" + name + "' is taken by an earlier layer");
    return name;
  }

  template <typename Emit>
  void add(Emit emit) {
    emit();
    ++last_;
  }

  LayerVisitor& v_;
  ExampleShape shape_;
  int last_ = Model::kModelInput;
  int convs_ = 0, norms_ = 0, relus_ = 0, pools_ = 0, linears_ = 0, dropouts_ = 0, stages_ = 0;
  std::set<std::string> names_;
};

LayerSpec layerOf(const char* type) {
  LayerSpec l;
  l.type = type;
  return l;
}

LayerSpec convOf(int channels, int kernel) {
  LayerSpec l = layerOf("conv");
  l.channels = channels;
  l.kernel = kernel;
  l.bias = false;  // batch norm follows
  return l;
}

// He et al.'s CIFAR ResNet: a 3x3 stem, three stages of (depth - 2) / 6 basic blocks at 16, 32 and 64 channels
// (times the width), the last two starting with stride 2, global average pooling and the classifier.
std::vector<LayerSpec> resnetLayers(const ModelSpec& spec) {
  std::vector<LayerSpec> layers = {convOf(16 * spec.width, 3), layerOf("batch_norm"), layerOf("relu")};
  for (const auto& [channels, stride] : {std::pair{16, 1}, std::pair{32, 2}, std::pair{64, 2}}) {
    LayerSpec stage = layerOf("stage");
    stage.channels = channels * spec.width;
    stage.stride = stride;
    stage.blocks = (spec.depth - 2) / 6;
    stage.shortcut = spec.shortcut;
    layers.push_back(stage);
  }
  layers.push_back(layerOf("global_avg_pool"));
  return layers;
}

// The CIFAR VGG with batch norm: 3x3 convs (conv, bn, relu), 2x2 max pools after each group, then the fully
// connected layers spec.fc asks for (none: the classifier alone, on the 512 features of the last pool).
std::vector<LayerSpec> vggLayers(const ModelSpec& spec) {
  using Groups = std::vector<std::vector<int>>;
  const Groups groups =
      spec.depth == 11   ? Groups{{64}, {128}, {256, 256}, {512, 512}, {512, 512}}
      : spec.depth == 13 ? Groups{{64, 64}, {128, 128}, {256, 256}, {512, 512}, {512, 512}}
      : spec.depth == 16
          ? Groups{{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}}
          : Groups{{64, 64}, {128, 128}, {256, 256, 256, 256}, {512, 512, 512, 512}, {512, 512, 512, 512}};
  LayerSpec dropout = layerOf("dropout");
  dropout.rate = spec.dropout;
  std::vector<LayerSpec> layers;
  for (const std::vector<int>& group : groups) {
    for (int channels : group)
      layers.insert(layers.end(), {convOf(channels, 3), layerOf("batch_norm"), layerOf("relu")});
    layers.push_back(layerOf("max_pool"));
  }
  for (int units : spec.fc) {
    if (spec.dropout > 0) layers.push_back(dropout);
    LayerSpec linear = layerOf("linear");
    linear.units = units;
    layers.insert(layers.end(), {linear, layerOf("relu")});
  }
  if (spec.dropout > 0) layers.push_back(dropout);
  return layers;
}

void walkModel(const ModelSpec& spec, const ExampleShape& input, int classes, LayerVisitor& v) {
  if (spec.preset == "mlp") {
    walkClassifier(input.size(), spec.hidden, classes, spec.dropout, v);
    return;
  }
  if (spec.preset == "resnet" || spec.preset == "vgg" || spec.preset == "layers") {
    const std::vector<LayerSpec> layers = spec.preset == "resnet" ? resnetLayers(spec)
                                          : spec.preset == "vgg"  ? vggLayers(spec)
                                                                  : spec.layers;
    const std::string preset = spec.preset == "layers" ? "" : spec.preset + "-" + std::to_string(spec.depth);
    ListWalk(v, input).walk(layers, classes, preset);
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
    layers.push_back({name, g.outChannels, g.patchSize(), g.kernel, g.kernel, true, true});
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

LayerStart startOf(const LayerDensity* planned, const SparsitySpec* spec, bool convolution) {
  if (!planned || !spec || planned->active >= planned->size) return {};
  return {true, runsOnSparseKernels(planned->active, planned->size, *spec, convolution)};
}

// The bytes a weight layer's training state takes as it will be built: values, gradients and momentum (12 bytes) of
// every entry of a dense or masked-dense layer (and the mask's byte), of the active entries alone of a layer on the
// sparse kernels with their index; biases in full.
int64_t trainingStateBytes(const BudgetLayer& layer, int64_t biases, const LayerDensity* planned,
                           const SparsitySpec* spec) {
  const int64_t size = int64_t(layer.rows) * layer.cols;
  const LayerStart start = startOf(planned, spec, layer.convolution);
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
    const LayerStart start = startOf(planned, spec, layers[i].convolution);
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
  void batchNorm(const ExampleShape& shape, const std::string& name) override {
    add(std::make_unique<BatchNorm>(shape), name);
  }
  void globalAvgPool(const ExampleShape& in, const std::string& name) override {
    add(std::make_unique<GlobalAvgPool>(in), name);
  }
  void join(const ExampleShape& main, const ExampleShape& skip, int from, int skipFrom,
            const std::string& name) override {
    auto layer = std::make_unique<ResidualAdd>(main, skip);
    layer->setName(name);
    model_.addJoin(std::move(layer), from, skipFrom);
  }
  void source(int from) override { source_ = from; }

 private:
  // Draws the layer's mask (when the plan makes it sparse), then its initial weights: only the active ones for a
  // layer on the sparse kernels, all of them for the others.
  template <typename WeightLayer>
  std::unique_ptr<WeightLayer> initialised(std::unique_ptr<WeightLayer> layer, const std::string& name) {
    LayerDensity* planned = plan_ ? &(*plan_)[weightLayers_++] : nullptr;
    const bool convolution = layer->kind() == "conv2d";
    const LayerStart start = startOf(planned, start_ ? &start_->spec : nullptr, convolution);
    if (!start.masked) {
      layer->initKaiming(rng_);
      return layer;
    }
    WeightMatrix& w = *layer->weightMatrix();
    const LayerGeometry g{w.rows(), w.cols(), layer->kernelArea(), name};
    const std::vector<int64_t> positions = drawPlannedStart(g, *scheme_, *planned, start_->maskRng);
    if (start.sparseKernels) {
      layer->initKaimingSparse(positions, format_, rng_);
    } else {
      layer->initKaiming(rng_);
      w.applyMask(maskAt(w.rows(), w.cols(), positions), false, format_);
    }
    return layer;
  }

  void add(std::unique_ptr<Layer> layer, const std::string& name) {
    layer->setName(name);
    model_.add(std::move(layer), source_.value_or(model_.lastIndex()));
    source_.reset();
  }

  Model& model_;
  Rng& rng_;
  const SparseStart* start_;
  std::vector<LayerDensity>* plan_;
  std::unique_ptr<Scheme> scheme_;
  SparseFormat format_;
  size_t weightLayers_ = 0;
  std::optional<int> source_;  // what the next layer reads, when not the previous layer's output
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
