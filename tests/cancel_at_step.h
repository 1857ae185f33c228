#pragma once

#include <cstdint>

#include "train/observer.h"
#include "train/run_control.h"

// Asks for cancel once the run has taken `atStep` steps: a run stopped at a step of the test's choosing.
struct CancelAt : ss::TrainingObserver {
  CancelAt(ss::RunControl& c, int64_t s) : control(c), atStep(s) {}
  void onStep(const ss::StepRecord& s, int64_t, int64_t) override {
    if (s.step == atStep) control.requestCancel();
  }
  ss::RunControl& control;
  int64_t atStep;
};
