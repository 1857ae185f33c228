#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/run_records.h"

namespace ss {

struct RunStartInfo {
  int64_t runId = 0;
  std::string name;
  int epochs = 0;
  int64_t stepsPerEpoch = 0;
  int64_t trainExamples = 0, testExamples = 0;
  int64_t parameterCount = 0;
  int threads = 0;
  int64_t memoryBoundBytes = 0;               // the project's memory bound, 0 when it has none
  std::vector<MemoryLineRecord> memoryLines;  // the memory model's lines, and its dense twin's
  int resumedAtEpoch = 0;                     // 0: a new run; else the epoch a resumed run continues in
  int64_t resumedAtStep = 0;
};

// The only way out of the training loop: the run store, the terminal progress and the GUI subscribe.
// Calls come from the training thread; an observer that hands data to another thread copies it.
class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  virtual void onRunStart(const RunStartInfo&) {}
  // stepInEpoch counts from 1; every step is reported, observers sample as they like.
  virtual void onStep(const StepRecord&, int64_t /*stepInEpoch*/, int64_t /*stepsPerEpoch*/) {}
  virtual void onEpochEnd(const EpochRecord&) {}
  virtual void onMaskChange(const MaskChangeEvent&) {}
  virtual void onExamplesRemoved(const ExamplesRemovedEvent&) {}
  // Every training example's forgetting statistics so far: at every epoch's end (after data efficiency acted),
  // and once more with runEnding when the run finishes or is cancelled.
  virtual void onExampleStats(const std::vector<ExampleStatRecord>& /*stats*/, bool /*runEnding*/) {}
  virtual void onRunEnd(RunStatus, const std::string& /*message*/) {}
};

}  // namespace ss
