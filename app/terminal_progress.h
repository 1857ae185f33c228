#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "train/observer.h"

namespace ss::cli {

// "42s", "3m05s", "2h10m"; "--" when unknown.
std::string formatDuration(double seconds);

// Shows a run's progress on stderr: a redrawn bar with epoch, step, loss, accuracy, samples/s and
// ETA on a terminal; a plain line per epoch (and every few seconds) when stderr is not a terminal.
class TerminalProgress : public TrainingObserver {
 public:
  explicit TerminalProgress(FILE* out);

  void onRunStart(const RunStartInfo& info) override;
  void onStep(const StepRecord& s, int64_t stepInEpoch, int64_t stepsPerEpoch) override;
  void onEpochEnd(const EpochRecord& e) override;
  void onExamplesRemoved(const ExamplesRemovedEvent& e) override;
  void onMaskChange(const MaskChangeEvent& e) override;

 private:
  double secondsElapsed() const;
  double etaSeconds(int64_t stepsDone) const;

  FILE* out_;
  bool tty_;
  RunStartInfo info_;
  std::chrono::steady_clock::time_point start_, lastDraw_;
  double smoothedLoss_ = 0, smoothedAccuracy_ = 0, smoothedRate_ = 0;
  bool haveSmoothed_ = false;
  int64_t droppedThisEpoch_ = 0, grownThisEpoch_ = 0, mutatedLayers_ = 0;
};

// With --json: one JSON object per epoch on stdout, one per line, nothing else on stdout.
class JsonEpochPrinter : public TrainingObserver {
 public:
  explicit JsonEpochPrinter(FILE* out) : out_(out) {}
  void onRunStart(const RunStartInfo& info) override { runId_ = info.runId; }
  void onEpochEnd(const EpochRecord& e) override;

 private:
  FILE* out_;
  int64_t runId_ = 0;
};

}  // namespace ss::cli
