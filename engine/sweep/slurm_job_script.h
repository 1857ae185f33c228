#pragma once

#include <string>
#include <vector>

#include "sweep/slurm_sweep_dir.h"

namespace ss {

// What each task of a sweep's job array asks of the cluster; empty text leaves the site's default.
struct SlurmResources {
  std::string partition, time, mem;
  int cpusPerTask = 1;  // also the run's thread count
  int maxParallel = 0;  // tasks running at once; 0: as many as the cluster allows
};

// The sbatch script of a sweep's job array, one task per run: task i runs
// `<binary> run projects/<run i>.json --db stores/<run i>.db --threads C --continue`, so a task that runs
// again (resubmitted, or requeued by the cluster) continues its run from its checkpoint or skips it when it
// finished. binary must be an absolute path. Throws InputError when a path or option cannot be written into an
// #SBATCH line.
std::string slurmJobScript(const SlurmSweepDir& dir, const std::string& jobName, const std::vector<std::string>& runs,
                           const SlurmResources& resources, const std::string& binary);

}  // namespace ss
