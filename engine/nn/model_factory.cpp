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
// Every layer is built dense, with its gradients and momentum, before a sparse run draws its masks. A model whose
// dense form does not fit in this machine's memory is refused before the allocation that would get the process
// killed: a project with two hidden layers of 65536 units (4.3 G weights, 52 GB) would take the editor with it.
class DenseStateCheck {
 public:
  explicit DenseStateCheck(int64_t available) : available_(available) {}
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

 private:
  int64_t available_;
  int64_t total_ = 0;
};

void addLinear(Model& model, int inputs, int outputs, const std::string& name, Rng& rng, DenseStateCheck& check) {
  check.add((int64_t(inputs) + 1) * outputs, name);
  auto fc = std::make_unique<Linear>(inputs, outputs);
  fc->setName(name);
  fc->initKaiming(rng);
  model.add(std::move(fc));
}

void addRelu(Model& model, ExampleShape shape, const std::string& name) {
  auto relu = std::make_unique<ReLU>(shape);
  relu->setName(name);
  model.add(std::move(relu));
}

void addDropout(Model& model, int width, double rate, const std::string& name, Rng& rng) {
  if (rate <= 0) return;
  auto dropout =
      std::make_unique<Dropout>(ExampleShape{1, 1, width}, float(rate), rng.fork(uint64_t(model.layers().size())));
  dropout->setName(name);
  model.add(std::move(dropout));
}

// Fully connected stack: hidden widths with ReLU, then the classifier; dropout before every one.
void addClassifier(Model& model, int inputs, const std::vector<int>& hidden, int classes, double dropout, Rng& rng,
                   DenseStateCheck& check) {
  int width = inputs, index = 1;
  for (int h : hidden) {
    addDropout(model, width, dropout, "dropout_fc" + std::to_string(index), rng);
    addLinear(model, width, h, "fc" + std::to_string(index), rng, check);
    addRelu(model, {1, 1, h}, "relu_fc" + std::to_string(index));
    width = h;
    ++index;
  }
  addDropout(model, width, dropout, "dropout_fc" + std::to_string(index), rng);
  addLinear(model, width, classes, "fc" + std::to_string(index), rng, check);
}
}  // namespace

Model buildModel(const ModelSpec& spec, const ExampleShape& input, int classes, Rng& rng) {
  return buildModel(spec, input, classes, rng, physicalMemoryBytes());
}

Model buildModel(const ModelSpec& spec, const ExampleShape& input, int classes, Rng& rng, int64_t memoryBytes) {
  Model model;
  DenseStateCheck check(memoryBytes);
  if (spec.preset == "mlp") {
    addClassifier(model, input.size(), spec.hidden, classes, spec.dropout, rng, check);
    return model;
  }
  ExampleShape shape = input;
  int index = 1;
  for (int filters : spec.channels) {
    if (shape.height < 2 || shape.width < 2)
      throw InputError("model.channels: " + std::to_string(spec.channels.size()) + " conv+pool stages shrink the " +
                       std::to_string(input.height) + "x" + std::to_string(input.width) + " input below 1x1");
    ConvGeometry g{shape.channels, shape.height, shape.width, filters, spec.kernel, 1, spec.kernel / 2};
    check.add((int64_t(shape.channels) * spec.kernel * spec.kernel + 1) * filters, "conv" + std::to_string(index));
    auto conv = std::make_unique<Conv2d>(g);
    conv->setName("conv" + std::to_string(index));
    conv->initKaiming(rng);
    shape = conv->outputShape();
    model.add(std::move(conv));
    // Pool, then ReLU: the same function and the same gradients as ReLU then pool (a max commutes with the
    // rise of a ReLU, and a window whose maximum is not positive passes no gradient either way), with the ReLU
    // on a quarter of the values: on the Fashion convnet the first conv's ReLU took 0.7 ms of a 12 ms sparse step.
    auto pool = std::make_unique<MaxPool2d>(shape, 2);
    pool->setName("pool" + std::to_string(index));
    shape = pool->outputShape();
    model.add(std::move(pool));
    addRelu(model, shape, "relu_conv" + std::to_string(index));
    ++index;
  }
  auto flatten = std::make_unique<Flatten>(shape);
  flatten->setName("flatten");
  model.add(std::move(flatten));
  addClassifier(model, shape.size(), spec.fc, classes, spec.dropout, rng, check);
  return model;
}

}  // namespace ss
