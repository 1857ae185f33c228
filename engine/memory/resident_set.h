#pragma once

#include <cstdint>

namespace ss {

// The process's resident set as the kernel counts it (/proc/self/status): now, and its high-water mark.
struct ResidentSet {
  int64_t currentBytes = 0;  // VmRSS
  int64_t peakBytes = 0;     // VmHWM: the most resident at any moment since the process began or the last reset
};

// One read of /proc/self/status, without allocating: cheap enough for a watch every few hundred milliseconds.
ResidentSet readResidentSet();

// Where a run's memory is measured from: the resident set before the run read its data or built its model.
struct ResidentSetBase {
  int64_t bytes = 0;
  bool peakResetHere = false;  // the kernel's high-water mark was reset to this base
  // The most the process has held above this base as far as `now` tells: the high-water mark when it was reset here
  // (no spike between two reads is missed), else the resident set now.
  int64_t peakAbove(const ResidentSet& now) const;
};

// Returns the heap's freed pages to the system and resets the high-water mark, so the peak that follows is this
// run's and not that of whatever the process did before (an earlier run in the GUI or a test), then reads the base.
ResidentSetBase beginResidentSetMeasurement();

}  // namespace ss
