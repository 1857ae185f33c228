#pragma once

#include <functional>
#include <string>
#include <vector>

#include "project/project.h"

namespace ss {

// What recording a run costs: epoch times of the same project trained with the run store (metrics rows,
// checkpoints, mask snapshots, as `sparsescope run` records) and without any store, alternating in one
// process so both meet the same machine load.
struct LoggingOverhead {
  std::vector<double> recordedEpochSeconds, unrecordedEpochSeconds;
  double medianRecorded = 0, medianUnrecorded = 0;
  double overhead() const { return medianRecorded / medianUnrecorded - 1.0; }
};

// Trains the project `repeats` times each way (order alternating), writing to a store at scratchDb.
LoggingOverhead measureLoggingOverhead(const Project& project, int repeats, const std::string& scratchDb,
                                       const std::function<void(const std::string&)>& progress);

}  // namespace ss
