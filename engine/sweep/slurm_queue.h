#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sweep/slurm_array.h"

namespace ss {

// Slurm's state of each job array task it reports ("RUNNING", "CANCELLED"), by array job id and task index.
using SlurmTaskStates = std::map<std::pair<std::string, int>, std::string>;

// `squeue -h -r -o '%F|%K|%T'` lines; records that are not one task of an array (a plain job, or an array's
// remaining tasks cancelled before they started, task "N/A") are skipped.
SlurmTaskStates parseSqueueTasks(const std::string& output);
// `sacct -n -P -X -o JobID,State` lines ("12_3|CANCELLED by 0"); ranges of tasks not yet started are skipped.
SlurmTaskStates parseSacctTasks(const std::string& output);
// `sbatch --parsable` prints "<job id>" or "<job id>;<cluster>". Throws RunError when it printed no job id.
std::string parseSbatchJobId(const std::string& output);

// Pending and running: squeue lists the task and its process may still write its store.
bool slurmStateIsActive(const std::string& state);

// Submits the script's job array, narrowed to array's tasks and limit; returns the array job id. Throws
// RunError with sbatch's own message when it refuses.
std::string submitSlurmArray(const std::string& scriptPath, const SlurmArray& array);
// What squeue knows of these jobs' tasks, including those ended within the cluster's MinJobAge. Throws RunError
// when squeue fails.
SlurmTaskStates queuedSlurmTasks(const std::vector<std::string>& jobIds);
// What sacct records of these jobs' tasks; none when the cluster keeps no accounting.
std::optional<SlurmTaskStates> accountedSlurmTasks(const std::vector<std::string>& jobIds);

}  // namespace ss
