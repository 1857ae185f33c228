#pragma once

#include <optional>
#include <vector>

#include "core/rng.h"
#include "data/batch_loader.h"
#include "data/dataset.h"
#include "data/example_tracker.h"
#include "nn/model.h"
#include "project/project.h"
#include "train/lr_schedule.h"
#include "train/observer.h"
#include "train/run_control.h"
#include "train/sgd.h"
#include "train/training_hook.h"

namespace ss {

struct TrainerSettings {
  int epochs = 1;
  int batchSize = 128;
  int evalBatchSize = 1000;
  int64_t memoryBytes = 0;  // the memory model's figure, reported with every epoch
  DataEfficiencySpec dataEfficiency;
};

struct Evaluation {
  double loss = 0, accuracy = 0;
};

// The training loop: epochs of shuffled mini-batches, evaluation on the test set after each epoch,
// observers told of every step and epoch. Throws RunError when the loss stops being finite.
class Trainer {
 public:
  Trainer(Model& model, Sgd& optimizer, const LrSchedule& schedule, const Dataset& train, const Dataset& test,
          const TrainerSettings& settings, Rng& rng);

  void addObserver(TrainingObserver* o) { observers_.push_back(o); }
  void setHook(TrainingHook* hook) { hook_ = hook; }
  // Runs to the end or until control asks to cancel; returns Finished or Cancelled.
  RunStatus run(RunControl& control, const RunStartInfo& info);

  Evaluation evaluate(const Dataset& set);
  std::optional<double> lastTestAccuracy() const { return lastTestAccuracy_; }
  int64_t stepsPerEpoch() const { return loader_.batchCount(); }
  const ExampleTracker& tracker() const { return tracker_; }

 private:
  Model& model_;
  Sgd& optimizer_;
  const LrSchedule& schedule_;
  const Dataset& train_;
  const Dataset& test_;
  TrainerSettings settings_;
  Rng& rng_;
  BatchLoader loader_;
  std::vector<TrainingObserver*> observers_;
  TrainingHook* hook_ = nullptr;
  std::optional<double> lastTestAccuracy_;
  ExampleTracker tracker_;

  void removeForgettableLeast(int epoch);
  void reportExampleStats();
};

}  // namespace ss
