#pragma once

#include <string>
#include <vector>

#include "store/named_run.h"
#include "sweep/slurm_sweep_dir.h"

namespace ss {

enum class SweepTaskState { Pending, Running, Finished, Failed };
const char* toString(SweepTaskState state);

// Where one run of a Slurm sweep stands.
struct SweepTaskStatus {
  int task = 0;
  std::string run;
  std::string job;  // "<array job>_<task>" of its newest submission; empty when never submitted
  SweepTaskState state = SweepTaskState::Failed;
  std::string detail;
  NamedRun stored;  // what the task's store holds of its run, read once Slurm no longer runs the task
};

// Combines what the cluster and the task's store say. queueState is squeue's state of the task's newest job and
// accountingState sacct's, each empty when unknown; stored is what the task's store holds of its run, read only
// when the cluster no longer runs the task (its process might still write it). Pending and running come from the
// cluster; a task that ended is finished when its store says so, and failed otherwise, with what is known of why.
SweepTaskStatus combineTaskStatus(const std::string& queueState, const std::string& accountingState,
                                  const NamedRun& stored);

// Every run of the sweep in dir, by task index, from squeue, sacct where the cluster keeps accounting, and the
// task stores. Throws RunError when squeue fails.
std::vector<SweepTaskStatus> slurmSweepStatus(const SlurmSweepDir& dir);

// A task that Slurm no longer runs but whose store still says "running" was killed (out of memory, a node
// failure, the time limit's SIGKILL): records its run as interrupted, so the task run again on any node resumes
// it instead of refusing a run that seems to go on elsewhere. Does nothing for other tasks.
void markEndedTaskInterrupted(const SlurmSweepDir& dir, const SweepTaskStatus& status);

}  // namespace ss
