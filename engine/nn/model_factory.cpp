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

// Every layer is built dense, with its gradients and momentum, before a sparse run draws its masks. A model whose
// dense form does not fit in this machine's memory is refused before anything is allocated: a project with two
// hidden layers of 65536 units (4.3 G weights, 52 GB) would take the editor with it, and even building the layers
// that fit before the one that does not took a second and hundreds of megabytes.
class DenseStateCheck : public LayerVisitor {
 public:
  explicit DenseStateCheck(int64_t available) : available_(available) {}
  void linear(int inputs, int outputs, const std::string& name) override { add((int64_t(inputs) + 1) * outputs, name); }
  void conv(const ConvGeometry& g, const std::string& name) override {
    add((int64_t(g.patchSize()) + 1) * g.outChannels, name);
  }
  void pool(const ExampleShape&, int, const std::string&) override {}
  void relu(const ExampleShape&, const std::string&) override {}
  void dropout(int, double, const std::string&) override {}
  void flatten(const ExampleShape&) override {}

 private:
  void add(int64_t parameters, const std::string& layer) {
    total_ += parameters;
    const int64_t bytes = 3 * total_ * int64_t(sizeof(float));
    if (available_ <= 0 || bytes <= available_) return;
    char message[400];
    std::snprintf(message, sizeof message,
                  "model: with layer %s the model has %lld parameters, whose dense values, gradients and momentum "
                  "take %.3g GB, more than this machine's %.3g GB of memory (every layer is built dense before it is "
                  "sparsified); use fewer or narrower layers",
                  layer.c_str(), (long long)total_, double(bytes) / 1e9, double(available_) / 1e9);
    throw InputError(message);
  }

  int64_t available_;
  int64_t total_ = 0;
};

class ModelAssembler : public LayerVisitor {
 public:
  ModelAssembler(Model& model, Rng& rng) : model_(model), rng_(rng) {}
  void linear(int inputs, int outputs, const std::string& name) override {
    auto fc = std::make_unique<Linear>(inputs, outputs);
    fc->initKaiming(rng_);
    add(std::move(fc), name);
  }
  void conv(const ConvGeometry& g, const std::string& name) override {
    auto conv = std::make_unique<Conv2d>(g);
    conv->initKaiming(rng_);
    add(std::move(conv), name);
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
  void add(std::unique_ptr<Layer> layer, const std::string& name) {
    layer->setName(name);
    model_.add(std::move(layer));
  }

  Model& model_;
  Rng& rng_;
};
}  // namespace

Model buildModel(const ModelSpec& spec, const ExampleShape& input, int classes, Rng& rng) {
  return buildModel(spec, input, classes, rng, physicalMemoryBytes());
}

Model buildModel(const ModelSpec& spec, const ExampleShape& input, int classes, Rng& rng, int64_t memoryBytes) {
  DenseStateCheck check(memoryBytes);
  walkModel(spec, input, classes, check);
  Model model;
  ModelAssembler assembler(model, rng);
  walkModel(spec, input, classes, assembler);
  return model;
}

}  // namespace ss
