#include "mlp_training.h"

#include <memory>

#include "erk_densities.h"
#include "masked_mlp.h"
#include "nesterov_sgd.h"

namespace reference {
namespace {

const std::vector<int> lenet300100Widths{784, 300, 100, 10};

class MlpModel final : public TrainableModel {
 public:
  explicit MlpModel(std::mt19937_64& weightRng) : mlp_(lenet300100Widths, weightRng) {}

  std::span<MaskedLayer> sparseLayers() override { return mlp_.layers; }
  BatchOutcome forwardBackward(const RowMatrix& batch, const std::vector<int>& labels) override {
    return mlp_.forwardBackward(batch, labels);
  }
  void optimizerStep(float learningRate, const SgdSettings& settings) override {
    nesterovStep(mlp_, learningRate, settings);
  }
  double accuracy(const ImageSet& set) override { return mlp_.accuracy(set); }
  double density() const override { return double(mlp_.activeWeights()) / double(mlp_.totalWeights()); }

 private:
  MaskedMlp mlp_;
};

}  // namespace

std::vector<double> mlpErkDensities(double sparsity) {
  std::vector<LayerShape> shapes;
  for (std::size_t l = 0; l + 1 < lenet300100Widths.size(); ++l)
    shapes.push_back({lenet300100Widths[l + 1], lenet300100Widths[l]});
  return erkDensities(shapes, 1.0 - sparsity);
}

RunResult trainReferenceMlp(const RunSettings& settings, const TrainTestSets& data,
                            const std::function<void(const EpochReport&)>& onEpoch) {
  return trainModel(
      settings, data, mlpErkDensities(settings.sparsity),
      [](std::mt19937_64& weightRng) { return std::make_unique<MlpModel>(weightRng); }, onEpoch);
}

}  // namespace reference
