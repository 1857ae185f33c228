#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>

#include "core/error.h"
#include "nn/cross_entropy.h"
#include "sparse/model_sparsity.h"

namespace ss {

namespace {
using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
}  // namespace

Trainer::Trainer(Model& model, Sgd& optimizer, const LrSchedule& schedule, const Dataset& train, const Dataset& test,
                 const TrainerSettings& settings, Rng& rng)
    : model_(model),
      optimizer_(optimizer),
      schedule_(schedule),
      train_(train),
      test_(test),
      settings_(settings),
      rng_(rng),
      loader_(train, settings.batchSize, true),
      tracker_(train.size()) {}

void Trainer::removeForgettableLeast(int epoch) {
  const DataEfficiencySpec& de = settings_.dataEfficiency;
  std::vector<int64_t> inUse = loader_.order();
  std::sort(inUse.begin(), inUse.end());
  const int64_t count = int64_t(std::llround(de.removeFraction * double(inUse.size())));
  ExamplesRemovedEvent event;
  event.epoch = epoch;
  event.unforgettable = tracker_.unforgettableCount(inUse);
  event.rows = tracker_.selectForRemoval(inUse, count, de.keepLowest);
  tracker_.markRemoved(event.rows, epoch);
  std::vector<int64_t> remaining;
  remaining.reserve(inUse.size() - event.rows.size());
  std::set_difference(inUse.begin(), inUse.end(), event.rows.begin(), event.rows.end(), std::back_inserter(remaining));
  loader_.setRowsInUse(remaining);
  event.remaining = int64_t(remaining.size());
  for (int64_t r : event.rows) event.originalIndices.push_back(train_.originalIndex[size_t(r)]);
  for (auto* o : observers_) o->onExamplesRemoved(event);
}

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
  std::vector<uint8_t> correctPerExample;
  int64_t step = 0;
  for (int epoch = 1; epoch <= settings_.epochs; ++epoch) {
    if (hook_) hook_->onEpochStart(epoch, step);
    loader_.beginEpoch(rng_);
    const int64_t steps = loader_.batchCount();
    const auto epochStart = Clock::now();
    double lossSum = 0;
    int64_t correct = 0, seen = 0;
    double lr = 0;
    for (int64_t b = 0; b < steps; ++b) {
      control.waitWhilePaused();
      if (control.cancelRequested()) {
        reportExampleStats();
        return RunStatus::Cancelled;
      }
      const auto stepStart = Clock::now();
      loader_.batch(b, x, labels, rows);
      const LossResult r = softmaxCrossEntropy(model_.forward(x, true), labels, &dLogits, &correctPerExample);
      tracker_.record(rows, correctPerExample, epoch);
      if (!std::isfinite(r.meanLoss))
        throw RunError("training diverged: the loss is " + std::to_string(r.meanLoss) + " at epoch " +
                       std::to_string(epoch) + ", step " + std::to_string(step + 1) + " (try a lower learning rate)");
      model_.backward(dLogits);
      if (hook_) hook_->afterBackward(epoch, step + 1);
      lr = schedule_.at(step);
      optimizer_.step(model_.parameters(), float(lr));
      ++step;
      if (hook_) hook_->afterStep(epoch, step);
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
    e.examplesInUse = seen;
    e.memoryBytes = settings_.memoryBytes;
    for (auto* o : observers_) o->onEpochEnd(e);
    // Statistics of epochs 1..E_r decide; training from epoch E_r + 1 on goes without the removed.
    if (settings_.dataEfficiency.enabled && epoch == settings_.dataEfficiency.removalEpoch)
      removeForgettableLeast(epoch);
  }
  reportExampleStats();
  return RunStatus::Finished;
}

void Trainer::reportExampleStats() {
  std::vector<ExampleStatRecord> stats(size_t(tracker_.size()));
  for (int64_t row = 0; row < tracker_.size(); ++row) {
    const ExampleStats& s = tracker_.stats(row);
    stats[size_t(row)] = {train_.originalIndex[size_t(row)], s.presentations, s.forgettingEvents, s.firstLearnedEpoch,
                          s.removedAtEpoch};
  }
  for (auto* o : observers_) o->onExampleStats(stats);
}

}  // namespace ss
