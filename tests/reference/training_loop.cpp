#include "training_loop.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <numeric>

#include "forgetting_tracker.h"

namespace reference {
namespace {

// Separate streams, so that (for one seed) every algorithm starts from the same weights and sees the
// same first epoch's batch order and augmentations whatever its masks draw.
enum class Stream : unsigned long { weights = 1, batches = 2, masks = 3, augmentation = 4 };

std::mt19937_64 streamFor(unsigned long seed, Stream stream) {
  std::seed_seq sequence{seed, static_cast<unsigned long>(stream)};
  return std::mt19937_64(sequence);
}

long batchCount(long examples, int batchSize) {
  return (examples + batchSize - 1) / batchSize;
}

}  // namespace

RunResult trainModel(const RunSettings& settings, const TrainTestSets& data, const std::vector<double>& sparseDensities,
                     const ModelFactory& makeModel, const std::function<void(const EpochReport&)>& onEpoch) {
  const int examples = int(data.train.images.rows());
  const int removed = settings.removeFraction > 0 ? int(std::lround(settings.removeFraction * examples)) : 0;
  long totalSteps = 0;
  for (int e = 0; e < settings.epochs; ++e)
    totalSteps += batchCount(e < settings.removalEpoch ? examples : examples - removed, settings.batchSize);

  std::mt19937_64 weightRng = streamFor(settings.seed, Stream::weights);
  std::mt19937_64 batchRng = streamFor(settings.seed, Stream::batches);
  std::mt19937_64 maskRng = streamFor(settings.seed, Stream::masks);
  std::mt19937_64 augmentationRng = streamFor(settings.seed, Stream::augmentation);
  const std::unique_ptr<TrainableModel> model = makeModel(weightRng);
  const std::span<MaskedLayer> sparseLayers = model->sparseLayers();
  const auto rule = makeSparsityRule(settings.rule, sparseDensities, {settings.epochs, totalSteps});
  rule->initialise(sparseLayers, maskRng);

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
    rule->atEpochStart(epoch, sparseLayers, maskRng);
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
      model->augment(batch, augmentationRng);
      const BatchOutcome outcome = model->forwardBackward(batch, labels);
      lossSum += outcome.lossSum;
      for (std::size_t i = 0; i < size; ++i) {
        tracker.record(inUse[first + i], outcome.correct[i]);
        hits += outcome.correct[i];
      }
      learningRate = settings.learningRate * 0.5 * (1 + std::cos(std::numbers::pi * double(step) / double(totalSteps)));
      model->optimizerStep(float(learningRate), settings.sgd);
      rule->afterStep(++step, sparseLayers, maskRng);
    }
    testAccuracy = model->accuracy(data.test);
    const int used = int(inUse.size());
    if (removed > 0 && epoch + 1 == settings.removalEpoch) inUse = tracker.keptAfterRemoving(removed);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    onEpoch(
        {epoch + 1, lossSum / used, double(hits) / used, testAccuracy, learningRate, model->density(), used, seconds});
  }
  return {testAccuracy, model->density()};
}

void printEpochLine(const EpochReport& r) {
  std::printf(
      "epoch %d train_loss %.4f train_accuracy %.4f test_accuracy %.4f lr %.6f density %.6f examples %d "
      "seconds %.2f\n",
      r.epoch, r.trainLoss, r.trainAccuracy, r.testAccuracy, r.lastLearningRate, r.density, r.examplesInUse, r.seconds);
  std::fflush(stdout);
}

void printResultLine(const char* leadingFields, const RunSettings& run, const RunResult& result, double seconds) {
  std::printf(
      "{%s\"algorithm\": \"%s\", \"variant\": \"%s\", \"sparsity\": %g, \"seed\": %lu, \"epochs\": %d, "
      "\"remove_fraction\": %g, \"removal_epoch\": %d, \"density\": %.6f, \"test_accuracy\": %.4f, "
      "\"seconds\": %.1f}\n",
      leadingFields, run.rule.algorithm.c_str(), run.rule.algorithm == "mest" ? run.rule.variant.c_str() : "",
      run.sparsity, run.seed, run.epochs, run.removeFraction, run.removalEpoch, result.density, result.testAccuracy,
      seconds);
}

}  // namespace reference
