#pragma once

#include <cstdint>

#include "project/project.h"

namespace ss {

// Learning rate as a function of the global step, updated every step (not only at epoch ends).
class LrSchedule {
 public:
  LrSchedule(const ScheduleSpec& spec, double baseLr, int64_t stepsPerEpoch, int epochs);
  double at(int64_t step) const;

 private:
  ScheduleSpec spec_;
  double baseLr_;
  int64_t stepsPerEpoch_, totalSteps_, warmupSteps_;
};

}  // namespace ss
