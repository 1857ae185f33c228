#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>

#include "core/error.h"
#include "nn/cross_entropy.h"
#include "nn/model_loss.h"
#include "sparse/model_sparsity.h"
#include "train/model_state.h"

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
  BatchLoader loader(set, settings_.batchSize, false);
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

const char* toString(CheckpointKind k) {
  switch (k) {
    case CheckpointKind::Periodic:
      return "periodic";
    case CheckpointKind::Cancel:
      return "cancel";
    case CheckpointKind::Final:
      return "final";
  }
  return "periodic";
}

void Trainer::emitCheckpoint(const TrainingPosition& position, CheckpointKind kind) {
  if (!checkpointSink_) return;
  CheckpointParts c;
  c.position = position;
  describeModelState(model_, optimizer_, c);
  if (hook_) c.algorithmState = hook_->saveState();
  c.orderRandomState = rng_.state();
  c.order = loader_.order();
  c.examples = tracker_.all();
  checkpointSink_(c, kind);
}

void Trainer::restore(const Checkpoint& c) {
  if (hook_ && !hook_->setState(c.algorithmState))
    throw RunError("checkpoint: cannot restore the sparse training algorithm's state");
  if (!rng_.setState(c.orderRandomState)) throw RunError("checkpoint: cannot restore the data order's random stream");
  for (int64_t row : c.order)
    if (row < 0 || row >= train_.size()) throw RunError("checkpoint: the data order names rows outside the data set");
  loader_.setOrder(c.order);
  if (int64_t(c.examples.size()) != tracker_.size())
    throw RunError("checkpoint: holds statistics of " + std::to_string(c.examples.size()) + " examples, the data has " +
                   std::to_string(tracker_.size()));
  tracker_.restore(c.examples);
}

RunStatus Trainer::run(RunControl& control, const RunStartInfo& info, const TrainingPosition* from) {
  for (auto* o : observers_) o->onRunStart(info);
  Matrix x, dLogits;
  SoftmaxCrossEntropy loss;
  std::vector<int32_t> labels;
  std::vector<int64_t> rows;
  std::vector<uint8_t> correctPerExample;
  int64_t step = from ? from->globalStep : 0;
  step_ = step;
  epoch_ = from ? std::min(from->epoch, settings_.epochs) : 1;
  for (int epoch = from ? from->epoch : 1; epoch <= settings_.epochs; ++epoch) {
    // A checkpoint taken inside an epoch continues it: its start (mutation, reshuffle) has happened already.
    const TrainingPosition* inside = from && epoch == from->epoch && from->epochStarted ? from : nullptr;
    epoch_ = epoch;
    if (!inside) {
      if (hook_) hook_->onEpochStart(epoch, step);
      loader_.beginEpoch(rng_);
    } else if (hook_) {
      hook_->onResumeInsideEpoch(epoch, step);
    }
    const int64_t steps = loader_.batchCount();
    // Keyed by the epoch alone, so an epoch resumed half-way draws what it would have drawn uninterrupted.
    std::optional<EpochAugmentation> augmentation;
    if (settings_.augmentation) augmentation = settings_.augmentation->forEpoch(epoch);
    const double secondsBefore = inside ? inside->epochSecondsSoFar : 0.0;
    const auto epochStart = Clock::now();
    double lossSum = inside ? inside->lossSum : 0.0;
    int64_t correct = inside ? inside->correct : 0, seen = inside ? inside->seen : 0;
    double lr = step > 0 ? schedule_.at(step - 1) : schedule_.at(0);
    auto positionAfter = [&](int64_t batchesDone) {
      return TrainingPosition{epoch,   batchesDone, step, true,
                              lossSum, correct,     seen, secondsBefore + secondsSince(epochStart)};
    };
    for (int64_t b = inside ? inside->batchesDone : 0; b < steps; ++b) {
      control.waitWhilePaused();
      if (control.cancelRequested()) {
        emitCheckpoint(positionAfter(b), CheckpointKind::Cancel);
        reportExampleStats(true);
        return RunStatus::Cancelled;
      }
      const auto stepStart = Clock::now();
      loader_.batch(b, x, labels, rows, augmentation ? &*augmentation : nullptr);
      const LossResult r = forwardWithLoss(model_, x, labels, train_.classCount, loss, dLogits, &correctPerExample);
      tracker_.record(rows, correctPerExample, epoch);
      if (!std::isfinite(r.meanLoss))
        throw RunError("training diverged: the loss is " + std::to_string(r.meanLoss) + " at epoch " +
                       std::to_string(epoch) + ", step " + std::to_string(step + 1) + " (try a lower learning rate)");
      model_.backward(dLogits);
      if (hook_) hook_->afterBackward(epoch, step + 1);
      lr = schedule_.at(step);
      optimizer_.step(model_.parameters(), float(lr));
      step_ = ++step;
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
      // The epoch's end takes its own checkpoint, after the evaluation.
      if (checkpointPolicy_.everySteps > 0 && step % checkpointPolicy_.everySteps == 0 && b + 1 < steps)
        emitCheckpoint(positionAfter(b + 1), CheckpointKind::Periodic);
    }
    const double trainSeconds = secondsBefore + secondsSince(epochStart);
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
    e.epochSeconds = secondsBefore + secondsSince(epochStart);
    e.examplesInUse = seen;
    e.memoryBytes = settings_.memoryBytes;
    const ResidentSet resident = readResidentSet();
    e.rssBytes = resident.currentBytes;
    e.baseRssBytes = settings_.residentSetBase.bytes;
    e.peakRssBytes = e.baseRssBytes + settings_.residentSetBase.peakAbove(resident);
    for (auto* o : observers_) o->onEpochEnd(e);
    // Statistics of epochs 1..E_r decide; training from epoch E_r + 1 on goes without the removed.
    if (settings_.dataEfficiency.enabled && epoch == settings_.dataEfficiency.removalEpoch)
      removeForgettableLeast(epoch);
    reportExampleStats(false);
    const TrainingPosition next{epoch + 1, 0, step, false, 0, 0, 0, 0};
    if (epoch == settings_.epochs)
      emitCheckpoint(next, CheckpointKind::Final);
    else if (epoch % checkpointPolicy_.everyEpochs == 0)
      emitCheckpoint(next, CheckpointKind::Periodic);
  }
  reportExampleStats(true);
  return RunStatus::Finished;
}

void Trainer::reportExampleStats(bool runEnding) {
  std::vector<ExampleStatRecord> stats(size_t(tracker_.size()));
  for (int64_t row = 0; row < tracker_.size(); ++row) {
    const ExampleStats& s = tracker_.stats(row);
    stats[size_t(row)] = {train_.originalIndex[size_t(row)], s.presentations, s.forgettingEvents, s.firstLearnedEpoch,
                          s.removedAtEpoch};
  }
  for (auto* o : observers_) o->onExampleStats(stats, runEnding);
}

}  // namespace ss
