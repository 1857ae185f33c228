#pragma once

#include <cstdint>
#include <string>

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
  // When a run resumes inside an epoch (its start already behind it), before the first step trained again.
  virtual void onResumeInsideEpoch(int /*epoch*/, int64_t /*globalStep*/) {}
  // The algorithm's own state beyond the model's masks (its random stream), for checkpoints; setState returns
  // false for text that saveState did not write.
  virtual std::string saveState() const { return {}; }
  virtual bool setState(const std::string& /*state*/) { return true; }
};

}  // namespace ss
