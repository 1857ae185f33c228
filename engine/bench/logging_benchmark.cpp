#include "bench/logging_benchmark.h"

#include <algorithm>

#include "bench/median.h"
#include "store/run_store.h"
#include "train/experiment.h"

namespace ss {

namespace {

struct EpochTimes : TrainingObserver {
  std::vector<double>& out;
  explicit EpochTimes(std::vector<double>& o) : out(o) {}
  void onEpochEnd(const EpochRecord& e) override { out.push_back(e.epochSeconds); }
};

}  // namespace

LoggingOverhead measureLoggingOverhead(const Project& project, int repeats, const std::string& scratchDb,
                                       const std::function<void(const std::string&)>& progress) {
  LoggingOverhead result;
  RunStore store(scratchDb);
  for (int r = 0; r < repeats; ++r) {
    for (int half = 0; half < 2; ++half) {
      const bool recorded = (r + half) % 2 == 0;
      progress("repeat " + std::to_string(r + 1) + "/" + std::to_string(repeats) +
               (recorded ? ": with the store" : ": without a store"));
      std::vector<double>& times = recorded ? result.recordedEpochSeconds : result.unrecordedEpochSeconds;
      EpochTimes observer(times);
      Experiment experiment(project);
      RunControl control;
      if (recorded)
        experiment.run(store, control, {&observer});
      else
        experiment.runUnrecorded(control, {&observer});
    }
  }
  result.medianRecorded = median(result.recordedEpochSeconds);
  result.medianUnrecorded = median(result.unrecordedEpochSeconds);
  return result;
}

}  // namespace ss
