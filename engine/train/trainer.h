#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "core/rng.h"
#include "data/batch_loader.h"
#include "data/dataset.h"
#include "data/example_tracker.h"
#include "data/image_augmentation.h"
#include "memory/resident_set.h"
#include "nn/model.h"
#include "project/project.h"
#include "sparse/sparse_format.h"
#include "train/checkpoint.h"
#include "train/lr_schedule.h"
#include "train/observer.h"
#include "train/run_control.h"
#include "train/sgd.h"
#include "train/training_hook.h"

namespace ss {

struct TrainerSettings {
  int epochs = 1;
  int batchSize = 128;
  // Evaluation goes in batches of batchSize: its activations then stay within what the memory model counts for
  // training (at 1000 examples a batch, a 65536-wide hidden layer's panel alone took 262 MB).
  int64_t memoryBytes = 0;          // the memory model's figure, reported with every epoch
  ResidentSetBase residentSetBase;  // the measured figures' base, reported with them
  DataEfficiencySpec dataEfficiency;
  std::optional<ImageAugmenter> augmentation;  // crops and flips of training batches; none by default
};

// When the trainer hands out checkpoints: after every `everySteps` steps (0: never inside an epoch) and at the
// end of every `everyEpochs`-th epoch; always when a run is cancelled and when it finishes.
struct CheckpointPolicy {
  int64_t everySteps = 0;
  int everyEpochs = 1;
};
enum class CheckpointKind { Periodic, Cancel, Final };
const char* toString(CheckpointKind k);
// Receives a checkpoint as views of the model (valid during the call only): the sink encodes what it keeps.
using CheckpointSink = std::function<void(const CheckpointParts&, CheckpointKind)>;

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
  void setCheckpointSink(CheckpointPolicy policy, CheckpointSink sink) {
    checkpointPolicy_ = policy;
    checkpointSink_ = std::move(sink);
  }
  // Runs to the end or until control asks to cancel; returns Finished or Cancelled. With `from`, continues
  // where that checkpoint was taken (restore() must have put its state back first).
  RunStatus run(RunControl& control, const RunStartInfo& info, const TrainingPosition* from = nullptr);
  // Puts a checkpoint's training state back: algorithm, data order, random streams, statistics. The model and the
  // optimizer take theirs first, through restoreModelState (train/model_state.h).
  void restore(const Checkpoint& c);

  Evaluation evaluate(const Dataset& set);
  std::optional<double> lastTestAccuracy() const { return lastTestAccuracy_; }
  int64_t stepsPerEpoch() const { return loader_.batchCount(); }
  const ExampleTracker& tracker() const { return tracker_; }
  // Where training is, or where it stopped: the current (or last) epoch and the steps taken.
  int currentEpoch() const { return epoch_; }
  int64_t globalStep() const { return step_; }

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

  int epoch_ = 0;
  int64_t step_ = 0;
  CheckpointPolicy checkpointPolicy_;
  CheckpointSink checkpointSink_;

  void removeForgettableLeast(int epoch);
  void emitCheckpoint(const TrainingPosition& position, CheckpointKind kind);
  void reportExampleStats(bool runEnding);
};

}  // namespace ss
