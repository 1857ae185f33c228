#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "store/run_records.h"
#include "sweep/sweep_plan.h"

namespace ss::cli {

// The whole sweep on one line: runs done, running and failed, epochs trained of all, ETA. Redrawn in place on a
// terminal; on a pipe or file a plain line whenever a run ends and every half minute. Epochs come from the
// store the runs write to, so the line is right whatever the runs print.
class SweepProgress {
 public:
  SweepProgress(FILE* out, const SweepPlan& plan);

  // The store's runs of this sweep, and what the parent knows of its children.
  void update(const std::vector<RunSummary>& stored, int running, int failed);
  void note(const std::string& line);  // printed on its own line, above the progress line
  void finish();                       // ends the progress line

 private:
  void draw(bool force);

  FILE* out_;
  bool tty_;
  std::string id_;
  std::map<std::string, int> epochsOfRun_;  // every run of the plan and its train.epochs
  int64_t totalEpochs_ = 0;
  int64_t epochsAtStart_ = -1;  // trained before this invocation: not part of its rate
  int64_t epochsDone_ = 0;
  int finished_ = 0, running_ = 0, failed_ = 0, lastFinished_ = -1, lastFailed_ = -1;
  std::chrono::steady_clock::time_point start_, lastDraw_;
  bool lineOpen_ = false;
};

}  // namespace ss::cli
