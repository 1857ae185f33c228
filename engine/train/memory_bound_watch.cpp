#include "train/memory_bound_watch.h"

#include <cstdio>

namespace ss {

MemoryBoundWatch::MemoryBoundWatch(int64_t boundBytes, const ResidentSetBase& base, RunControl& control,
                                   std::chrono::milliseconds interval)
    : bound_(boundBytes), base_(base), control_(control), interval_(interval) {}

void MemoryBoundWatch::onRunStart(const RunStartInfo& info) {
  check(info.resumedAtEpoch ? info.resumedAtEpoch : 1, info.resumedAtStep);
}

void MemoryBoundWatch::onStep(const StepRecord& s, int64_t, int64_t) {
  const auto now = std::chrono::steady_clock::now();
  if (now < nextCheck_) return;
  nextCheck_ = now + interval_;
  check(s.epoch, s.step);
}

void MemoryBoundWatch::onEpochEnd(const EpochRecord& e) {
  check(e.epoch, e.step);  // the evaluation's batches and the checkpoint's copies come now
}

void MemoryBoundWatch::check(int epoch, int64_t step) {
  if (!stopReason_.empty()) return;
  const int64_t above = base_.peakAbove(readResidentSet());
  if (above <= bound_) return;
  char reason[400];
  std::snprintf(reason, sizeof reason,
                "stopped at the memory bound: the process held %.1f MB above its base of %.1f MB (measured resident "
                "set) by epoch %d, step %lld, over the memory_bound of %.1f MB; resume it with a larger bound",
                double(above) / 1e6, double(base_.bytes) / 1e6, epoch, (long long)step, double(bound_) / 1e6);
  stopReason_ = reason;
  control_.requestCancel();
}

}  // namespace ss
