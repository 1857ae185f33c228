#pragma once

#include "store/run_store.h"
#include "train/observer.h"

namespace ss {

// Subscribes a run store to a training run: every epoch, and every n-th step, becomes a row.
class StoreRecorder : public TrainingObserver {
 public:
  StoreRecorder(RunStore& store, int64_t runId, int logEverySteps)
      : store_(store), runId_(runId), every_(logEverySteps) {}

  void onStep(const StepRecord& s, int64_t stepInEpoch, int64_t stepsPerEpoch) override {
    if (s.step % every_ == 0 || stepInEpoch == stepsPerEpoch) store_.logStep(runId_, s);
  }
  void onEpochEnd(const EpochRecord& e) override {
    store_.logEpoch(runId_, e);
    epoch_ = e.epoch;
  }
  void onMaskChange(const MaskChangeEvent& e) override { store_.logMaskChange(runId_, e); }
  void onExamplesRemoved(const ExamplesRemovedEvent& e) override { store_.logExamplesRemoved(runId_, e); }
  // Each epoch's statistics go in as one compressed row (cheap enough for every epoch, and a history); the
  // run's final ones as a row per example, for queries.
  void onExampleStats(const std::vector<ExampleStatRecord>& stats, bool runEnding) override {
    if (runEnding)
      store_.logExampleStats(runId_, stats);
    else
      store_.logExampleStatsAtEpoch(runId_, epoch_, stats);
  }

 private:
  RunStore& store_;
  int64_t runId_;
  int every_;
  int epoch_ = 0;
};

}  // namespace ss
