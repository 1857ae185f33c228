#include "training_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <numeric>

#include "erk_densities.h"
#include "forgetting_tracker.h"

namespace reference {
namespace {

// Separate streams, so that (for one seed) every algorithm starts from the same weights and sees the
// same first epoch's batch order whatever its masks draw.
enum class Stream : unsigned long { weights = 1, batches = 2, masks = 3 };

std::mt19937_64 streamFor(unsigned long seed, Stream stream) {
  std::seed_seq sequence{seed, static_cast<unsigned long>(stream)};
  return std::mt19937_64(sequence);
}

long batchCount(long examples, int batchSize) {
  return (examples + batchSize - 1) / batchSize;
}

const std::vector<int> lenet300100Widths{784, 300, 100, 10};

}  // namespace

std::vector<double> mlpErkDensities(double sparsity) {
  std::vector<LayerShape> shapes;
  for (std::size_t l = 0; l + 1 < lenet300100Widths.size(); ++l)
    shapes.push_back({lenet300100Widths[l + 1], lenet300100Widths[l]});
  return erkDensities(shapes, 1.0 - sparsity);
}

RunResult trainReferenceMlp(const RunSettings& settings, const TrainTestSets& data,
                            const std::function<void(const EpochReport&)>& onEpoch) {
  const int examples = int(data.train.images.rows());
  const int removed = settings.removeFraction > 0 ? int(std::lround(settings.removeFraction * examples)) : 0;
  long totalSteps = 0;
  for (int e = 0; e < settings.epochs; ++e)
    totalSteps += batchCount(e < settings.removalEpoch ? examples : examples - removed, settings.batchSize);

  const std::vector<double> densities = mlpErkDensities(settings.sparsity);

  std::mt19937_64 weightRng = streamFor(settings.seed, Stream::weights);
  std::mt19937_64 batchRng = streamFor(settings.seed, Stream::batches);
  std::mt19937_64 maskRng = streamFor(settings.seed, Stream::masks);
  MaskedMlp mlp(lenet300100Widths, weightRng);
  const auto rule = makeSparsityRule(settings.rule, densities, {settings.epochs, totalSteps});
  rule->initialise(mlp.layers, maskRng);

  ForgettingTracker tracker(examples);
  std::vector<int> inUse(examples);
  std::iota(inUse.begin(), inUse.end(), 0);
  const int pixels = int(data.train.images.cols());
  RowMatrix batch;
  std::vector<int> labels;
  long step = 0;
  double testAccuracy = 0;
  for (int epoch = 0; epoch < settings.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    rule->atEpochStart(epoch, mlp.layers, maskRng);
    std::shuffle(inUse.begin(), inUse.end(), batchRng);
    double lossSum = 0, learningRate = 0;
    long hits = 0;
    for (std::size_t first = 0; first < inUse.size(); first += settings.batchSize) {
      const std::size_t size = std::min<std::size_t>(settings.batchSize, inUse.size() - first);
      batch.resize(Eigen::Index(size), pixels);
      labels.resize(size);
      for (std::size_t i = 0; i < size; ++i) {
        batch.row(Eigen::Index(i)) = data.train.images.row(inUse[first + i]);
        labels[i] = data.train.labels[inUse[first + i]];
      }
      const BatchOutcome outcome = mlp.forwardBackward(batch, labels);
      lossSum += outcome.lossSum;
      for (std::size_t i = 0; i < size; ++i) {
        tracker.record(inUse[first + i], outcome.correct[i]);
        hits += outcome.correct[i];
      }
      learningRate = settings.learningRate * 0.5 * (1 + std::cos(std::numbers::pi * double(step) / double(totalSteps)));
      nesterovStep(mlp, float(learningRate), settings.sgd);
      rule->afterStep(++step, mlp.layers, maskRng);
    }
    testAccuracy = mlp.accuracy(data.test);
    const int used = int(inUse.size());
    if (removed > 0 && epoch + 1 == settings.removalEpoch) inUse = tracker.keptAfterRemoving(removed);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    onEpoch({epoch + 1, lossSum / used, double(hits) / used, testAccuracy, learningRate,
             double(mlp.activeWeights()) / double(mlp.totalWeights()), used, seconds});
  }
  return {testAccuracy, double(mlp.activeWeights()) / double(mlp.totalWeights())};
}

}  // namespace reference
