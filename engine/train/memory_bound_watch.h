#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "memory/resident_set.h"
#include "train/observer.h"
#include "train/run_control.h"

namespace ss {

// Holds a run to its memory bound on the measured figure: the process's resident set at its peak less the base it had
// before the run read its data. A run that goes over is stopped as a cancel stops it (a checkpoint at the next step,
// resumable), with the reason kept for its status. The resident set is read at the run's start, at every epoch's end
// and every `interval` of training in between: a read costs microseconds, a step can take less than a hundred.
class MemoryBoundWatch : public TrainingObserver {
 public:
  MemoryBoundWatch(int64_t boundBytes, const ResidentSetBase& base, RunControl& control,
                   std::chrono::milliseconds interval = std::chrono::milliseconds(200));

  void onRunStart(const RunStartInfo& info) override;
  void onStep(const StepRecord& s, int64_t stepInEpoch, int64_t stepsPerEpoch) override;
  void onEpochEnd(const EpochRecord& e) override;

  // Why the run was stopped, naming the measured figure and the bound; empty while the bound holds.
  const std::string& stopReason() const { return stopReason_; }

 private:
  void check(int epoch, int64_t step);

  int64_t bound_;
  ResidentSetBase base_;
  RunControl& control_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point nextCheck_;
  std::string stopReason_;
};

}  // namespace ss
