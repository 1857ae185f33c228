#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace ss {

LrSchedule::LrSchedule(const ScheduleSpec& spec, double baseLr, int64_t stepsPerEpoch, int epochs)
    : spec_(spec),
      baseLr_(baseLr),
      stepsPerEpoch_(std::max<int64_t>(1, stepsPerEpoch)),
      totalSteps_(stepsPerEpoch_ * epochs),
      warmupSteps_(int64_t(std::llround(spec.warmupEpochs * double(stepsPerEpoch_)))) {}

double LrSchedule::at(int64_t step) const {
  if (step < warmupSteps_) return baseLr_ * double(step + 1) / double(warmupSteps_);
  if (spec_.name == "step") return baseLr_ * std::pow(spec_.gamma, double(step / (stepsPerEpoch_ * spec_.stepEpochs)));
  if (spec_.name == "cosine") {
    const double span = double(std::max<int64_t>(1, totalSteps_ - warmupSteps_));
    const double progress = std::clamp(double(step - warmupSteps_) / span, 0.0, 1.0);
    return spec_.minLr + (baseLr_ - spec_.minLr) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  }
  return baseLr_;
}

}  // namespace ss
