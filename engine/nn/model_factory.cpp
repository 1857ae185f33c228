#include "nn/model_factory.h"

#include <memory>

#include "core/error.h"
#include "nn/activation.h"
#include "nn/conv2d.h"
#include "nn/dropout.h"
#include "nn/linear.h"
#include "nn/max_pool2d.h"

namespace ss {

namespace {
void addLinear(Model& model, int inputs, int outputs, const std::string& name, Rng& rng) {
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
void addClassifier(Model& model, int inputs, const std::vector<int>& hidden, int classes, double dropout, Rng& rng) {
  int width = inputs, index = 1;
  for (int h : hidden) {
    addDropout(model, width, dropout, "dropout_fc" + std::to_string(index), rng);
    addLinear(model, width, h, "fc" + std::to_string(index), rng);
    addRelu(model, {1, 1, h}, "relu_fc" + std::to_string(index));
    width = h;
    ++index;
  }
  addDropout(model, width, dropout, "dropout_fc" + std::to_string(index), rng);
  addLinear(model, width, classes, "fc" + std::to_string(index), rng);
}
}  // namespace

Model buildModel(const ModelSpec& spec, const ExampleShape& input, int classes, Rng& rng) {
  Model model;
  if (spec.preset == "mlp") {
    addClassifier(model, input.size(), spec.hidden, classes, spec.dropout, rng);
    return model;
  }
  ExampleShape shape = input;
  int index = 1;
  for (int filters : spec.channels) {
    if (shape.height < 2 || shape.width < 2)
      throw InputError("model.channels: " + std::to_string(spec.channels.size()) + " conv+pool stages shrink the " +
                       std::to_string(input.height) + "x" + std::to_string(input.width) + " input below 1x1");
    ConvGeometry g{shape.channels, shape.height, shape.width, filters, spec.kernel, 1, spec.kernel / 2};
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
  addClassifier(model, shape.size(), spec.fc, classes, spec.dropout, rng);
  return model;
}

}  // namespace ss
