#pragma once

#include <string>

#include "sweep/sweep_plan.h"

namespace ss::cli {

struct LocalSweepOptions {
  std::string db;       // the one store every run writes to
  std::string workDir;  // the runs' project files (projects/) and their output (logs/<run>.log)
  int jobs = 1;         // runs at once
  int threadsPerRun = 1;
};

// Trains the sweep's runs on this machine, `jobs` at a time, each as a child `sparsescope run PROJECT --db DB
// --threads T --continue`, so finished runs are skipped and interrupted ones resumed. Ctrl-C (or SIGTERM) reaches
// the children once, which cancel and checkpoint; a second one ends them at once. Returns the exit code: 0 when
// every run finished, 130 when cancelled, 1 when a run failed or another process is still running one.
int runSweepLocally(const SweepPlan& plan, const LocalSweepOptions& options);

// Cores this process may use (its CPU affinity, which cgroups and batch systems narrow).
int usableCores();

}  // namespace ss::cli
