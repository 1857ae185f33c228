#include "train/trainer.h"

#include <chrono>
#include <cmath>

#include "core/error.h"
#include "nn/cross_entropy.h"
#include "sparse/model_sparsity.h"

namespace ss {

namespace {
using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
}  // namespace

Trainer::Trainer(Model& model, Sgd& optimizer, const LrSchedule& schedule, const Dataset& train, const Dataset& test,
                 const TrainerSettings& settings, Rng& rng)
    : model_(model), optimizer_(optimizer), schedule_(schedule), train_(train), test_(test), settings_(settings),
      rng_(rng), loader_(train, settings.batchSize, true) {}

Evaluation Trainer::evaluate(const Dataset& set) {
  Evaluation e;
  if (set.size() == 0) return e;
  BatchLoader loader(set, settings_.evalBatchSize, false);
  Matrix x;
  std::vector<int32_t> labels;
  std::vector<int64_t> rows;
  double lossSum = 0;
  int64_t correct = 0;
  for (int64_t b = 0; b < loader.batchCount(); ++b) {
    loader.batch(b, x, labels, rows);
    const LossResult r = softmaxCrossEntropy(model_.forward(x, false), labels, nullptr, nullptr);
    lossSum += r.meanLoss * double(labels.size());
    correct += r.correct;
  }
  e.loss = lossSum / double(set.size());
  e.accuracy = double(correct) / double(set.size());
  return e;
}

RunStatus Trainer::run(RunControl& control, const RunStartInfo& info) {
  for (auto* o : observers_) o->onRunStart(info);
  Matrix x, dLogits;
  std::vector<int32_t> labels;
  std::vector<int64_t> rows;
  int64_t step = 0;
  for (int epoch = 1; epoch <= settings_.epochs; ++epoch) {
    loader_.beginEpoch(rng_);
    const int64_t steps = loader_.batchCount();
    const auto epochStart = Clock::now();
    double lossSum = 0;
    int64_t correct = 0, seen = 0;
    double lr = 0;
    for (int64_t b = 0; b < steps; ++b) {
      control.waitWhilePaused();
      if (control.cancelRequested()) return RunStatus::Cancelled;
      const auto stepStart = Clock::now();
      loader_.batch(b, x, labels, rows);
      const LossResult r = softmaxCrossEntropy(model_.forward(x, true), labels, &dLogits, nullptr);
      if (!std::isfinite(r.meanLoss))
        throw RunError("training diverged: the loss is " + std::to_string(r.meanLoss) + " at epoch " +
                       std::to_string(epoch) + ", step " + std::to_string(step + 1) + " (try a lower learning rate)");
      model_.backward(dLogits);
      lr = schedule_.at(step);
      optimizer_.step(model_.parameters(), float(lr));
      ++step;
      lossSum += r.meanLoss * double(labels.size());
      correct += r.correct;
      seen += int64_t(labels.size());
      StepRecord s;
      s.epoch = epoch;
      s.step = step;
      s.loss = r.meanLoss;
      s.accuracy = double(r.correct) / double(labels.size());
      s.lr = lr;
      s.samplesPerSecond = double(labels.size()) / std::max(1e-9, secondsSince(stepStart));
      for (auto* o : observers_) o->onStep(s, b + 1, steps);
    }
    const double trainSeconds = secondsSince(epochStart);
    const Evaluation test = evaluate(test_);
    lastTestAccuracy_ = test.accuracy;
    EpochRecord e;
    e.epoch = epoch;
    e.step = step;
    e.trainLoss = lossSum / double(std::max<int64_t>(1, seen));
    e.trainAccuracy = double(correct) / double(std::max<int64_t>(1, seen));
    e.testLoss = test.loss;
    e.testAccuracy = test.accuracy;
    e.lr = lr;
    e.density = modelDensity(model_);
    e.samplesPerSecond = double(seen) / std::max(1e-9, trainSeconds);
    e.epochSeconds = secondsSince(epochStart);
    e.examplesInUse = loader_.examplesInUse();
    e.memoryBytes = settings_.memoryBytes;
    for (auto* o : observers_) o->onEpochEnd(e);
  }
  return RunStatus::Finished;
}

}  // namespace ss
