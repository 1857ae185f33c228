#pragma once

#include <string>
#include <vector>

#include "cli_args.h"
#include "sweep/sweep_plan.h"

namespace ss::cli {

// `sweep SWEEP.json --slurm DIR [--partition P] [--time T] [--mem M] [--cpus-per-task C] [--max-parallel K]`:
// writes the runs' projects and the job array script into DIR, submits it and prints the job id.
int submitSweepToSlurm(const SweepPlan& plan, const Args& args);
// `sweep status DIR`: every run's state from squeue, sacct (where kept) and the task stores.
int sweepStatusCommand(const std::vector<std::string>& argv);
// `sweep resubmit DIR [--max-parallel K]`: submits the failed and cancelled tasks again; they continue from
// their checkpoints.
int sweepResubmitCommand(const std::vector<std::string>& argv);

}  // namespace ss::cli
