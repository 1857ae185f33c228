#pragma once

#include <cstdint>

namespace ss {

// Where a sparse training algorithm acts on the loop (mask mutation, pruning schedules). Unlike an
// observer it may change the model; the trainer calls it on the training thread, between steps.
class TrainingHook {
 public:
  virtual ~TrainingHook() = default;
  // Before the first step of an epoch (1-based); globalStep counts the steps already taken.
  virtual void onEpochStart(int /*epoch*/, int64_t /*globalStep*/) {}
  // After backward, before the optimizer: this step's gradients are in the parameters.
  virtual void afterBackward(int /*epoch*/, int64_t /*globalStep*/) {}
  // After the optimizer update of step globalStep (1-based).
  virtual void afterStep(int /*epoch*/, int64_t /*globalStep*/) {}
};

}  // namespace ss
