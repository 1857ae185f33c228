#include "resnet_training.h"

#include <memory>

#include "erk_densities.h"
#include "image_augmentation.h"
#include "nesterov_sgd.h"
#include "resnet20.h"

namespace reference {
namespace {

constexpr int imageSide = 28;
constexpr int cropPadding = 2;

class ResNetModel final : public TrainableModel {
 public:
  ResNetModel(std::mt19937_64& weightRng, float black) : net_(imageSide, weightRng), black_(black) {}

  std::span<MaskedLayer> sparseLayers() override { return std::span(net_.layers).subspan(1); }
  void augment(RowMatrix& batch, std::mt19937_64& rng) override {
    augmentInPlace(batch, imageSide, cropPadding, black_, rng);
  }
  BatchOutcome forwardBackward(const RowMatrix& batch, const std::vector<int>& labels) override {
    return net_.forwardBackward(batch, labels);
  }
  // SGD on every conv and linear weight (decayed) and bias, and on batch norm's scale and shift (undecayed).
  void optimizerStep(float learningRate, const SgdSettings& settings) override {
    for (MaskedLayer& layer : net_.layers) nesterovStep(layer, learningRate, settings);
    for (BatchNorm<float>* norm : net_.norms()) {
      nesterovStepUndecayed(norm->scale, norm->scaleMomentum, norm->scaleGradient, learningRate, settings);
      nesterovStepUndecayed(norm->shift, norm->shiftMomentum, norm->shiftGradient, learningRate, settings);
    }
  }
  double accuracy(const ImageSet& set) override { return net_.accuracy(set); }
  double density() const override { return double(net_.activeWeights()) / double(net_.totalWeights()); }

 private:
  ResNet20<float> net_;
  float black_;  // the standardised value of a black pixel: the crops' padding
};

}  // namespace

std::vector<double> resnetErkDensities(double sparsity) {
  std::mt19937_64 unused(0);
  return erkDensities(ResNet20<float>(imageSide, unused).layerShapes(), 1.0 - sparsity);
}

RunResult trainReferenceResnet(const RunSettings& settings, const TrainTestSets& data,
                               const std::function<void(const EpochReport&)>& onEpoch) {
  const std::vector<double> densities = resnetErkDensities(settings.sparsity);
  const std::vector<double> sparseDensities(densities.begin() + 1, densities.end());
  return trainModel(
      settings, data, sparseDensities,
      [&](std::mt19937_64& weightRng) { return std::make_unique<ResNetModel>(weightRng, data.black); }, onEpoch);
}

}  // namespace reference
