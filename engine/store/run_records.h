#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ss {

enum class RunStatus { Running, Finished, Failed, Cancelled, Interrupted };
const char* toString(RunStatus s);
RunStatus runStatusFromString(const std::string& s);  // throws InputError on an unknown name

struct EpochRecord {
  int epoch = 0;     // 1-based
  int64_t step = 0;  // global step at the end of the epoch
  double trainLoss = 0, trainAccuracy = 0;
  double testLoss = 0, testAccuracy = 0;
  double lr = 0, density = 1.0;
  double samplesPerSecond = 0;
  double epochSeconds = 0;
  int64_t examplesInUse = 0;
  int64_t memoryBytes = 0;
};

struct StepRecord {
  int epoch = 0;
  int64_t step = 0;
  double loss = 0, accuracy = 0, lr = 0;
  double samplesPerSecond = 0;
};

struct RunSummary {
  int64_t id = 0;
  std::string name;
  std::string status;
  std::string message;  // failure reason, if any
  uint64_t seed = 0;
  int threads = 0;
  std::string startedAt, endedAt;  // ISO 8601 UTC
  int epochsLogged = 0;
  std::optional<double> finalTestAccuracy;
};

}  // namespace ss
