#include "sweep/slurm_job_script.h"

#include <numeric>
#include <sstream>

#include "core/error.h"

namespace ss {

namespace {

// sbatch reads an #SBATCH line's value up to the first blank, and quotes would become part of it.
std::string directiveValue(const std::string& what, const std::string& value) {
  if (value.find_first_of(" \t\n\"'") != std::string::npos)
    throw InputError(what + " '" + value + "' cannot go into an #SBATCH line: it holds a blank or a quote");
  return value;
}

std::string shellQuoted(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

std::string slurmJobScript(const SlurmSweepDir& dir, const std::string& jobName, const std::vector<std::string>& runs,
                           const SlurmResources& resources, const std::string& binary) {
  SlurmArray array{std::vector<int>(runs.size()), resources.maxParallel};
  std::iota(array.tasks.begin(), array.tasks.end(), 0);
  std::ostringstream script;
  script << "#!/bin/bash\n";
  script << "#SBATCH --job-name=" << directiveValue("the job name", jobName) << '\n';
  script << "#SBATCH --array=" << formatSlurmArray(array) << '\n';
  script << "#SBATCH --chdir=" << directiveValue("the sweep folder", dir.path()) << '\n';
  script << "#SBATCH --output=" << dir.logsDir() << "/%a.%A.out\n";
  script << "#SBATCH --cpus-per-task=" << resources.cpusPerTask << '\n';
  if (!resources.partition.empty())
    script << "#SBATCH --partition=" << directiveValue("--partition", resources.partition) << '\n';
  if (!resources.time.empty()) script << "#SBATCH --time=" << directiveValue("--time", resources.time) << '\n';
  if (!resources.mem.empty()) script << "#SBATCH --mem=" << directiveValue("--mem", resources.mem) << '\n';
  script << "# Written by 'sparsescope sweep --slurm'. Task i trains run i of the sweep into a store of its own;\n"
            "# run again ('sparsescope sweep resubmit'), it continues the run from its checkpoint.\n"
            "set -eu\n"
            "runs=(";
  for (size_t i = 0; i < runs.size(); ++i) script << (i ? " " : "") << shellQuoted(runs[i]);
  script << ")\n"
            "run=${runs[$SLURM_ARRAY_TASK_ID]}\n"
         << "exec " << shellQuoted(binary) << " run " << shellQuoted(dir.projectsDir()) << "/\"$run\".json --db "
         << shellQuoted(dir.storesDir()) << "/\"$run\".db --threads " << resources.cpusPerTask << " --continue\n";
  return script.str();
}

}  // namespace ss
